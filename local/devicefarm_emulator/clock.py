"""Clocks that drive the emulated session lifecycle.

Every session state is computed from the clock when it is read, so moving a clock moves
every session at once: tests jump 150 minutes without waiting.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Current time as epoch seconds."""
        ...

    def advance(self, seconds: float = 0.0, minutes: float = 0.0) -> float:
        """Move the clock forward and answer the new time."""
        ...


def _forward_step(seconds: float, minutes: float) -> float:
    step = seconds + minutes * 60.0
    if step < 0:
        # Lifecycle computations assume time never goes backwards.
        raise ValueError("clocks only move forward")
    return step


class ManualClock:
    """A clock that stands still until told to move.

    It starts at the wall time of its creation (not a fixed date) so that code comparing the
    emulator's timestamps with its own `datetime.now()` sees plausible ages.
    """

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float = 0.0, minutes: float = 0.0) -> float:
        step = _forward_step(seconds, minutes)
        with self._lock:
            self._now += step
            return self._now


class WallClock:
    """Wall time plus an offset, for the standalone server: time flows and can be skipped."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float = 0.0, minutes: float = 0.0) -> float:
        step = _forward_step(seconds, minutes)
        with self._lock:
            self._offset += step
            return time.time() + self._offset
