"""POST /sessions/extend: an extension moves the expiry and the warning timers, within the
operator's maximum and Device Farm's 150-minute limit, and refuses what it cannot do.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.integration.timer_support import (
    OTHER_ACCOUNT,
    Schedules,
    by_type,
    extend,
    frozen_clock,
    minutes,
    report_created,
)
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.throttling import seed_throttling, use_longest_backoff


def test_extend_moves_the_deadline_and_the_warning_and_says_so(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"])
    outcome_sink.published()

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert status == 200
    after, warning = schedules.of(session["arn"])
    assert after is not None
    assert warning is not None
    assert after.at - before.at == minutes(15)
    assert warning.at == after.at - minutes(5)
    assert after.input["deadline"] == body["deadline"].replace("+00:00", "Z")
    assert body["minutesAdded"] == 15
    assert body["messageType"] == "extended"
    [published] = by_type(outcome_sink.published(), "extended")
    assert published["deadline"] == body["deadline"]


def test_an_extension_rides_out_a_throttled_read(
    schedules: Schedules,
    session: dict[str, Any],
    world: DeviceFarmWorld,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"])
    clock = use_longest_backoff(monkeypatch)
    world.emulator.faults.throttle_rate = 0.5
    seed_throttling(world.emulator.faults, [True, False, False])  # Get, Get again, tags

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert (status, body["minutesAdded"]) == (200, 15)
    assert schedules.expiry(session["arn"]).at - before.at == minutes(15)
    assert world.emulator.fault_counts == {"LimitExceededException": 1}
    assert clock.slept == [1.0]


def test_extend_is_bounded_by_the_operators_maximum(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", "20")
    reset_function_caches()
    report_created(session)
    assert extend(api_event, {"arn": session["arn"], "minutes": 15})[0] == 200
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 10})
    assert status == 422
    assert body["error"]["code"] == "EXTENSION_LIMIT"
    assert "5 more minute(s)" in body["error"]["message"]


def test_extend_never_passes_device_farms_150_minute_limit(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_MAX_AGE_MINUTES", "140")
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", "150")
    reset_function_caches()
    long = world.populate([SessionSpec("alpha", 10, "long")])[0]
    report_created(long)
    # The deadline is rounded up to the second, the limit down: 9 whole minutes are left.
    status, body = extend(api_event, {"arn": long["arn"], "minutes": 10})
    assert status == 422
    assert "9 more minute(s)" in body["error"]["message"]
    assert extend(api_event, {"arn": long["arn"], "minutes": 9})[0] == 200


def test_extending_an_overdue_session_counts_from_now_not_from_the_passed_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    [overdue] = world.populate([SessionSpec("alpha", 70, "overdue-but-wanted")])
    now = datetime.now(UTC).replace(microsecond=0)
    with frozen_clock(now):
        status, body = extend(api_event, {"arn": overdue["arn"], "minutes": 15})
    assert status == 200
    assert datetime.fromisoformat(body["deadline"]) == now + minutes(15)
    expiry = schedules.expiry(overdue["arn"])
    assert expiry.at == now + minutes(15), "never a timer in the past"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"arn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000", "minutes": 5},
            404,
            "NOT_FOUND",
        ),
        (
            {
                "arn": f"arn:aws:devicefarm:us-west-2:{OTHER_ACCOUNT}:session:p/s/00000",
                "minutes": 5,
            },
            403,
            "OUT_OF_SCOPE",
        ),
        ({"minutes": 5}, 400, None),
        ({"arn": "SESSION", "minutes": "5"}, 400, None),
        ({"arn": "SESSION", "minutes": 0}, 400, None),
        ({"arn": "SESSION", "minutes": 5, "reason": "demo"}, 400, None),
    ],
)
def test_extend_refuses_what_it_cannot_do(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    if body.get("arn") == "SESSION":
        body = {**body, "arn": session["arn"]}
    answered, answer = extend(api_event, body)
    assert answered == status
    if code:
        assert answer["error"]["code"] == code


def test_extend_refuses_an_ended_session(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    world.emulator.stop_session(session["arn"])
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
    assert (status, body["error"]["code"]) == (409, "SESSION_ENDED")


def test_extend_without_timers_says_the_deployment_has_none(
    outcome_sink: OutcomeSink,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
    assert (status, body["error"]["code"]) == (409, "TIMERS_OFF")
