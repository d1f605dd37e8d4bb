"""Session lifecycle as a pure function of recorded facts and the current time.

Only facts are stored (created, stop requested, billing method); status, `started`, `stopped`
and device minutes are derived on every read. The metered concurrency queue is replayed from
the beginning each time, which stays consistent because a stop only changes the future.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Timings:
    """How long each phase lasts, in seconds (the real service takes about this long)."""

    pending: float = 10.0
    preparing: float = 50.0
    stopping: float = 5.0
    max_minutes: float = 150.0

    @property
    def until_running(self) -> float:
        return self.pending + self.preparing


@dataclass
class SessionRecord:
    """What the emulator remembers about one session; never the derived state."""

    arn: str
    project_arn: str
    name: str | None
    created: float
    billing_method: str
    device: dict[str, Any]
    seq: int
    options: dict[str, Any] = field(default_factory=dict)
    stop_requested: float | None = None


@dataclass(frozen=True)
class Timeline:
    """When a session got its device (None: stopped while still queued) and when it ends."""

    admitted: float | None
    ends: float


@dataclass(frozen=True)
class Phase:
    status: str
    result: str
    started: float | None
    stopped: float | None
    billed_seconds: float


def schedule(
    records: Iterable[SessionRecord], metered_limit: int, timings: Timings
) -> dict[str, Timeline]:
    """Replay the FIFO admission of metered sessions; unmetered ones never wait."""
    busy: list[float] = []  # end times of metered sessions holding a slot
    turn = float("-inf")  # admissions are first come, first served: never before the last one
    timelines: dict[str, Timeline] = {}
    for record in sorted(records, key=lambda r: r.seq):
        metered = record.billing_method == "METERED"
        admitted = record.created
        if metered:
            admitted = _first_free_slot(busy, max(admitted, turn), metered_limit)
        if record.stop_requested is not None and record.stop_requested < admitted:
            # Left the queue before its turn: it takes no slot, the next in line gets it.
            timelines[record.arn] = Timeline(None, record.stop_requested + timings.stopping)
            continue
        timeline = Timeline(admitted, _end_of(record, admitted, timings))
        if metered:
            _take_slot(busy, timeline.ends, metered_limit)
            turn = admitted
        timelines[record.arn] = timeline
    return timelines


def _first_free_slot(busy: list[float], earliest: float, limit: int) -> float:
    _release_until(busy, earliest)
    return earliest if len(busy) < limit else busy[0]


def _take_slot(busy: list[float], ends: float, limit: int) -> None:
    if len(busy) >= limit:
        heapq.heappop(busy)  # the session whose end made room
    heapq.heappush(busy, ends)


def _release_until(busy: list[float], moment: float) -> None:
    while busy and busy[0] <= moment:
        heapq.heappop(busy)


def _end_of(record: SessionRecord, admitted: float, timings: Timings) -> float:
    natural = admitted + timings.until_running + timings.max_minutes * 60.0
    if record.stop_requested is None:
        return natural
    return min(natural, record.stop_requested + timings.stopping)


def phase_at(record: SessionRecord, timeline: Timeline, now: float, timings: Timings) -> Phase:
    started = _started(record, timeline, timings)
    if now >= timeline.ends:
        result = "STOPPED" if record.stop_requested is not None else "PASSED"
        return Phase("COMPLETED", result, started, timeline.ends, _billed(started, timeline.ends))
    visible = _visible(started, now)
    if record.stop_requested is not None:
        status = "STOPPING"
    else:
        status = _waiting_status(timeline, now, timings)
    return Phase(status, "PENDING", visible, None, _billed(visible, now))


def _waiting_status(timeline: Timeline, now: float, timings: Timings) -> str:
    admitted = timeline.admitted
    if admitted is None or now < admitted:
        return "PENDING_CONCURRENCY"
    if now < admitted + timings.pending:
        return "PENDING"
    if now < admitted + timings.until_running:
        return "PREPARING"
    return "RUNNING"


def _started(record: SessionRecord, timeline: Timeline, timings: Timings) -> float | None:
    """When the session reached RUNNING, if it did (possibly in the future)."""
    if timeline.admitted is None:
        return None
    started = timeline.admitted + timings.until_running
    if record.stop_requested is not None and record.stop_requested < started:
        return None
    return started


def _visible(started: float | None, now: float) -> float | None:
    return started if started is not None and started <= now else None


def _billed(started: float | None, until: float) -> float:
    return max(0.0, until - started) if started is not None else 0.0
