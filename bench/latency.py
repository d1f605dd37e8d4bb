"""Network latency for the local stack, injected outside the code under test, and a log of
every AWS call a process makes.

Device Farm is the emulator, whose latency fault sleeps before answering each call
(`Faults.latency_ms`). moto has no such fault, so `latency_moto_server` serves moto behind a
WSGI middleware that sleeps before passing each request on, for as long as the request's
service is given (the service is read from the SigV4 credential scope, as moto itself routes
by it). The server is threaded: requests sent at once wait at once, as on a network.

`CallLog` records each botocore API call (service, operation, start, end, thread) by wrapping
`BaseClient._make_api_call` for the duration of a block: every client, whatever session built
it (Powertools' idempotency layer builds its own), with nothing changed in the function.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient
from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

from bench.sweep import REGION, _free_port

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def service_of(environ: Mapping[str, Any]) -> str:
    """The service a signed request is for: `Credential=KEY/DATE/REGION/SERVICE/aws4_request`;
    '' for an unsigned one."""
    auth = str(environ.get("HTTP_AUTHORIZATION") or "")
    if "Credential=" not in auth:
        return ""
    scope = auth.split("Credential=", 1)[1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) >= 5 else ""


class LatencyMiddleware:
    """Sleeps `latency_ms[service]` before each request of that service reaches `app`."""

    def __init__(self, app: WsgiApp, latency_ms: Mapping[str, float]) -> None:
        self.app = app
        self.latency_ms = dict(latency_ms)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        delay = self.latency_ms.get(service_of(environ), 0.0)
        if delay > 0:
            time.sleep(delay / 1000.0)
        return self.app(environ, start_response)


@contextmanager
def latency_moto_server(latency_ms: Mapping[str, float]) -> Iterator[tuple[str, LatencyMiddleware]]:
    """moto in server mode on a free port behind LatencyMiddleware; yields its URL and the
    middleware (whose `latency_ms` may be changed while it runs, e.g. zero during setup)."""
    logging.getLogger("werkzeug").disabled = True
    middleware = LatencyMiddleware(DomainDispatcherApplication(create_backend_app), latency_ms)
    server = make_server(
        "127.0.0.1", _free_port(), middleware, threaded=True, request_handler=MotoRequestHandler
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", middleware
    finally:
        server.shutdown()
        thread.join()


def moto_environment(url: str) -> dict[str, str]:
    """What points the function's boto3 clients at moto (as bench.sweep.moto_server yields)."""
    return {
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL_SNS": url,
        "AWS_ENDPOINT_URL_SQS": url,
        "AWS_ENDPOINT_URL_DYNAMODB": url,
        "AWS_ENDPOINT_URL_SCHEDULER": url,
        "PYTHONPATH": "lambda_src:.",
        "POWERTOOLS_LOG_LEVEL": "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_TRACE_DISABLED": "true",
    }


@dataclass(frozen=True)
class Call:
    service: str
    operation: str
    started: float  # time.perf_counter()
    ended: float
    thread: str

    @property
    def name(self) -> str:
        return f"{self.service}:{self.operation}"


class CallLog:
    """Every botocore API call made in this process while the log is `recording()`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._lock = threading.Lock()

    @contextmanager
    def recording(self) -> Iterator[CallLog]:
        original = getattr(BaseClient, "_make_api_call")  # noqa: B009 (private, untyped)
        log = self

        def logged(client: BaseClient, operation_name: str, api_params: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(client, operation_name, api_params)
            finally:
                call = Call(
                    client.meta.service_model.service_name,
                    operation_name,
                    started,
                    time.perf_counter(),
                    threading.current_thread().name,
                )
                with log._lock:
                    log.calls.append(call)

        setattr(BaseClient, "_make_api_call", logged)  # noqa: B010
        try:
            yield self
        finally:
            setattr(BaseClient, "_make_api_call", original)  # noqa: B010

    def take(self) -> list[Call]:
        """The calls logged since the last take, in the order they started."""
        with self._lock:
            calls, self.calls = self.calls, []
        return sorted(calls, key=lambda call: call.started)


def sequential_calls(calls: Iterable[Call]) -> int:
    """The longest chain of calls each of which started after the one before it ended: the
    calls on the critical path when each waited for the last (greedy by end time, which is
    optimal for a chain of non-overlapping intervals)."""
    chain, last_end = 0, float("-inf")
    for call in sorted(calls, key=lambda c: c.ended):
        if call.started >= last_end:
            chain, last_end = chain + 1, call.ended
    return chain
