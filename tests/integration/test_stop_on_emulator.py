"""The stop path end to end over real HTTP: botocore serialises, the emulator answers in Device
Farm's wire format (errors included), and the function parses and validates what comes back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff

from session_stopper.handler import lambda_handler
from tests.support.aws import OutcomeSink
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


@pytest.fixture
def sessions(world: DeviceFarmWorld) -> dict[str, str]:
    created = world.populate(
        [SessionSpec("alpha", 30, "running"), SessionSpec("alpha", 50, "ended", stopped=True)]
    )
    return {"running": created[0]["arn"], "ended": created[1]["arn"]}


@pytest.fixture
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep botocore's retries but not their sleeps, so fault tests stay fast."""
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda *_: 0.0)


def stop_over_api(api_event: Any, arn: str) -> tuple[int, dict[str, Any], dict[str, Any]]:
    response = lambda_handler(api_event({"arn": arn}), FakeLambdaContext())
    return response["statusCode"], json.loads(response["body"]), response["multiValueHeaders"]


def test_a_running_session_is_stopped(
    world: DeviceFarmWorld, sessions: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    status, body, _ = stop_over_api(api_event, sessions["running"])

    assert (status, body["outcome"]) == (200, "STOPPED")
    assert body["session"]["status"] == "STOPPING"
    assert body["session"]["device"]["platform"] in {"ANDROID", "IOS"}
    assert body["session"]["deviceMinutes"]["total"] == pytest.approx(30, abs=0.5)
    assert world.status(sessions["running"]) == "STOPPING"
    assert world.emulator.call_counts == {"GetRemoteAccessSession": 1, "StopRemoteAccessSession": 1}
    [published] = outcome_sink.published()
    assert published.body == body


def test_an_ended_session_is_read_not_stopped(
    world: DeviceFarmWorld, sessions: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    status, body, _ = stop_over_api(api_event, sessions["ended"])

    assert (status, body["outcome"]) == (200, "ALREADY_ENDED")
    assert world.emulator.call_counts == {"GetRemoteAccessSession": 1}


def test_an_unknown_session_is_not_found(
    world: DeviceFarmWorld, sessions: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    unknown = sessions["running"][:-20] + "0" * 14 + "/00000"

    status, body, _ = stop_over_api(api_event, unknown)

    assert (status, body["outcome"], body["error"]["code"]) == (
        404,
        "NOT_FOUND",
        "NotFoundException",
    )


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("throttle_rate", 429, "LimitExceededException"),
        ("internal_failure_rate", 502, "InternalFailure"),
    ],
)
def test_a_fault_that_outlasts_the_retries_is_failed(
    fault: str,
    status: int,
    code: str,
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    no_backoff: None,
) -> None:
    setattr(world.emulator.faults, fault, 1.0)

    answered, body, headers = stop_over_api(api_event, sessions["running"])

    assert (answered, body["outcome"], body["error"]["code"]) == (status, "FAILED", code)
    assert (headers.get("Retry-After") == ["30"]) == (status == 429)
    assert world.emulator.fault_counts.total() == 1, "one attempt: the API's 29-s budget"


def test_retries_ride_out_intermittent_faults(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    stop_command_event: Any,
    monkeypatch: pytest.MonkeyPatch,
    no_backoff: None,
) -> None:
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "8")
    world.emulator.faults.throttle_rate = 0.3
    world.emulator.faults.internal_failure_rate = 0.2
    world.emulator.faults.reseed(3)

    outcome = lambda_handler(
        stop_command_event(detail={"arn": sessions["running"]}), FakeLambdaContext()
    )

    assert outcome["outcome"] == "STOPPED"
    assert world.emulator.fault_counts.total() > 0, "the seed injects at least one fault"


def test_api_callers_get_one_attempt_and_events_all_so_the_api_answers_in_time(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    stop_command_event: Any,
    monkeypatch: pytest.MonkeyPatch,
    no_backoff: None,
) -> None:
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "6")
    world.emulator.faults.throttle_rate = 1.0

    status, _, _ = stop_over_api(api_event, sessions["running"])
    api_attempts = world.emulator.fault_counts.total()
    event_outcome = lambda_handler(
        stop_command_event(detail={"arn": sessions["running"]}), FakeLambdaContext()
    )

    assert (status, api_attempts) == (429, 1)
    assert event_outcome["outcome"] == "FAILED"
    assert world.emulator.fault_counts.total() - api_attempts == 6
