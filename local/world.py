"""A seeded Device Farm account whose sessions already have the ages a story needs.

The emulator runs on a clock that starts in the past: each session is created at the moment
that gives it its age, then the clock catches up with the present and from there flows with
wall time (the local stack binds the function's clock to it, so both agree, and timestamps in
the printed examples are today's).

Seeded sessions are arranged, not created through the API: the emulator's CloudTrail records
nothing for them. They stand for sessions that predate the deploy, which have no timer until a
sweep finds them.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from local.devicefarm_emulator import DeviceFarmEmulator
from local.devicefarm_emulator.rate_limits import RateLimitSettings

# The emulator makes a session RUNNING (and sets `started`) a minute after its creation.
START_DELAY_MINUTES = 1.0
HISTORY_MINUTES = 400.0


class BackdatedWallClock:
    """Wall time minus an offset that only shrinks: starts in the past, can catch up.

    Implements the emulator's Clock protocol; the admin API's "advance" keeps working.
    """

    def __init__(self, minutes_in_the_past: float = HISTORY_MINUTES) -> None:
        self._offset = -minutes_in_the_past * 60.0
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            return time.time() + self._offset

    def advance(self, seconds: float = 0.0, minutes: float = 0.0) -> float:
        step = seconds + minutes * 60.0
        if step < 0:
            raise ValueError("clocks only move forward")
        with self._lock:
            self._offset += step
            return time.time() + self._offset

    def advance_to(self, moment: float) -> None:
        """Jump to an epoch time, if it is still ahead (time never goes backwards)."""
        with self._lock:
            self._offset = max(self._offset, moment - time.time())

    def catch_up(self) -> None:
        """From now on, the emulator's time is the wall time."""
        with self._lock:
            self._offset = max(self._offset, 0.0)


@dataclass(frozen=True)
class SessionSeed:
    """One session to create: `age_minutes` since it started; `ended_minutes_ago` stops it."""

    project: str
    name: str
    age_minutes: float
    ended_minutes_ago: float | None = None
    billing_method: str = "METERED"
    # The account the session lives in; None: the emulator's own (the hub).
    account_id: str | None = None


@dataclass
class SeededWorld:
    emulator: DeviceFarmEmulator  # the hub; `emulator.account(id)` reaches the others
    projects: dict[str, str]  # project name -> ARN (a name is one project, in one account)
    sessions: dict[str, str]  # session name -> ARN

    def arn(self, name: str) -> str:
        return self.sessions[name]


def new_emulator(
    metered_concurrency: int = 2, *, rate_limits: bool = True
) -> tuple[DeviceFarmEmulator, BackdatedWallClock]:
    """The emulator of `make local` and `make demo`: Device Farm's API rate limits on, as in
    the service (seeding arranges the world directly and takes no tokens)."""
    clock = BackdatedWallClock()
    limits = RateLimitSettings(enabled=rate_limits)
    emulator = DeviceFarmEmulator(
        clock=clock, metered_concurrency=metered_concurrency, rate_limits=limits
    )
    return emulator, clock


def seed_world(
    emulator: DeviceFarmEmulator,
    clock: BackdatedWallClock,
    seeds: list[SessionSeed],
    account_id: str | None = None,
) -> SeededWorld:
    """Create projects and sessions in the order they happened, then catch up with now.

    `account_id`: the account of the seeds that name none (None: the hub)."""
    present = time.time()
    world = SeededWorld(emulator, {}, {})
    for moment, action, seed in sorted(_timeline(seeds, present), key=lambda item: item[0]):
        clock.advance_to(moment)
        account = emulator.account(seed.account_id or account_id or emulator.account_id)
        if action == "create":
            world.sessions[seed.name] = _create(world, account, seed)["arn"]
        else:
            account.stop_session(world.sessions[seed.name])
    clock.catch_up()
    return world


def _timeline(seeds: list[SessionSeed], present: float) -> list[tuple[float, str, SessionSeed]]:
    events = []
    for seed in seeds:
        created = present - (seed.age_minutes + START_DELAY_MINUTES) * 60.0
        events.append((created, "create", seed))
        if seed.ended_minutes_ago is not None:
            events.append((present - seed.ended_minutes_ago * 60.0, "stop", seed))
    return events


def _create(world: SeededWorld, account: DeviceFarmEmulator, seed: SessionSeed) -> dict[str, Any]:
    if seed.project not in world.projects:
        world.projects[seed.project] = account.create_project(seed.project)["arn"]
    elif world.emulator.owner_of(world.projects[seed.project]) is not account:
        raise ValueError(f"project {seed.project!r} is already another account's")
    return account.create_session(
        world.projects[seed.project], name=seed.name, billing_method=seed.billing_method
    )
