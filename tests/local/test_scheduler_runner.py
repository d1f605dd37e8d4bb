"""The scheduler runner against moto's server: what fires, when, with what, and what remains."""

from __future__ import annotations

import itertools
import json
import re
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from local.aws_resources import MotoServer, aws_client
from local.devicefarm_emulator import ManualClock
from local.scheduler_runner import SchedulerRunner, UnsupportedScheduleError, parse_at

START = datetime(2026, 11, 28, 2, 0, 0, tzinfo=UTC).timestamp()
TARGET = "arn:aws:lambda:eu-west-1:123456789012:function:session-stopper-local"
ROLE = "arn:aws:iam::123456789012:role/session-stopper-local-timers"
_groups = itertools.count()


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = MotoServer().start()
    yield server.url
    server.stop()


@pytest.fixture
def scheduler(moto_url: str) -> Any:
    return aws_client("scheduler", moto_url, "eu-west-1")


@pytest.fixture
def group(scheduler: Any) -> str:
    """A group of its own per test: moto's state lives as long as the module's server."""
    name = f"timers-{next(_groups)}"
    scheduler.create_schedule_group(Name=name)
    return name


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(start=START)


class Target:
    """A fake function: records each event, optionally does something while 'running'."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.during: Callable[[Any], Any] | None = None

    def __call__(self, event: Any) -> Any:
        self.events.append(event)
        if self.during is not None:
            return self.during(event)
        return {"handled": event.get("arn")}


@pytest.fixture
def target() -> Target:
    return Target()


@pytest.fixture
def runner(scheduler: Any, group: str, clock: ManualClock, target: Target) -> SchedulerRunner:
    return SchedulerRunner(scheduler, group, clock.now, target)


def at(epoch: float) -> str:
    return f"at({datetime.fromtimestamp(epoch, UTC):%Y-%m-%dT%H:%M:%S})"


def schedule(scheduler: Any, group: str, name: str, when: float, **overrides: Any) -> str:
    """A schedule as the contract has the function create them."""
    request: dict[str, Any] = {
        "GroupName": group,
        "Name": name,
        "ScheduleExpression": at(when),
        "ScheduleExpressionTimezone": "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "ActionAfterCompletion": "DELETE",
        "State": "ENABLED",
        "Target": {
            "Arn": TARGET,
            "RoleArn": ROLE,
            "Input": json.dumps({"action": "expire", "arn": name}),
            "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
        },
    }
    request.update(overrides)
    arn: str = scheduler.create_schedule(**request)["ScheduleArn"]
    return arn


def exists(scheduler: Any, group: str, name: str) -> bool:
    try:
        scheduler.get_schedule(GroupName=group, Name=name)
    except scheduler.exceptions.ResourceNotFoundException:
        return False
    return True


def test_only_what_is_due_fires_and_the_rest_waits_for_its_time(
    scheduler: Any, group: str, clock: ManualClock, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "past", START - 60)
    schedule(scheduler, group, "now", START)
    schedule(scheduler, group, "later", START + 600)

    assert [f.name for f in runner.run_due()] == ["past", "now"]
    assert target.events == [
        {"action": "expire", "arn": "past"},
        {"action": "expire", "arn": "now"},
    ]
    assert runner.next_due_time() == START + 600
    assert runner.run_due() == []

    clock.advance(seconds=599)
    assert runner.run_due() == []
    clock.advance(seconds=1)
    (fired,) = runner.run_due()
    assert (fired.name, fired.result, fired.error) == ("later", {"handled": "later"}, None)
    assert runner.next_due_time() is None
    assert [f.name for f in runner.fired] == ["past", "now", "later"]


def test_due_schedules_fire_earliest_first_whatever_their_creation_order(
    scheduler: Any, group: str, clock: ManualClock, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "b-second", START - 10)
    schedule(scheduler, group, "c-first", START - 20)
    schedule(scheduler, group, "a-third", START - 10)
    assert [f.name for f in runner.run_due()] == ["c-first", "a-third", "b-second"]


def test_fired_records_when_it_was_due_and_when_it_ran(
    scheduler: Any, group: str, clock: ManualClock, runner: SchedulerRunner
) -> None:
    arn = schedule(scheduler, group, "late", START + 60)
    clock.advance(seconds=95)
    (fired,) = runner.run_due()
    assert (fired.arn, fired.scheduled_time, fired.fired_at) == (arn, START + 60, START + 95)
    assert fired.overshoot_seconds == 35


def test_action_after_completion_delete_removes_the_schedule(
    scheduler: Any, group: str, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "once", START)
    (fired,) = runner.run_due()
    assert fired.completion == "deleted"
    assert not exists(scheduler, group, "once")


def test_without_delete_a_fired_schedule_stays_and_never_fires_again(
    scheduler: Any, group: str, clock: ManualClock, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "stays", START, ActionAfterCompletion="NONE")
    assert [f.completion for f in runner.run_due()] == ["kept"]
    clock.advance(minutes=5)
    assert runner.run_due() == []
    assert exists(scheduler, group, "stays")


def test_a_schedule_moved_during_its_invocation_is_kept_and_fires_at_its_new_time(
    scheduler: Any, group: str, clock: ManualClock, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "deadline", START)

    def extend(_event: Any) -> None:
        current = scheduler.get_schedule(GroupName=group, Name="deadline")
        scheduler.update_schedule(
            GroupName=group,
            Name="deadline",
            ScheduleExpression=at(START + 1800),
            ScheduleExpressionTimezone="UTC",
            FlexibleTimeWindow={"Mode": "OFF"},
            ActionAfterCompletion="DELETE",
            State="ENABLED",
            Target=current["Target"],
        )
        target.during = None  # only the first invocation moves it

    target.during = extend
    assert [f.completion for f in runner.run_due()] == ["moved"]
    assert exists(scheduler, group, "deadline")
    assert runner.next_due_time() == START + 1800

    clock.advance(minutes=30)
    assert [f.completion for f in runner.run_due()] == ["deleted"]
    assert not exists(scheduler, group, "deadline")


def test_a_schedule_the_target_deleted_is_fine(
    scheduler: Any, group: str, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "disarmed", START)
    target.during = lambda _e: scheduler.delete_schedule(GroupName=group, Name="disarmed")
    (fired,) = runner.run_due()
    assert (fired.completion, fired.error) == ("gone", None)


def test_one_invocation_may_disarm_another_due_in_the_same_round(
    scheduler: Any, group: str, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "warning", START - 300)
    schedule(scheduler, group, "expiry", START)
    target.during = lambda _e: scheduler.delete_schedule(GroupName=group, Name="expiry")
    assert [f.name for f in runner.run_due()] == ["warning"]
    assert len(target.events) == 1


def test_context_attributes_are_filled_in_before_the_input_is_decoded(
    scheduler: Any, group: str, runner: SchedulerRunner
) -> None:
    payload = (
        '{"scheduleArn": "<aws.scheduler.schedule-arn>", '
        '"scheduledTime": "<aws.scheduler.scheduled-time>", '
        '"executionId": "<aws.scheduler.execution-id>", '
        '"attempt": "<aws.scheduler.attempt-number>", '
        '"attemptNumber": <aws.scheduler.attempt-number>}'  # unquoted: it becomes a number
    )
    arn = schedule(
        scheduler,
        group,
        "attrs",
        START - 61,
        Target={"Arn": TARGET, "RoleArn": ROLE, "Input": payload},
    )
    (fired,) = runner.run_due()
    assert fired.event == {
        "scheduleArn": arn,
        "scheduledTime": "2026-11-28T01:58:59Z",
        "executionId": fired.execution_id,
        "attempt": "1",
        "attemptNumber": 1,
    }
    assert re.fullmatch(r"[0-9a-f]{16}", fired.execution_id)


def test_a_failing_target_is_recorded_and_the_schedule_completes(
    scheduler: Any, group: str, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "boom", START)
    schedule(scheduler, group, "not-json", START, Target={"Arn": TARGET, "RoleArn": ROLE,
                                                          "Input": "{oops"})  # fmt: skip

    def fail(_event: Any) -> None:
        raise RuntimeError("function crashed")

    target.during = fail
    boom, not_json = runner.run_due()
    assert (boom.error, boom.completion) == ("RuntimeError: function crashed", "deleted")
    assert not_json.error is not None
    assert not_json.error.startswith("JSONDecodeError")
    assert len(target.events) == 1  # an undecodable input never reaches the function


def test_disabled_schedules_do_not_fire(
    scheduler: Any, group: str, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "off", START, State="DISABLED")
    assert runner.run_due() == []
    assert runner.next_due_time() is None


def test_every_page_of_the_group_is_read(
    scheduler: Any, group: str, clock: ManualClock, target: Target
) -> None:
    for index in range(5):
        schedule(scheduler, group, f"s{index}", START - index)
    listings: list[str] = []
    scheduler.meta.events.register(
        "before-call.scheduler.ListSchedules", lambda **_: listings.append("page")
    )
    runner = SchedulerRunner(scheduler, group, clock.now, target, page_size=2)

    assert sorted(f.name for f in runner.run_due()) == [f"s{index}" for index in range(5)]
    assert len(listings) == 3


def test_other_groups_are_left_alone(
    scheduler: Any, group: str, target: Target, runner: SchedulerRunner
) -> None:
    scheduler.create_schedule_group(Name=f"{group}-other")
    schedule(scheduler, f"{group}-other", "elsewhere", START)
    assert runner.run_due() == []
    assert target.events == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ScheduleExpressionTimezone": "Europe/Paris"}, "'Europe/Paris' is not supported"),
        ({"ScheduleExpression": "rate(5 minutes)"}, "no rate() or cron()"),
    ],
)
def test_what_the_runner_cannot_fire_faithfully_is_refused_loudly(
    scheduler: Any,
    group: str,
    target: Target,
    runner: SchedulerRunner,
    overrides: dict[str, Any],
    message: str,
) -> None:
    schedule(scheduler, group, "fine", START)
    schedule(scheduler, group, "odd", START, **overrides)
    with pytest.raises(UnsupportedScheduleError, match=re.escape(message)) as refused:
        runner.run_due()
    assert "schedule odd" in str(refused.value)
    assert target.events == []  # nothing fires while one schedule is misread


def test_parse_at_reads_utc_and_refuses_impossible_dates() -> None:
    assert parse_at("at(2026-11-28T02:00:00)", "UTC") == START
    assert parse_at("at(2026-11-28T02:00:00)", None) == START  # Scheduler's default zone
    with pytest.raises(UnsupportedScheduleError, match="month must be"):
        parse_at("at(2026-13-28T02:00:00)", "UTC")
    with pytest.raises(UnsupportedScheduleError):
        parse_at("at(2026-11-28T02:00:00Z)", "UTC")


def test_the_background_thread_fires_as_the_clock_moves(
    scheduler: Any, group: str, clock: ManualClock, target: Target, runner: SchedulerRunner
) -> None:
    schedule(scheduler, group, "soon", START + 60)
    runner.start(interval_seconds=0.02)
    try:
        time.sleep(0.1)
        assert target.events == []
        clock.advance(seconds=60)
        deadline = time.monotonic() + 5
        while not runner.fired and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        runner.stop()
    assert [f.name for f in runner.fired] == ["soon"]
    with pytest.raises(ValueError, match="positive"):
        runner.start(interval_seconds=0)
