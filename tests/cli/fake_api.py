"""A stand-in for the API on loopback: records each request as it arrived, answers as told.

For what the local stack cannot show: the exact bytes and headers `dfss` sends (its signature),
and answers the function never gives (API Gateway's own refusals, a route it does not have).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler
from typing import Any

from local.background_http import BackgroundHTTPServer


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: Message  # case-insensitive, as received
    body: bytes


@dataclass(frozen=True)
class Canned:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is instead of `body`


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _answer(self) -> None:
        api: FakeApi = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        api.record(Recorded(self.command, self.path, self.headers, body))
        canned = api.answers.get((self.command, self.path), api.default)
        payload = canned.raw if canned.raw is not None else json.dumps(canned.body).encode()
        self.send_response(canned.status)
        self.send_header("Content-Type", "application/json")
        for name, value in canned.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer


class FakeApi(BackgroundHTTPServer):
    def __init__(self, default: Canned | None = None) -> None:
        super().__init__(_Handler)
        self.default = default or Canned()
        self.answers: dict[tuple[str, str], Canned] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def answer(self, method: str, path: str, canned: Canned) -> None:
        self.answers[(method, path)] = canned

    @property
    def only_request(self) -> Recorded:
        assert len(self.requests) == 1, self.requests
        return self.requests[0]
