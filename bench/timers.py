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
import math
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import boto3

from bench.sweep import REGION
from bench.table import Row
from local.aws_resources import aws_client
from local.cloudtrail_delivery import CloudTrailDelivery
from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock, Timings
from local.devicefarm_emulator.catalogue import default_device_arn
from local.environment import Resources
from local.lambda_runtime import LambdaInvoker
from local.outcomes import Delivered, drain
from local.sample_events import scheduled_event
from local.scheduler_runner import SchedulerRunner, _Schedule
from local.stack import LocalStack, LocalStackConfig
from local.timer_driver import TimerDriver

SEED = 20_261_128
SESSIONS = 100
SPREAD_MINUTES = 180
SWEEP_INTERVAL_MINUTES = 15  # cdk.json sweepSchedule: rate(15 minutes)
DEFAULT_BUDGET_MINUTES = 60  # cdk.json maxSessionMinutes: SWEEP_MAX_AGE_MINUTES
FIRING_DELAY_MAX_SECONDS = 60.0  # Scheduler's documented precision
PRICE_PER_DEVICE_MINUTE = 0.17  # metered, as the function's PRICE_PER_DEVICE_MINUTE
SESSION_LIMIT_MINUTES = 150  # Device Farm ends every remote access session then
ON_TIME_SECONDS = 60.0  # the target
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


# -- Scheduler's firing delay, on the local stack ----------------------------------------------


class FiringDelay:
    """Seconds after its time that a schedule fires: uniform in [0, max), drawn from the seed,
    the session's planned name (its ARN is random) and the action (expire, warn), so every run
    draws the same delay for the same firing. Each session's deadline is armed once here (no
    extension), so the action names the firing."""

    def __init__(self, seed: int, max_seconds: float) -> None:
        self.seed = seed
        self.max_seconds = max_seconds
        self.session_names: dict[str, str] = {}  # session ARN -> planned name

    def seconds(self, schedule: _Schedule) -> float:
        if self.max_seconds <= 0:
            return 0.0
        payload = json.loads(schedule.input or "{}")
        arn = str(payload.get("arn", ""))
        who = self.session_names.get(arn, arn)
        key = f"{self.seed}|{who}|{payload.get('action')}"
        return random.Random(key).random() * self.max_seconds


class LateSchedulerRunner(SchedulerRunner):
    """The stack's runner, firing each schedule `delay` after its time, not on the second.

    Only when a schedule counts as due moves (`_waiting` is what `run_due` and `next_due_time`
    read); the schedule fired is the one `run_due` reads back from moto, so the event still
    carries the schedule's own time and `Fired.overshoot_seconds` is the delay.

    Faster than the stack's runner, which reads every schedule twice a round (a few ms each on
    moto: for 100 sessions that alone took minutes), and as exact: `_waiting` lists the group
    again only after an invocation (only the function changes schedules, and the runner deletes
    one only after invoking), and reads a schedule again only when the listing shows a new
    version of it (CreationDate, LastModificationDate: moto stamps them to the microsecond)."""

    def __init__(
        self,
        *args: Any,
        delay: Callable[[_Schedule], float],
        invocations: Callable[[], int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._delay = delay
        self._invocations = invocations
        self._known: dict[tuple[str, Any, Any], _Schedule | None] = {}
        self._listed_after = -1  # the invocation count when the group was last listed

    def _waiting(self) -> list[_Schedule]:
        if self._listed_after != self._invocations():
            self._listed_after = self._invocations()
            self._list()
        return [
            replace(s, at=s.at + self._delay(s))
            for s in self._known.values()
            # As the stack's runner: moto forgets State on an update without it (ENABLED).
            if s is not None and s.state != "DISABLED" and s.key not in self._completed
        ]

    def _list(self) -> None:
        paging = {"PageSize": self._page_size} if self._page_size else {}
        pages = self._scheduler.get_paginator("list_schedules").paginate(
            GroupName=self._group, PaginationConfig=paging
        )
        known: dict[tuple[str, Any, Any], _Schedule | None] = {}
        for page in pages:
            for summary in page["Schedules"]:
                name = summary["Name"]
                version = (name, summary.get("CreationDate"), summary.get("LastModificationDate"))
                known[version] = (
                    self._known[version] if version in self._known else self._read(name)
                )
        self._known = known


class CountingInvoker(LambdaInvoker):
    """The stack's invoker, counting invocations (deliveries, firings, sweeps alike)."""

    calls = 0

    def invoke(self, event: Any) -> Any:
        self.calls += 1
        return super().invoke(event)


class BenchStack(LocalStack):
    """LocalStack whose timer driver fires schedules late, as Scheduler may (LocalStack has no
    hook for that: this repeats its `_timer_driver` with the late runner)."""

    def __init__(
        self, config: LocalStackConfig, emulator: DeviceFarmEmulator, delay: FiringDelay
    ) -> None:
        super().__init__(config, emulator)
        self.delay = delay
        self.counting = CountingInvoker(region=config.region, drop_metric_lines=not config.verbose)
        self.invoker = self.counting  # before start: the stack's wiring binds to it

    def _timer_driver(self, resources: Resources) -> TimerDriver:
        scheduler = aws_client("scheduler", self.moto_url, self.config.region)
        runner = LateSchedulerRunner(
            scheduler,
            resources.timer_group,
            self.emulator.clock.now,
            self.counting.invoke,
            delay=self.delay.seconds,
            invocations=lambda: self.counting.calls,
        )
        delivery = CloudTrailDelivery(self.emulator.cloudtrail, self.counting.invoke)
        return TimerDriver(self.emulator.clock, delivery, runner)


# -- one run -----------------------------------------------------------------------------------


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
# One line per baseline, as `make bench` prints it: the sweep-only run.
BASELINES = (SWEEP_ONLY.explained,)


@dataclass(frozen=True)
class SessionResult:
    name: str
    project: str
    budget_minutes: int
    created: float
    started: float | None
    deadline: float  # created + budget, to the second, within Device Farm's limit
    stop_called: float | None  # the STOPPED outcome's occurredAt; None: the function never did
    stopped_by: str  # the outcome's trigger kind, or "device-farm-limit"
    completed: float  # the emulator's `stopped`: billing ends here
    metered_minutes: float  # the emulator's deviceMinutes.metered

    @property
    def overshoot_seconds(self) -> float:
        """Stop call minus deadline (the end of the session when nothing stopped it); negative
        for a stop before the deadline, which no run may make."""
        moment = self.stop_called if self.stop_called is not None else self.completed
        return moment - self.deadline

    @property
    def minutes_billed_past_deadline(self) -> float:
        """Metered minutes the emulator billed after the deadline (0 for a stop before it)."""
        if self.started is None:
            return 0.0
        allowed = max(0.0, self.deadline - self.started) / 60.0
        return max(0.0, self.metered_minutes - allowed)


@dataclass
class RunRecord:
    mode: Mode
    sessions: list[SessionResult]
    deadline_mismatches: list[str] = field(default_factory=list)  # ARMED deadline != ours
    stop_mismatches: list[str] = field(default_factory=list)  # outcome vs emulator record
    failures: list[str] = field(default_factory=list)  # deliveries or firings that raised
    sweep_selections: Counter[str] = field(default_factory=Counter)  # summaries' `selection`
    armed: int = 0  # sessions the function announced a timer for (ARMED)
    fired: int = 0
    sweeps: int = 0
    wall_seconds: float = 0.0


def deadline_of(created: float, budget_minutes: int) -> float:
    """docs/timers.md: created + budget, rounded up to the second, never past the limit."""
    limit = math.floor(created + SESSION_LIMIT_MINUTES * 60)
    return float(min(math.ceil(created + budget_minutes * 60), limit))


def _devicefarm(endpoint_url: str) -> Any:
    return boto3.session.Session().client(
        "devicefarm",
        region_name="us-west-2",
        endpoint_url=endpoint_url,
        aws_access_key_id="bench",
        aws_secret_access_key="bench",  # noqa: S106 (the emulator ignores credentials)
    )


def _epoch(value: Any) -> float:
    if isinstance(value, datetime):
        return value.timestamp()
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _timeline(plan: Plan, mode: Mode, start: float) -> list[tuple[float, int, str, str]]:
    """(moment, order, action, session name): creations and sweep ticks, earliest first; a
    creation at a tick's second goes first."""
    events = [(start + s.created_offset_seconds, 0, "create", s.name) for s in plan.sessions]
    last = max(s.created_offset_seconds for s in plan.sessions)
    horizon = start + last + (SESSION_LIMIT_MINUTES + SWEEP_INTERVAL_MINUTES) * 60
    if mode.sweeps:
        tick = start + plan.sweep_phase_seconds
        while tick <= horizon:
            events.append((tick, 1, "sweep", ""))
            tick += SWEEP_INTERVAL_MINUTES * 60
    events.append((horizon, 2, "end", ""))
    return sorted(events)


def run_mode(plan: Plan, mode: Mode) -> RunRecord:
    """The plan's sessions through the real function on a fresh local stack."""
    began = time.perf_counter()
    start = float(math.floor(time.time()))
    clock = ManualClock(start=start)
    # Room for every session at once: the account's slot queue is not what is measured.
    emulator = DeviceFarmEmulator(clock=clock, metered_concurrency=max(1, len(plan.sessions)))
    projects: dict[str, str] = {}
    for name, tag in PROJECTS:
        projects[name] = emulator.create_project(name)["arn"]
        if tag is not None:
            emulator.tag_resource(projects[name], {BUDGET_TAG: str(tag)})
    delay = FiringDelay(plan.seed, plan.max_delay_seconds)
    # Empty TIMER_SCHEDULE_GROUP: the function's settings have no timers (sessionTimers off).
    env = {} if mode.timers else {"TIMER_SCHEDULE_GROUP": ""}
    config = LocalStackConfig(region=REGION, function_env=env)
    messages: list[Delivered] = []
    planned = plan.by_name()
    record = RunRecord(mode, [])
    with BenchStack(config, emulator, delay) as stack:
        client = _devicefarm(stack.emulator_url)
        sqs = stack.sqs()
        tap = stack.resources.tap_queue_url if stack.resources else ""
        for moment, _order, action, name in _timeline(plan, mode, start):
            advanced = stack.advance(seconds=max(0.0, moment - clock.now()))
            record.fired += len(advanced.fired)
            record.failures += [f.error for f in advanced.fired if f.error]
            record.failures += [d.error for d in advanced.deliveries if d.error]
            if action == "create":
                session = planned[name]
                answer = client.create_remote_access_session(
                    projectArn=projects[session.project],
                    deviceArn=default_device_arn(),
                    name=session.name,
                )
                delay.session_names[answer["remoteAccessSession"]["arn"]] = session.name
            elif action == "sweep":
                summary = stack.invoke(scheduled_event())
                record.sweeps += 1
                record.sweep_selections[str(summary.get("selection"))] += 1
            messages += drain(sqs, tap)
        listed = [
            s
            for arn in projects.values()
            for page in client.get_paginator("list_remote_access_sessions").paginate(arn=arn)
            for s in page["remoteAccessSessions"]
        ]
    record.sessions = _results(plan, listed, messages, record)
    record.wall_seconds = time.perf_counter() - began
    return record


def _results(
    plan: Plan, listed: Iterable[dict[str, Any]], messages: list[Delivered], record: RunRecord
) -> list[SessionResult]:
    stops: dict[str, dict[str, Any]] = {}
    armed: dict[str, float] = {}
    for delivered in messages:
        body = delivered.body
        arn = str(body.get("sessionArn") or "")
        if delivered.message_type == "outcome" and body.get("outcome") == "STOPPED":
            stops.setdefault(arn, body)  # the first stop; any later one was a repeat
        elif delivered.message_type == "timer" and body.get("status") == "ARMED":
            armed[arn] = _epoch(body["deadline"])
    planned = plan.by_name()
    stopping = Timings().stopping
    results = []
    for session in listed:
        mine = planned[session["name"]]
        arn = session["arn"]
        created = _epoch(session["created"])
        deadline = deadline_of(created, mine.budget_minutes)
        if arn in armed:
            record.armed += 1
            if armed[arn] != deadline:
                record.deadline_mismatches.append(mine.name)
        stop = stops.get(arn)
        called = _epoch(stop["occurredAt"]) if stop else None
        completed = _epoch(session["stopped"]) if "stopped" in session else math.inf
        if called is not None and abs(completed - stopping - called) > 0.01:
            record.stop_mismatches.append(mine.name)
        results.append(
            SessionResult(
                name=mine.name,
                project=mine.project,
                budget_minutes=mine.budget_minutes,
                created=created,
                started=_epoch(session["started"]) if "started" in session else None,
                deadline=deadline,
                stop_called=called,
                stopped_by=str(stop["trigger"]["kind"]) if stop else "device-farm-limit",
                completed=completed,
                metered_minutes=float(session["deviceMinutes"]["metered"]),
            )
        )
    return sorted(results, key=lambda r: r.name)


# -- figures -----------------------------------------------------------------------------------


def distribution(values: Sequence[float]) -> dict[str, float]:
    """min / median / p90 / p99 / max, in seconds, to the tenth."""
    ordered = sorted(values)
    if len(ordered) == 1:
        ordered = ordered * 2
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "min": round(ordered[0], 1),
        "median": round(statistics.median(ordered), 1),
        "p90": round(cuts[89], 1),
        "p99": round(cuts[98], 1),
        "max": round(ordered[-1], 1),
    }


def minutes_past_deadline_mean(sessions: Sequence[SessionResult]) -> float:
    return statistics.fmean(s.minutes_billed_past_deadline for s in sessions)


def figures(sessions: Sequence[SessionResult]) -> dict[str, Any]:
    """Overshoot and cost of a run against each session's own deadline."""
    overshoot = [s.overshoot_seconds for s in sessions]
    minutes = minutes_past_deadline_mean(sessions)
    return {
        "overshoot_s": distribution(overshoot),
        "share_within_60s": round(
            sum(0 <= o <= ON_TIME_SECONDS for o in overshoot) / len(overshoot), 3
        ),
        "device_minutes_past_deadline_mean": round(minutes, 2),
        "usd_past_deadline_mean": round(minutes * PRICE_PER_DEVICE_MINUTE, 2),
    }


def summarize(record: RunRecord) -> dict[str, Any]:
    sessions = record.sessions
    return {
        "explained": record.mode.explained,
        "stopped": sum(s.stop_called is not None for s in sessions),
        "stopped_by": dict(Counter(s.stopped_by for s in sessions)),
        "timers_armed": record.armed,
        "schedules_fired": record.fired,
        "sweeps": record.sweeps,
        "checks": {
            "stopped_before_deadline": sum(s.overshoot_seconds < 0 for s in sessions),
            "sweeps_not_selecting_by_deadline": record.sweeps - record.sweep_selections["deadline"],
            "armed_deadline_differs": len(record.deadline_mismatches),
            "stop_not_in_emulator_record": len(record.stop_mismatches),
            "invocations_failed": len(record.failures),
        },
        "wall_s": round(record.wall_seconds, 1),
        "against_each_sessions_deadline": figures(sessions),
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 1) if denominator > 0 else None


def compare(records: dict[str, RunRecord]) -> dict[str, Any]:
    """The sweep-only baseline minus the timers, both against each session's own deadline: the
    same deadlines now, so what differs is only how late each stop comes."""
    timers, sweep = records[TIMERS.key].sessions, records[SWEEP_ONLY.key].sessions
    timer_minutes = minutes_past_deadline_mean(timers)
    sweep_minutes = minutes_past_deadline_mean(sweep)
    minutes = sweep_minutes - timer_minutes
    timer_overshoot = [s.overshoot_seconds for s in timers]
    return {
        "target": (
            f"timers: every session stopped within {ON_TIME_SECONDS:g} s after its deadline "
            "(Scheduler's documented precision)"
        ),
        "target_met": all(s.stop_called is not None for s in timers)
        and all(0 <= o <= ON_TIME_SECONDS for o in timer_overshoot),
        "target_misses": sum(
            s.stop_called is None or not 0 <= o <= ON_TIME_SECONDS
            for s, o in zip(timers, timer_overshoot, strict=True)
        ),
        "sweep_minus_timer": {
            "explained": (
                "the sweep-only baseline minus the timers, per forgotten session and per 100 "
                "(device-minutes billed past each session's deadline, created + its project's "
                f"budget, at ${PRICE_PER_DEVICE_MINUTE:g} each)"
            ),
            "device_minutes_per_forgotten_session": round(minutes, 2),
            "usd_per_forgotten_session": round(minutes * PRICE_PER_DEVICE_MINUTE, 2),
            "device_minutes_per_100_sessions": round(minutes * 100, 1),
            "usd_per_100_sessions": round(minutes * PRICE_PER_DEVICE_MINUTE * 100, 2),
            "median_overshoot_ratio_sweep_over_timer": _ratio(
                statistics.median(s.overshoot_seconds for s in sweep),
                statistics.median(timer_overshoot),
            ),
            "minutes_past_deadline_ratio_sweep_over_timer": _ratio(sweep_minutes, timer_minutes),
        },
    }


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


if __name__ == "__main__":
    main()


def rows(result: dict[str, Any]) -> list[Row]:
    """The median overshoot past each session's deadline, timers against sweeps alone."""
    runs = result["runs"]
    if TIMERS.key not in runs or SWEEP_ONLY.key not in runs:
        return []
    timers, sweep = runs[TIMERS.key]["overshoot_s"], runs[SWEEP_ONLY.key]["overshoot_s"]
    return [
        Row(
            f"expiry timers, {result['sessions']} forgotten sessions",
            f"median overshoot past the deadline (max {timers['max']:g} s)",
            f"{timers['median']:g} s",
            f"sweep alone {sweep['median']:g} s",
            timers["median"] / sweep["median"] if sweep["median"] else None,
        )
    ]
