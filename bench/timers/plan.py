"""The timer benchmark's plan (bench/timers/__init__.py explains the bench): the forgotten sessions,
drawn once from a seed, and the modes they run in. Every mode runs the same plan."""

from __future__ import annotations

import random
from dataclasses import dataclass

SEED = 20_261_128
SESSIONS = 100
SPREAD_MINUTES = 180
SWEEP_INTERVAL_MINUTES = 15  # cdk.json sweepSchedule: rate(15 minutes)
DEFAULT_BUDGET_MINUTES = 60  # cdk.json maxSessionMinutes: SWEEP_MAX_AGE_MINUTES
FIRING_DELAY_MAX_SECONDS = 60.0  # Scheduler's documented precision
SESSION_LIMIT_MINUTES = 150  # Device Farm ends every remote access session then
BUDGET_TAG = "session-stopper:max-minutes"
# Project name -> its budget tag (None: untagged, so the default budget).
PROJECTS: tuple[tuple[str, int | None], ...] = (
    ("checkout", 15),
    ("login", 30),
    ("search", 45),
    ("payments", None),
    ("profile", None),
    ("media", 90),
    ("perf", 120),
)


# -- the plan: what happens, drawn once, the same for every run ------------------------------


@dataclass(frozen=True)
class PlannedSession:
    name: str
    project: str
    budget_minutes: int
    created_offset_seconds: int  # after the start of the run


@dataclass(frozen=True)
class Plan:
    seed: int
    sessions: tuple[PlannedSession, ...]
    sweep_phase_seconds: int  # the first sweep tick, after the start of the run
    max_delay_seconds: float

    def by_name(self) -> dict[str, PlannedSession]:
        return {session.name: session for session in self.sessions}


def make_plan(
    sessions: int = SESSIONS,
    seed: int = SEED,
    max_delay_seconds: float = FIRING_DELAY_MAX_SECONDS,
) -> Plan:
    """Creation moments are distinct whole seconds, so deadlines are exact to the second."""
    rng = random.Random(seed)
    offsets = sorted(rng.sample(range(1, SPREAD_MINUTES * 60), sessions))
    planned = []
    for index, offset in enumerate(offsets):
        project, tag = rng.choice(PROJECTS)
        budget = tag if tag is not None else DEFAULT_BUDGET_MINUTES
        planned.append(PlannedSession(f"forgotten-{index:03d}", project, budget, offset))
    phase = rng.randrange(SWEEP_INTERVAL_MINUTES * 60)
    return Plan(seed, tuple(planned), phase, max_delay_seconds)


# -- the modes: what runs, on the same plan --------------------------------------------------------


@dataclass(frozen=True)
class Mode:
    key: str
    timers: bool
    sweeps: bool
    explained: str


TIMERS = Mode(
    "timers",
    timers=True,
    sweeps=False,
    explained="sessionTimers on, no sweep: each session's timer alone stops it",
)
SWEEP_ONLY = Mode(
    "sweep_only",
    timers=False,
    sweeps=True,
    explained=(
        "baseline: sessionTimers off, the default sweep alone (rate(15 minutes)), which stops "
        "each session past created + its project's budget (the tag, else the default "
        f"{DEFAULT_BUDGET_MINUTES} min): the timers' deadlines, met at the sweep's next tick"
    ),
)
TIMERS_WITH_SWEEP = Mode(
    "timers_with_sweep",
    timers=True,
    sweeps=True,
    explained=(
        "as a default deploy runs: timers on, and the default sweep as the backstop (it stops "
        "what is past the same deadline, so a tick between a deadline and its timer's firing "
        "stops the session first)"
    ),
)
MODES = (TIMERS, SWEEP_ONLY, TIMERS_WITH_SWEEP)
