"""Expiry timers against sweeps alone: how late a forgotten session is stopped, and its cost.

Issue 9's measure, on the emulator's clock (nothing sleeps: the local stack's `advance` jumps
from one due moment to the next). A seeded RNG draws the sessions: creation times spread over
`SPREAD_MINUTES`, each in one of `PROJECTS`, whose `session-stopper:max-minutes` tag (or the
default budget, untagged) is the session's budget. Nobody stops a session by hand: each one is
forgotten, and its deadline is `created` + budget (docs/timers.md, "The deadline").

Every run is the real function on the local stack: the handler in this process, moto's
Scheduler, the Device Farm emulator over HTTP. Sessions are created over HTTP with boto3, so the
emulator's CloudTrail records them and the stack delivers the records to the function, which
arms the timers; the stack's scheduler runner fires them.

Firing delay. EventBridge Scheduler invokes a target "with 60 second precision": a schedule at
1:00 runs between 1:00:00 and 1:00:59 (flexible time window OFF, as the function's schedules
are). The local runner fires on the exact second, so this bench delays each firing by a seeded
draw, uniform in [0, FIRING_DELAY_MAX_SECONDS), the same for a given session and action in
every run. `max_delay_seconds=0` (`--max-delay 0`) measures exact firing instead. The sweep
rule's own firing jitter is not modelled: its ticks are exact, which flatters the baseline.

The runs (the same sessions, created at the same moments):
- `timers`: sessionTimers on, no sweep invoked: the timer alone, which the issue's target is
  about (every session stopped within 60 s of its deadline).
- `sweep_only`, the baseline: sessionTimers off (TIMER_SCHEDULE_GROUP empty, as
  `sessionTimers: false` deploys it), the default sweep alone (`rate(15 minutes)`, first tick at
  a seeded phase). A sweep that names no `maxAgeMinutes` (the scheduled one) selects each active
  session past its deadline, `created` + its project's budget (the tag, else the default), and
  reads the tags with timers off too: the same deadlines as the timers, met at the next tick
  instead (0 to 15 min late). Each sweep's summary is checked to say `selection: deadline`.
- `timers_with_sweep`: both, as a default deploy runs them: the sweep stays as the backstop.

Every run is measured against each session's own deadline; nothing may be stopped before it.

Sources: the stop moment of a session is the `occurredAt` of the function's STOPPED outcome for
it, read back from the outcome topic (the function's clock is the emulator's), checked against
the emulator's record (`stopped` = the stop call + the STOPPING phase); billing comes from the
emulator's `deviceMinutes.metered`: the minutes past a deadline are those billed after it
(the STOPPING phase included), and cost $0.17 each. In the timer runs each deadline is also
checked against the one the function armed (its `timer` ARMED message). Every session is
metered, and the emulator's metered slots are as many as the sessions: the account's
concurrency queue is not what is measured. The output is the same on every run of a seed,
except `wall_s` (the run's wall-clock time).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.table import Row
from bench.timers.figures import (
    ON_TIME_SECONDS,
    PRICE_PER_DEVICE_MINUTE,
    compare,
    distribution,
    figures,
    minutes_past_deadline_mean,
    summarize,
)
from bench.timers.plan import (
    BUDGET_TAG,
    DEFAULT_BUDGET_MINUTES,
    FIRING_DELAY_MAX_SECONDS,
    MODES,
    PROJECTS,
    SEED,
    SESSION_LIMIT_MINUTES,
    SESSIONS,
    SPREAD_MINUTES,
    SWEEP_INTERVAL_MINUTES,
    SWEEP_ONLY,
    TIMERS,
    TIMERS_WITH_SWEEP,
    Mode,
    Plan,
    PlannedSession,
    make_plan,
)
from bench.timers.run import RunRecord, SessionResult, deadline_of, run_mode
from bench.timers.stack import BenchStack, CountingInvoker, FiringDelay, LateSchedulerRunner

# The plan (bench/timers/plan.py), the stack with Scheduler's firing delay
# (bench/timers/stack.py), one run (bench/timers/run.py) and the figures
# (bench/timers/figures.py), as this module has always named them.
__all__ = [
    "BASELINES",
    "BUDGET_TAG",
    "DEFAULT_BUDGET_MINUTES",
    "FIRING_DELAY_MAX_SECONDS",
    "MODES",
    "ON_TIME_SECONDS",
    "PRICE_PER_DEVICE_MINUTE",
    "PROJECTS",
    "SEED",
    "SESSIONS",
    "SESSION_LIMIT_MINUTES",
    "SPREAD_MINUTES",
    "SWEEP_INTERVAL_MINUTES",
    "SWEEP_ONLY",
    "TIMERS",
    "TIMERS_WITH_SWEEP",
    "BenchStack",
    "CountingInvoker",
    "FiringDelay",
    "LateSchedulerRunner",
    "Mode",
    "Plan",
    "PlannedSession",
    "RunRecord",
    "SessionResult",
    "compare",
    "deadline_of",
    "distribution",
    "figures",
    "main",
    "make_plan",
    "minutes_past_deadline_mean",
    "report",
    "rows",
    "run",
    "run_mode",
    "summarize",
]

# One line per baseline, as `make bench` prints it: the sweep-only run.
BASELINES = (SWEEP_ONLY.explained,)


def run(
    sessions: int = SESSIONS,
    seed: int = SEED,
    max_delay_seconds: float = FIRING_DELAY_MAX_SECONDS,
    modes: Sequence[Mode] = MODES,
) -> dict[str, Any]:
    plan = make_plan(sessions, seed, max_delay_seconds)
    return report(plan, {mode.key: run_mode(plan, mode) for mode in modes})


def report(plan: Plan, records: dict[str, RunRecord]) -> dict[str, Any]:
    """What `make bench` prints: the setup, each run, and the comparison of the first two."""
    sessions, seed, max_delay_seconds = len(plan.sessions), plan.seed, plan.max_delay_seconds
    budgets = {
        name: tag if tag is not None else f"untagged ({DEFAULT_BUDGET_MINUTES})"
        for name, tag in PROJECTS
    }
    result: dict[str, Any] = {
        "seed": seed,
        "sessions": sessions,
        "created_over_minutes": SPREAD_MINUTES,
        "project_budgets_minutes": budgets,
        "sessions_per_budget": dict(
            sorted(Counter(s.budget_minutes for s in plan.sessions).items())
        ),
        "firing_delay": (
            f"uniform [0, {max_delay_seconds:g}) s after the schedule's time, seeded per firing: "
            "Scheduler's documented 60 s precision, flexible window OFF"
            if max_delay_seconds > 0
            else "none: schedules fire on their exact second"
        ),
        "sweep_schedule": (
            f"every {SWEEP_INTERVAL_MINUTES} min from +{plan.sweep_phase_seconds} s, exact; "
            "no maxAgeMinutes, so it stops each active session past created + its project's "
            "budget (selection: deadline)"
        ),
        "price_per_device_minute_usd": PRICE_PER_DEVICE_MINUTE,
        "runs": {key: summarize(record) for key, record in records.items()},
    }
    if TIMERS.key in records and SWEEP_ONLY.key in records:
        result.update(compare(records))
    return result


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.timers", description=__doc__)
    parser.add_argument("--sessions", type=int, default=SESSIONS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--max-delay", type=float, default=FIRING_DELAY_MAX_SECONDS)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.sessions, args.seed, args.max_delay), indent=2, sort_keys=True))


def rows(result: dict[str, Any]) -> list[Row]:
    """The median overshoot past each session's deadline, timers against sweeps alone."""
    runs = result["runs"]
    if TIMERS.key not in runs or SWEEP_ONLY.key not in runs:
        return []
    timers, sweep = (
        runs[mode.key]["against_each_sessions_deadline"]["overshoot_s"]
        for mode in (TIMERS, SWEEP_ONLY)
    )
    return [
        Row(
            f"expiry timers, {result['sessions']} forgotten sessions",
            f"median overshoot past the deadline (max {timers['max']:g} s)",
            f"{timers['median']:g} s",
            f"sweep alone {sweep['median']:g} s",
            timers["median"] / sweep["median"] if sweep["median"] else None,
        )
    ]
