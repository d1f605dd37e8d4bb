"""HTTP transport: Device Farm's JSON 1.1 protocol on `POST /`, the admin API beside it."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler
from typing import Any

from local.background_http import BackgroundHTTPServer, OwnedHTTPServer
from local.devicefarm_emulator.accounts import signing_key_id
from local.devicefarm_emulator.admin import ADMIN_PREFIX, handle_admin
from local.devicefarm_emulator.emulator import DeviceFarmEmulator
from local.devicefarm_emulator.errors import (
    DeviceFarmError,
    InternalFailureError,
    SerializationError,
    UnknownOperationError,
)
from local.devicefarm_emulator.trail_record import Caller

TARGET_PREFIX = "DeviceFarm_20150623."
JSON_11 = "application/x-amz-json-1.1"

log = logging.getLogger(__name__)


class EmulatorServer(BackgroundHTTPServer):
    """A running (or ready) server; `emulator` may be swapped between tests."""

    def __init__(self, emulator: DeviceFarmEmulator, host: str = "127.0.0.1", port: int = 0):
        self.emulator = emulator
        super().__init__(_Handler, host, port)

    def start(self) -> EmulatorServer:
        super().start()
        return self


@contextmanager
def running_emulator(
    emulator: DeviceFarmEmulator, host: str = "127.0.0.1", port: int = 0
) -> Iterator[EmulatorServer]:
    """Serve `emulator` on a background thread for the duration of the block."""
    server = EmulatorServer(emulator, host, port).start()
    try:
        yield server
    finally:
        server.stop()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as botocore's connection pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: OwnedHTTPServer

    def do_POST(self) -> None:
        if self.path.startswith(ADMIN_PREFIX):
            self._admin("POST")
        else:
            self._protocol()

    def do_GET(self) -> None:
        self._admin("GET")

    def do_DELETE(self) -> None:
        self._admin("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _protocol(self) -> None:
        emulator = self.server.owner.emulator
        caller = self._caller()  # its request id is the one the client sees, as in CloudTrail
        try:
            operation = self._operation()
            answer = emulator.handle(operation, self._json_body(), caller)
            self._send(200, answer, request_id=caller.request_id)
        except DeviceFarmError as error:
            self._send(error.status, error.to_json(), request_id=caller.request_id)
        except Exception:
            log.exception("emulator bug while answering %s", self.headers.get("X-Amz-Target"))
            failure = InternalFailureError("Unexpected emulator error.").to_json()
            self._send(500, failure, request_id=caller.request_id)

    def _caller(self) -> Caller:
        return Caller(
            request_id=str(uuid.uuid4()),
            source_ip=self.client_address[0],
            user_agent=self.headers.get("User-Agent", ""),
            access_key_id=signing_key_id(self.headers.get("Authorization", "")),
        )

    def _operation(self) -> str:
        target = self.headers.get("X-Amz-Target", "")
        if not target.startswith(TARGET_PREFIX):
            self._json_body()  # drain the body so the connection stays usable
            raise UnknownOperationError(f"Unknown target {target!r}")
        return target[len(TARGET_PREFIX) :]

    def _admin(self, method: str) -> None:
        try:
            body = self._json_body()
        except DeviceFarmError as error:
            self._send(400, {"error": error.message})
            return
        status, answer = handle_admin(self.server.owner.emulator, method, self.path, body)
        self._send(status, answer, content_type="application/json")

    def _json_body(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise SerializationError("The request body is not valid JSON.") from error
        if not isinstance(body, dict):
            raise SerializationError("The request body must be a JSON object.")
        return body

    def _send(
        self,
        status: int,
        body: dict[str, Any],
        content_type: str = JSON_11,
        request_id: str | None = None,
    ) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", request_id or str(uuid.uuid4()))
        self.end_headers()
        self.wfile.write(payload)
