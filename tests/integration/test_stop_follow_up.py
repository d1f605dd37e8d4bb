"""What follows a stop's decision, through the real handler: the publish and the timer deletes
run while the idempotency record is written, and every guarantee still holds.

Device Farm is the emulator over HTTP; SNS, SQS, DynamoDB and Scheduler are moto.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.gateways.outcomes import OutcomePublisher
from session_stopper.gateways.scheduler import SchedulerGateway
from session_stopper.handler import lambda_handler
from tests.integration.test_reliability import drop_topic, restore_topic
from tests.integration.timer_support import TIMER_ENVIRONMENT, Schedules, created_event
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


@pytest.fixture
def armed(world: DeviceFarmWorld, schedules: Schedules, outcome_sink: OutcomeSink) -> str:
    """A running session whose expiry and warning timers are armed (its creation reported)."""
    session = world.populate([SessionSpec("alpha", 10, "exploratory")])[0]
    lambda_handler(created_event(session), FakeLambdaContext())
    assert len(schedules.names()) == 2
    outcome_sink.published()  # the ARMED message
    return str(session["arn"])


def follow_up_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith("stop-follow-up")]


def outcomes(sink: OutcomeSink) -> list[str]:
    return [p.body["outcome"] for p in sink.published() if p.body.get("messageType") == "outcome"]


def test_the_publish_does_not_wait_for_the_idempotency_record(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The record's completion waits here until the outcome is out: a publish that came only
    after the record (the old, sequential path) would never come, and the wait would time out."""
    [session] = world.populate([SessionSpec("alpha", 90, "s0")])
    published = threading.Event()
    real_publish, real_save = OutcomePublisher.publish, DynamoDBPersistenceLayer.save_success
    seen_during_save: list[bool] = []

    def publish(self: OutcomePublisher, *args: Any, **kwargs: Any) -> str:
        answer = real_publish(self, *args, **kwargs)
        published.set()
        return answer

    def save_success(self: DynamoDBPersistenceLayer, *args: Any, **kwargs: Any) -> None:
        seen_during_save.append(published.wait(timeout=5))
        real_save(self, *args, **kwargs)

    monkeypatch.setattr(OutcomePublisher, "publish", publish)
    monkeypatch.setattr(DynamoDBPersistenceLayer, "save_success", save_success)

    answer = lambda_handler({"arn": session["arn"]}, FakeLambdaContext())

    assert answer["outcome"] == "STOPPED"
    assert seen_during_save == [True]
    assert outcomes(outcome_sink) == ["STOPPED"]
    assert follow_up_threads() == [], "every follow-up thread is joined before the handler returns"


@pytest.mark.parametrize("route", ["command", "api"])
def test_a_stop_deletes_both_timers_and_publishes_once(
    route: str,
    armed: str,
    schedules: Schedules,
    outcome_sink: OutcomeSink,
    world: DeviceFarmWorld,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    event = {"arn": armed} if route == "command" else api_event({"arn": armed})

    lambda_handler(event, FakeLambdaContext())

    assert schedules.names() == []
    assert outcomes(outcome_sink) == ["STOPPED"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1
    assert follow_up_threads() == []


def test_the_timers_are_deleted_even_when_sns_refuses_the_outcome(
    armed: str,
    schedules: Schedules,
    outcome_sink: OutcomeSink,
    world: DeviceFarmWorld,
    stop_command_event: Callable[..., dict[str, Any]],
) -> None:
    """The session is over whether or not SNS takes the news; the outcome is parked, Lambda's
    retry publishes it, and Device Farm is asked to stop it once."""
    event = stop_command_event(detail={"arn": armed})
    drop_topic(outcome_sink)
    with pytest.raises(OutcomeNotPublishedError):
        lambda_handler(event, FakeLambdaContext())
    assert schedules.names() == []
    assert [p.body["outcome"] for p in outcome_sink.parked()] == ["STOPPED"]
    restore_topic(outcome_sink)

    assert lambda_handler(event, FakeLambdaContext())["outcome"] == "STOPPED"

    assert outcomes(outcome_sink) == ["STOPPED"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1
    assert follow_up_threads() == []


def test_a_timer_that_cannot_be_deleted_fails_nothing(
    armed: str, schedules: Schedules, outcome_sink: OutcomeSink
) -> None:
    schedules.client.delete_schedule_group(Name=TIMER_ENVIRONMENT["TIMER_SCHEDULE_GROUP"])

    answer = lambda_handler({"arn": armed}, FakeLambdaContext())

    assert answer["outcome"] == "STOPPED"
    assert outcomes(outcome_sink) == ["STOPPED"]


@pytest.mark.parametrize("route", ["command", "api"])
def test_an_outcome_the_store_cannot_record_is_still_published_once_and_answered(
    route: str,
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    """DynamoDB fails the record's completion after Device Farm stopped the session: the
    outcome is true, so it is published (once) and answered, never lost or denied."""
    [session] = world.populate([SessionSpec("alpha", 90, "s0")])

    def save_success(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("DynamoDB is down")

    monkeypatch.setattr(DynamoDBPersistenceLayer, "save_success", save_success)
    event = {"arn": session["arn"]} if route == "command" else api_event({"arn": session["arn"]})

    answer = lambda_handler(event, FakeLambdaContext())

    if route == "api":
        assert answer["statusCode"] == 200
        assert '"STOPPED"' in answer["body"]
    else:
        assert answer["outcome"] == "STOPPED"
    assert outcomes(outcome_sink) == ["STOPPED"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1
    assert follow_up_threads() == []


def test_a_failed_outcome_is_published_once_and_forgotten(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    """FAILED is published while its record is deleted, and the next attempt really tries."""
    [session] = world.populate([SessionSpec("alpha", 90, "s0")])
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "1")
    reset_function_caches()
    world.emulator.faults.internal_failure_rate = 1.0

    assert lambda_handler({"arn": session["arn"]}, FakeLambdaContext())["outcome"] == "FAILED"
    assert outcomes(outcome_sink) == ["FAILED"]

    world.emulator.faults.internal_failure_rate = 0.0
    assert lambda_handler({"arn": session["arn"]}, FakeLambdaContext())["outcome"] == "STOPPED"
    assert outcomes(outcome_sink) == ["STOPPED"]


def test_a_repeat_inside_the_window_neither_publishes_nor_deletes(
    armed: str, schedules: Schedules, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    lambda_handler({"arn": armed}, FakeLambdaContext())
    assert outcomes(outcome_sink) == ["STOPPED"]
    deletes: list[str] = []

    def delete(_self: SchedulerGateway, _group: str, name: str) -> bool:
        deletes.append(name)
        return True

    monkeypatch.setattr(SchedulerGateway, "delete", delete)

    repeat = lambda_handler({"arn": armed}, FakeLambdaContext())

    assert repeat["replay"] is True
    assert outcomes(outcome_sink) == []
    assert deletes == []
