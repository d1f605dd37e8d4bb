"""Fault injection: throttling, internal failures and latency, reproducible with a seed."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

FaultKind = Literal["LimitExceededException", "InternalFailure"]


def _check_rate(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return float(value)


@dataclass
class Faults:
    """Fault settings; attributes may be changed while the server runs."""

    throttle_rate: float = 0.0
    latency_ms: float = 0.0
    internal_failure_rate: float = 0.0
    seed: int | None = None
    _random: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        _check_rate("throttle_rate", self.throttle_rate)
        _check_rate("internal_failure_rate", self.internal_failure_rate)
        if self.latency_ms < 0:
            raise ValueError("latency_ms must not be negative")
        self._lock = threading.Lock()
        self._random = random.Random(self.seed)

    def reseed(self, seed: int | None) -> None:
        with self._lock:
            self.seed = seed
            self._random = random.Random(seed)

    def draw(self) -> FaultKind | None:
        """Decide the fate of one call. One draw per call keeps seeded runs reproducible."""
        with self._lock:
            roll = self._random.random()
        if roll < self.internal_failure_rate:
            return "InternalFailure"
        if roll < self.internal_failure_rate + self.throttle_rate:
            return "LimitExceededException"
        return None

    def latency_seconds(self) -> float:
        return self.latency_ms / 1000.0

    def copy(self) -> Faults:
        return Faults(
            throttle_rate=self.throttle_rate,
            latency_ms=self.latency_ms,
            internal_failure_rate=self.internal_failure_rate,
            seed=self.seed,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "throttleRate": self.throttle_rate,
            "latencyMs": self.latency_ms,
            "internalFailureRate": self.internal_failure_rate,
            "seed": self.seed,
        }

    def update_from_json(self, body: dict[str, Any]) -> None:
        """Apply the admin API's partial update; validate everything before changing anything."""
        throttle = _check_rate("throttleRate", float(body.get("throttleRate", self.throttle_rate)))
        failure = _check_rate(
            "internalFailureRate",
            float(body.get("internalFailureRate", self.internal_failure_rate)),
        )
        latency = float(body.get("latencyMs", self.latency_ms))
        if latency < 0:
            raise ValueError("latencyMs must not be negative")
        self.throttle_rate, self.internal_failure_rate, self.latency_ms = throttle, failure, latency
        if "seed" in body:
            seed = body["seed"]
            self.reseed(None if seed is None else int(seed))
