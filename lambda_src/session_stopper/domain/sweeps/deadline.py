"""How long a sweep may keep starting new work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Deadline:
    """`remaining_seconds` counts down; work stops starting once only `reserve_seconds` is left,
    which must cover the calls already in flight and publishing the summary."""

    remaining_seconds: Callable[[], float]
    reserve_seconds: float

    def expired(self) -> bool:
        return self.remaining_seconds() <= self.reserve_seconds

    def admits(self, seconds: float) -> bool:
        """Whether a call taking `seconds` at worst still ends before the reserve."""
        return self.remaining_seconds() - seconds > self.reserve_seconds
