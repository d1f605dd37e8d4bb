"""The local stack's timer wiring: what reaches the function, when, through which door.

The function's own timer handlers are not under test here: a fake handler stands in for it,
behind the stack's one LambdaInvoker, and the tests check what it receives and when. One stack
serves the module (starting one takes a second); each test starts from a clean feed and group.
"""

from __future__ import annotations

import json
import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest

from local import timer_driver
from local.cloudtrail_delivery import TIMER_RULE_PATTERN, matches
from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock, TrailSettings
from local.devicefarm_emulator.catalogue import default_device_arn
from local.devicefarm_emulator.testing import make_devicefarm_client
from local.lambda_runtime import LambdaInvoker
from local.stack import LocalStack, LocalStackConfig

GROUP = "session-stopper-local-timers"
ROLE = "arn:aws:iam::123456789012:role/session-stopper-local-timers"


class FakeFunction:
    """Records every event with the emulator's time it arrived; `react` plays the function."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.received: list[tuple[float, Any]] = []
        self.react: Callable[[Any], Any] | None = None
        self.running = threading.Lock()

    def __call__(self, event: Any, _context: Any) -> Any:
        # One invocation at a time, as the stack's LambdaInvoker promises.
        assert self.running.acquire(blocking=False), "two invocations at once"
        try:
            self.received.append((self.clock.now(), event))
            return self.react(event) if self.react else {"seen": True}
        finally:
            self.running.release()

    def events(self) -> list[Any]:
        return [event for _at, event in self.received]


@contextmanager
def local_stack(
    fake: FakeFunction | None = None, emulator: DeviceFarmEmulator | None = None, **config: Any
) -> Iterator[LocalStack]:
    emulator = emulator or DeviceFarmEmulator(clock=ManualClock())
    stack = LocalStack(LocalStackConfig(**config), emulator)
    if fake is not None:
        stack.invoker = LambdaInvoker(handler=fake)  # before start: the wiring binds to it
    with stack:
        yield stack


@pytest.fixture(scope="module")
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture(scope="module")
def fake(clock: ManualClock) -> FakeFunction:
    return FakeFunction(clock)


@pytest.fixture(scope="module")
def shared_stack(fake: FakeFunction, clock: ManualClock) -> Iterator[LocalStack]:
    with local_stack(fake, DeviceFarmEmulator(clock=clock)) as running:
        yield running


@pytest.fixture
def stack(shared_stack: LocalStack, fake: FakeFunction) -> LocalStack:
    """The shared stack with nothing left over: no events, no schedules, a fresh fake."""
    shared_stack.emulator.reset()
    scheduler = shared_stack.scheduler()
    for page in scheduler.get_paginator("list_schedules").paginate(GroupName=GROUP):
        for summary in page["Schedules"]:
            scheduler.delete_schedule(GroupName=GROUP, Name=summary["Name"])
    fake.received.clear()
    fake.react = None
    return shared_stack


@pytest.fixture
def emulator(stack: LocalStack) -> DeviceFarmEmulator:
    return stack.emulator


def create_session(stack: LocalStack, name: str = "checkout") -> str:
    """Over HTTP, as a user would: this is what CloudTrail records."""
    client = make_devicefarm_client(stack.emulator_url)
    project = stack.emulator.create_project("timers")["arn"]
    answer = client.create_remote_access_session(
        projectArn=project, deviceArn=default_device_arn(), name=name
    )
    return str(answer["remoteAccessSession"]["arn"])


def stop_session(stack: LocalStack, arn: str) -> None:
    make_devicefarm_client(stack.emulator_url).stop_remote_access_session(arn=arn)


def put_schedule(stack: LocalStack, name: str, when: float, payload: dict[str, Any]) -> None:
    """What the function does to arm a timer (docs/contracts.md), done by the test."""
    stack.scheduler().create_schedule(
        GroupName=GROUP,
        Name=name,
        ScheduleExpression=f"at({datetime.fromtimestamp(when, UTC):%Y-%m-%dT%H:%M:%S})",
        ScheduleExpressionTimezone="UTC",
        FlexibleTimeWindow={"Mode": "OFF"},
        ActionAfterCompletion="DELETE",
        State="ENABLED",
        Target={
            "Arn": stack.invoker.context().invoked_function_arn,
            "RoleArn": ROLE,
            "Input": json.dumps({**payload, "scheduleArn": "<aws.scheduler.schedule-arn>"}),
        },
    )


def test_the_function_environment_names_the_timer_group_role_and_target() -> None:
    with local_stack() as stack:
        assert os.environ["AWS_ENDPOINT_URL_SCHEDULER"] == stack.moto_url
        assert os.environ["TIMER_SCHEDULE_GROUP"] == GROUP
        assert os.environ["TIMER_ROLE_ARN"] == ROLE
        assert os.environ["TIMER_TARGET_ARN"] == stack.invoker.context().invoked_function_arn
        assert stack.scheduler().get_schedule_group(Name=GROUP)["State"] == "ACTIVE"
    assert "TIMER_SCHEDULE_GROUP" not in os.environ


def test_the_functions_clock_is_the_emulators_while_the_stack_runs() -> None:
    from session_stopper import clock  # noqa: PLC0415 (the function's module, after the stack set up)

    start = datetime(2026, 11, 28, 2, tzinfo=UTC)
    emulator = DeviceFarmEmulator(clock=ManualClock(start=start.timestamp()))
    with local_stack(emulator=emulator):
        assert clock.now() == start
        emulator.clock.advance(minutes=90)
        assert clock.now() == datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    assert abs((clock.now() - datetime.now(UTC)).total_seconds()) < 5


def test_cloudtrail_events_reach_the_function_as_the_rule_delivers_them(
    stack: LocalStack, fake: FakeFunction
) -> None:
    stack.emulator.create_session(stack.emulator.create_project("seeded")["arn"])  # no trail
    arn = create_session(stack)
    stop_session(stack, arn)
    assert fake.received == []  # nothing moves until asked: tests drive the timers

    deliveries = stack.deliver_cloudtrail()

    assert [d.event["detail"]["eventName"] for d in deliveries] == [
        "CreateRemoteAccessSession",
        "StopRemoteAccessSession",
    ]
    assert fake.events() == [d.event for d in deliveries]
    assert [d.result for d in deliveries] == [{"seen": True}] * 2
    assert stack.deliver_cloudtrail() == []


def test_a_function_error_is_recorded_and_the_next_event_still_goes(
    stack: LocalStack, fake: FakeFunction
) -> None:
    def fail_on_create(event: Any) -> Any:
        if event["detail"]["eventName"] == "CreateRemoteAccessSession":
            raise RuntimeError("cannot arm")
        return "disarmed"

    fake.react = fail_on_create
    stop_session(stack, create_session(stack))
    create, stop = stack.deliver_cloudtrail()
    assert (create.error, stop.result) == ("RuntimeError: cannot arm", "disarmed")


def test_the_rule_pattern_takes_device_farms_create_and_stop_calls_only() -> None:
    event = {
        "source": "aws.devicefarm",
        "detail-type": "AWS API Call via CloudTrail",
        "detail": {
            "eventSource": "devicefarm.amazonaws.com",
            "eventName": "StopRemoteAccessSession",
        },
    }
    assert matches(TIMER_RULE_PATTERN, event)
    assert not matches(TIMER_RULE_PATTERN, {**event, "source": "aws.s3"})
    other_call = {**event, "detail": {**event["detail"], "eventName": "TagResource"}}
    assert not matches(TIMER_RULE_PATTERN, other_call)
    assert not matches(TIMER_RULE_PATTERN, {k: v for k, v in event.items() if k != "detail"})
    assert not matches(TIMER_RULE_PATTERN, {**event, "detail": "not an object"})


def test_due_schedules_fire_through_the_stacks_invoker(
    stack: LocalStack, fake: FakeFunction, emulator: DeviceFarmEmulator
) -> None:
    now = emulator.clock.now()
    put_schedule(stack, "expiry-1", now + 60, {"action": "expire", "arn": "s1"})
    assert stack.fire_due_schedules() == []

    emulator.clock.advance(seconds=60)
    (fired,) = stack.fire_due_schedules()

    assert fired.name == "expiry-1"
    assert fake.events() == [{"action": "expire", "arn": "s1", "scheduleArn": fired.arn}]
    assert fired.completion == "deleted"


def test_advance_delivers_and_fires_each_thing_at_its_own_time(
    stack: LocalStack, fake: FakeFunction, emulator: DeviceFarmEmulator
) -> None:
    now = emulator.clock.now()
    start = emulator.clock.advance(seconds=math.ceil(now) - now)  # at() counts whole seconds

    def play_the_function(event: Any) -> Any:
        if event.get("detail", {}).get("eventName") == "CreateRemoteAccessSession":
            put_schedule(stack, "warning-1", start + 25 * 60, {"action": "warn"})
            put_schedule(stack, "expiry-1", start + 30 * 60, {"action": "expire"})
        elif event.get("action") == "expire":
            stop_session(stack, arn)  # whose CloudTrail event comes back in the same advance
        return None

    fake.react = play_the_function
    arn = create_session(stack)

    advanced = stack.advance(minutes=60)

    assert [(f.name, f.overshoot_seconds) for f in advanced.fired] == [
        ("warning-1", 0),
        ("expiry-1", 0),
    ]
    assert [d.event["detail"]["eventName"] for d in advanced.deliveries] == [
        "CreateRemoteAccessSession",
        "StopRemoteAccessSession",
    ]
    assert [at - start for at, _event in fake.received] == [0, 25 * 60, 30 * 60, 30 * 60]
    assert advanced.now == emulator.clock.now() == start + 3600


def test_advance_waits_out_cloudtrails_delivery_lag(
    stack: LocalStack, fake: FakeFunction, emulator: DeviceFarmEmulator
) -> None:
    emulator.cloudtrail.settings = TrailSettings(delivery_lag_seconds=150)
    start = emulator.clock.now()
    create_session(stack)
    assert stack.advance(minutes=2).deliveries == []
    assert len(stack.advance(minutes=2).deliveries) == 1
    assert [at - start for at, _event in fake.received] == [150]


def test_advance_refuses_to_spin_when_the_function_keeps_rearming_the_past(
    stack: LocalStack,
    fake: FakeFunction,
    emulator: DeviceFarmEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(timer_driver, "MAX_ROUNDS", 5)
    past = emulator.clock.now() - 60
    names = iter(range(100))
    fake.react = lambda _event: put_schedule(stack, f"again-{next(names)}", past, {})
    put_schedule(stack, "first", past, {})
    with pytest.raises(RuntimeError, match="kept falling due"):
        stack.advance(minutes=1)
    with pytest.raises(ValueError, match="forward"):
        stack.advance(seconds=-1)


def test_make_local_runs_delivery_and_firing_in_the_background() -> None:
    clock = ManualClock()
    emulator, fake = DeviceFarmEmulator(clock=clock), FakeFunction(clock)
    with local_stack(fake, emulator, background_timers=True, timer_interval_seconds=0.05) as stack:
        create_session(stack)
        put_schedule(stack, "expiry-1", emulator.clock.now() + 600, {"action": "expire"})
        _wait_for(lambda: len(fake.received) == 1)
        emulator.clock.advance(minutes=10)
        _wait_for(lambda: len(fake.received) == 2)
    assert fake.events()[1] == {"action": "expire", "scheduleArn": fake.events()[1]["scheduleArn"]}


def _wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the background threads did not get there"
        time.sleep(0.02)
