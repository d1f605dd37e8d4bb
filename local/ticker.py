"""A daemon thread that runs one action every few seconds until stopped.

The local stack's background work (CloudTrail delivery, firing schedules) is this: a failing
round is logged and the next one tries again, as the real services would keep running.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class Ticker:
    def __init__(self, action: Callable[[], object], name: str) -> None:
        self._action = action
        self._name = name
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error = ""

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, interval_seconds: float) -> None:
        if interval_seconds <= 0:
            raise ValueError("interval_seconds must be positive")
        if self._thread is not None:
            raise RuntimeError(f"{self._name} is already running")
        self._stopping.clear()
        self._thread = threading.Thread(
            target=self._run, args=(interval_seconds,), name=self._name, daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Let the round in flight finish (an invocation ends as it would in Lambda)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self, interval_seconds: float) -> None:
        while not self._stopping.wait(interval_seconds):
            try:
                self._action()
            except Exception as error:
                # Once per distinct failure: a broken schedule must not flood the terminal.
                if str(error) != self._last_error:
                    self._last_error = str(error)
                    log.exception("%s: this round failed; retrying every round", self._name)
            else:
                self._last_error = ""
