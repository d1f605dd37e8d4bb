"""Device Farm's API rate limits as token buckets, one per operation.

AWS Device Farm developer guide, "Limits" (API limits): List* and Get* APIs burst 50 and refill
10 per second; every other API, StopRemoteAccessSession included, bursts 10 and refills 1 per
second. A call that finds its operation's bucket empty is answered LimitExceededException, the
service's throttling answer (HTTP 400, `__type` ...#LimitExceededException).

The buckets refill on real (monotonic) time, not on the emulator's clock: the emulator's clock
is the sessions' time, which tests and demos jump forward by minutes, while the function under
test paces its calls in real time. A jump of the session clock must not hand out tokens.
`time_scale` runs the refill faster than real time (burst sizes unchanged), so a benchmark can
show minutes of paced work in seconds; the client must then pace at the scaled rates too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# How many tokens a bucket may hold, and how many it gains per second.
READ_BURST, READ_RATE = 50, 10.0
OTHER_BURST, OTHER_RATE = 10, 1.0


def is_read(operation: str) -> bool:
    """List* and Get* operations share the read limits (each still has its own bucket)."""
    return operation.startswith(("List", "Get"))


def _positive(name: str, value: float) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"{name} must be positive, got {value}")
    return number


@dataclass
class RateLimitSettings:
    """Attributes may be changed while the server runs (the admin API)."""

    enabled: bool = True
    read_burst: int = READ_BURST
    read_rate: float = READ_RATE
    other_burst: int = OTHER_BURST
    other_rate: float = OTHER_RATE
    time_scale: float = 1.0

    def __post_init__(self) -> None:
        self._check()

    def _check(self) -> None:
        for name in ("read_burst", "other_burst"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a whole number of at least 1, got {value!r}")
        for name in ("read_rate", "other_rate", "time_scale"):
            setattr(self, name, _positive(name, getattr(self, name)))
        if not isinstance(self.enabled, bool):
            raise ValueError(f"enabled must be true or false, got {self.enabled!r}")

    def limits_of(self, operation: str) -> tuple[int, float]:
        """(burst, tokens per real second) for the operation."""
        if is_read(operation):
            return self.read_burst, self.read_rate * self.time_scale
        return self.other_burst, self.other_rate * self.time_scale

    def copy(self) -> RateLimitSettings:
        return RateLimitSettings(**self._fields())

    def _fields(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "read_burst": self.read_burst,
            "read_rate": self.read_rate,
            "other_burst": self.other_burst,
            "other_rate": self.other_rate,
            "time_scale": self.time_scale,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "readBurst": self.read_burst,
            "readRate": self.read_rate,
            "otherBurst": self.other_burst,
            "otherRate": self.other_rate,
            "timeScale": self.time_scale,
        }

    def update_from_json(self, body: dict[str, Any]) -> None:
        """The admin API's partial update; all or nothing."""
        names = {
            "enabled": "enabled",
            "readBurst": "read_burst",
            "readRate": "read_rate",
            "otherBurst": "other_burst",
            "otherRate": "other_rate",
            "timeScale": "time_scale",
        }
        unknown = set(body) - set(names)
        if unknown:
            raise ValueError(f"unknown rate limit settings: {', '.join(sorted(unknown))}")
        fields = self._fields()
        fields.update({names[key]: value for key, value in body.items()})
        checked = RateLimitSettings(**fields)  # raises before anything changes
        for name, value in checked._fields().items():
            setattr(self, name, value)


class RateLimiter:
    """One token bucket per operation, created full on the operation's first call."""

    def __init__(
        self,
        settings: RateLimitSettings | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings if settings is not None else RateLimitSettings(enabled=False)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # operation -> (tokens, stamp)

    def admit(self, operation: str) -> bool:
        """Take a token for one call; False when the operation's bucket is empty."""
        if not self.settings.enabled:
            return True
        burst, rate = self.settings.limits_of(operation)
        with self._lock:
            now = self._monotonic()
            tokens, stamp = self._buckets.get(operation, (float(burst), now))
            tokens = min(float(burst), tokens + (now - stamp) * rate)
            admitted = tokens >= 1.0
            self._buckets[operation] = (tokens - 1.0 if admitted else tokens, now)
            return admitted

    def refill(self) -> None:
        """Every bucket full again (reset, or a change of settings)."""
        with self._lock:
            self._buckets.clear()
