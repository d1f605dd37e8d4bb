"""The function's one notion of "now".

Deadlines, ages and freshness all compare Device Farm's timestamps with this clock. It is the
wall clock; the local stack points it at the emulator's clock (`use`), so a demo can move time
forward and see timers fire without waiting an hour.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime


def _wall() -> datetime:
    return datetime.now(UTC)


_sources: list[Callable[[], datetime]] = [_wall]


def now() -> datetime:
    return _sources[-1]()


def use(source: Callable[[], datetime] | None) -> None:
    """Read time from `source` from now on; None goes back to the wall clock."""
    _sources[:] = [source or _wall]
