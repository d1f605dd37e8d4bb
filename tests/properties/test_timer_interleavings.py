"""Property: whatever order the timers' events arrive in, an owner's extension holds.

One session with a 15-minute budget, and a generated run of what AWS may deliver around it as
its clock moves on: CloudTrail's create record (on time, late, repeated, with or without the
ARN), its owner's extensions, scheduled sweeps, and stale copies of expiry schedules seen
earlier fired again (a Scheduler retry); between them, the due schedules fire as Scheduler fires
them (then delete themselves), before or after the step. Through the real handler, on moto's
Scheduler and the emulator.

After every step: the session was not stopped before the later of its budget's deadline and the
latest deadline any accepted extension gave it; an expiry timer, when there is one, is never
earlier than that deadline; its status only moves forwards; and once stopped it keeps no timer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import event as tally
from hypothesis import given, settings
from hypothesis import strategies as st

from session_stopper.domain.timers.schedules import deadline_of
from tests.integration.timer_support import (
    GROUP,
    Schedule,
    Schedules,
    created_at,
    created_event,
    enable_timers,
    fire,
    frozen_clock,
    invoke,
    scheduled_sweep,
)
from tests.properties.conftest import Harness, api_request
from tests.support.caches import reset_function_caches
from tests.support.emulated import SessionSpec
from tests.support.hypothesis_profiles import examples

pytestmark = pytest.mark.property

BUDGET_MINUTES = 15
STATUS_ORDER = {"RUNNING": 0, "STOPPING": 1, "COMPLETED": 2}

steps = st.lists(
    st.tuples(
        st.sampled_from(["record", "record-with-arn", "extend", "sweep", "retry"]),
        st.integers(min_value=0, max_value=20 * 60),  # seconds the clock moves on first
        st.integers(min_value=1, max_value=45),  # an extension's minutes
        st.booleans(),  # Scheduler fires what came due before the step (else after it)
    ),
    min_size=1,
    max_size=8,
)


@dataclass
class Story:
    """The session's life as the test sees it, checked after every step."""

    arn: str
    session: dict[str, Any]
    budget_deadline: datetime
    promised: datetime
    now: datetime
    status: str = "RUNNING"
    stopped_at: datetime | None = None
    seen_expiries: list[Schedule] = field(default_factory=list)


@pytest.fixture
def short_budget(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("SWEEP_MAX_AGE_MINUTES", str(BUDGET_MINUTES))
    enable_timers(monkeypatch, harness.sink.region)
    reset_function_caches()
    return harness


def _extend(story: Story, minutes: int) -> None:
    body = json.dumps({"arn": story.arn, "minutes": minutes})
    with frozen_clock(story.now):
        answer = invoke(api_request("/sessions/extend", "POST", "application/json", body, False))
    tally(f"extend {answer['statusCode']}")
    if answer["statusCode"] == 200:
        deadline = datetime.fromisoformat(json.loads(answer["body"])["deadline"])
        story.promised = max(story.promised, deadline)


def _fire_due(story: Story, schedules: Schedules) -> None:
    """Scheduler fires what is due, in time order, and deletes each schedule it fired."""
    due = [s for s in schedules.of(story.arn) if s is not None and s.at <= story.now]
    for schedule in sorted(due, key=lambda s: s.at):
        tally(f"fired {schedule.input['action']}")
        fire(schedule, at=story.now)
        current = schedules.get(schedule.name)
        if current is not None and (current.at, current.input) == (schedule.at, schedule.input):
            schedules.client.delete_schedule(GroupName=GROUP, Name=schedule.name)


def _retry_stale(story: Story, pick: int) -> None:
    """A copy of an expiry schedule seen earlier fires again, never before its time."""
    ready = [s for s in story.seen_expiries if s.at <= story.now]
    if ready:
        tally("stale copy fired")
        fire(ready[pick % len(ready)], at=story.now)


def _step(story: Story, schedules: Schedules, action: str, minutes: int) -> None:
    if action.startswith("record"):
        with frozen_clock(story.now):
            invoke(created_event(story.session, with_arn=action != "record"))
    elif action == "extend":
        _extend(story, minutes)
    elif action == "sweep":
        with frozen_clock(story.now):
            scheduled_sweep()
    else:
        _retry_stale(story, minutes)


def _check(story: Story, harness: Harness, schedules: Schedules) -> None:
    status = harness.world.status(story.arn)
    assert STATUS_ORDER[status] >= STATUS_ORDER[story.status], "state only moves forwards"
    if status != "RUNNING" and story.stopped_at is None:
        story.stopped_at = story.now
        tally("stopped")
        assert story.now >= max(story.budget_deadline, story.promised), (
            f"stopped at {story.now}, before {max(story.budget_deadline, story.promised)}"
        )
    story.status = status
    expiry, warning = schedules.of(story.arn)
    if story.stopped_at is not None:
        assert (expiry, warning) == (None, None), "a stopped session keeps no timer"
    if expiry is not None:
        assert expiry.at >= story.promised, "a timer never holds less than was promised"
        if all(expiry.at != seen.at for seen in story.seen_expiries):
            story.seen_expiries.append(expiry)


@settings(max_examples=examples(20))
@given(plan=steps)
def test_no_session_is_stopped_before_the_latest_deadline_it_was_given(
    short_budget: Harness, plan: list[tuple[str, int, int, bool]]
) -> None:
    [arn] = short_budget.fresh([SessionSpec("alpha", 1, "owner-decides")])
    session = short_budget.world.emulator.get_session(arn)
    created = created_at(session)
    budget_deadline = deadline_of(created, BUDGET_MINUTES)
    story = Story(arn, session, budget_deadline, budget_deadline, created + timedelta(minutes=1))
    schedules = Schedules(short_budget.sink.region)

    for action, seconds, minutes, scheduler_first in plan:
        story.now += timedelta(seconds=seconds)
        if scheduler_first:
            _fire_due(story, schedules)
            _check(story, short_budget, schedules)
        _step(story, schedules, action, minutes)
        _check(story, short_budget, schedules)
        if not scheduler_first:
            _fire_due(story, schedules)
            _check(story, short_budget, schedules)
