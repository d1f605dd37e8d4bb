"""An HTTP server on a daemon thread, owned by an object its request handlers can reach.

The emulator and the local API server are both this: a handler class plus the state it serves
(`self.server.owner` in the handler).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class OwnedHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Many short test runs bind and release ports quickly.
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], owner: Any
    ) -> None:
        self.owner = owner
        super().__init__(address, handler)


class BackgroundHTTPServer:
    """Serves `handler` on a background thread; port 0 picks a free port."""

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], host: str = "127.0.0.1", port: int = 0
    ) -> None:
        self._http = OwnedHTTPServer((host, port), handler, self)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> BackgroundHTTPServer:
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._http.shutdown()
            self._thread.join()
            self._thread = None
        self._http.server_close()
