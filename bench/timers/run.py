"""One run of the timer benchmark (bench/timers/__init__.py): the plan's sessions through the real
function on a fresh local stack, in one mode, and what became of each session."""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3

from bench.sweep import REGION
from bench.timers.plan import (
    BUDGET_TAG,
    PROJECTS,
    SESSION_LIMIT_MINUTES,
    SWEEP_INTERVAL_MINUTES,
    Mode,
    Plan,
)
from bench.timers.stack import BenchStack, FiringDelay
from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock, Timings
from local.devicefarm_emulator.catalogue import default_device_arn
from local.outcomes import Delivered, drain
from local.sample_events import scheduled_event
from local.stack import LocalStackConfig

# The operator lets every planned tag stand (a tag outside sweepMinAgeMinutes to
# maxTagBudgetMinutes would be clamped): the bench measures budgets, not the clamp.
TAG_BOUNDS = {
    "SWEEP_MIN_AGE_MINUTES": str(min(tag for _, tag in PROJECTS if tag is not None)),
    "MAX_TAG_BUDGET_MINUTES": str(SESSION_LIMIT_MINUTES),
}


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
    env = {**TAG_BOUNDS, **({} if mode.timers else {"TIMER_SCHEDULE_GROUP": ""})}
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
