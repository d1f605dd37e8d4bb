"""The stop path end to end over real HTTP: botocore serialises, the emulator answers in Device
Farm's wire format (errors included), and the function parses and validates what comes back."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.retries.standard import ExponentialBackoff

from session_stopper.gateways.budgets import INTERACTIVE, STOP_RETRY_SECONDS
from session_stopper.handler import lambda_handler
from tests.support.aws import OutcomeSink
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext
from tests.support.throttling import FakeClock, seed_throttling, use_longest_backoff


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


@pytest.fixture
def longest_backoff(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return use_longest_backoff(monkeypatch)


def test_a_stop_throttled_twice_is_retried_and_answered_stopped(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    longest_backoff: FakeClock,
) -> None:
    world.emulator.faults.throttle_rate = 0.5
    # Get goes through; Stop is throttled twice (another caller spent the account's Stop
    # tokens), then goes through.
    seed_throttling(world.emulator.faults, [False, True, True, False])

    status, body, _ = stop_over_api(api_event, sessions["running"])

    assert (status, body["outcome"]) == (200, "STOPPED")
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 3
    assert world.emulator.fault_counts == {"LimitExceededException": 2}
    assert longest_backoff.slept == [1.0, 2.0], "botocore's throttling backoff, 1 s then 2 s"
    assert world.status(sessions["running"]) == "STOPPING"
    [published] = outcome_sink.published()
    assert published.body == body


def test_a_throttle_that_outlasts_the_retry_allowance_is_answered_429(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    longest_backoff: FakeClock,
) -> None:
    world.emulator.faults.throttle_rate = 1.0

    status, body, headers = stop_over_api(api_event, sessions["running"])

    assert (status, body["outcome"], body["error"]["code"]) == (
        429,
        "FAILED",
        "LimitExceededException",
    )
    assert headers.get("Retry-After") == ["30"]
    # Retries while the worst case of the next one (its backoff and a 3-s attempt) fits in what
    # is left of the stop's allowance: after 1 + 2 + 4 s of backoff, 8 + 3 s no longer does.
    assert longest_backoff.slept == [1.0, 2.0, 4.0]
    next_retry = 8.0 + INTERACTIVE.devicefarm.attempt_seconds()
    assert sum(longest_backoff.slept) + next_retry > STOP_RETRY_SECONDS
    assert world.emulator.fault_counts.total() == 4
    assert INTERACTIVE.devicefarm.attempts > 4, "the allowance ended it, not botocore's cap"


def test_a_failure_that_outlasts_the_attempts_is_answered_502(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    longest_backoff: FakeClock,
) -> None:
    world.emulator.faults.internal_failure_rate = 1.0

    status, body, headers = stop_over_api(api_event, sessions["running"])

    assert (status, body["outcome"], body["error"]["code"]) == (502, "FAILED", "InternalFailure")
    assert "Retry-After" not in headers
    # A server error backs off 50 ms, doubling: botocore's attempts run out first.
    assert world.emulator.fault_counts.total() == INTERACTIVE.devicefarm.attempts
    assert sum(longest_backoff.slept) <= STOP_RETRY_SECONDS


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


def test_api_retries_end_with_the_allowance_and_events_with_their_attempts(
    world: DeviceFarmWorld,
    sessions: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    stop_command_event: Any,
    monkeypatch: pytest.MonkeyPatch,
    longest_backoff: FakeClock,
) -> None:
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "6")
    world.emulator.faults.throttle_rate = 1.0

    status, _, _ = stop_over_api(api_event, sessions["running"])
    api_attempts = world.emulator.fault_counts.total()
    api_backoff = sum(longest_backoff.slept)
    event_outcome = lambda_handler(
        stop_command_event(detail={"arn": sessions["running"]}), FakeLambdaContext()
    )

    assert (status, api_attempts) == (429, 4)
    assert api_backoff <= STOP_RETRY_SECONDS
    assert event_outcome["outcome"] == "FAILED"
    assert world.emulator.fault_counts.total() - api_attempts == 6
