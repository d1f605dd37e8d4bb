"""A stand-in for the API on loopback: records each request as it arrived, answers as told.

For what the local stack cannot show: the exact bytes and headers `dfss` sends (its signature),
and answers the function never gives (API Gateway's own refusals, a route it does not have).
"""

from __future__ import annotations

import ipaddress
import json
import ssl
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import Message
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

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
        canned = api.next_answer(self.command, self.path)
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
        self.turns: dict[tuple[str, str], list[Canned]] = {}
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()

    def record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def answer(self, method: str, path: str, canned: Canned) -> None:
        self.answers[(method, path)] = canned

    def answer_in_turn(self, method: str, path: str, answers: list[Canned]) -> None:
        """One answer per request, in order; the last one again after that."""
        self.turns[(method, path)] = list(answers)

    def next_answer(self, method: str, path: str) -> Canned:
        with self._lock:
            turns = self.turns.get((method, path))
            if turns:
                return turns.pop(0) if len(turns) > 1 else turns[0]
        return self.answers.get((method, path), self.default)

    @property
    def only_request(self) -> Recorded:
        assert len(self.requests) == 1, self.requests
        return self.requests[0]


class TlsFakeApi(FakeApi):
    """The same, over https with a certificate for 127.0.0.1 and localhost: a real endpoint as
    far as dfss can tell, so it signs with the caller's own credentials. Trust it with
    AWS_CA_BUNDLE=<certificate>."""

    def __init__(self, directory: Path, default: Canned | None = None) -> None:
        super().__init__(default)
        self.certificate, key = self_signed_certificate(directory)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.certificate, key)
        self._http.socket = context.wrap_socket(self._http.socket, server_side=True)

    @property
    def url(self) -> str:
        return super().url.replace("http://", "https://", 1)


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate (its own CA) for 127.0.0.1 and localhost, and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "dfss test API")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    certificate_path, key_path = directory / "api.pem", directory / "api.key"
    certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificate_path, key_path
