"""POST /sessions/extend: an extension moves the expiry and the warning timers, within the
operator's maximum and Device Farm's 150-minute limit, and refuses what it cannot do.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.domain.timers.schedules import schedule_names
from session_stopper.gateways.scheduler import scheduler_client
from tests.integration.timer_support import (
    GROUP,
    OTHER_ACCOUNT,
    Schedules,
    by_type,
    extend,
    frozen_clock,
    invoke,
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


# -- clientToken: a retried request answers the first result ---------------------------------------


def _extend_as(
    api_event: Callable[..., dict[str, Any]],
    body: dict[str, Any],
    *,
    request_id: str,
    caller: str = "arn:aws:sts::123456789012:assumed-role/ci/ci-runner",
) -> tuple[int, dict[str, Any]]:
    """POST /sessions/extend as one request of one caller (API Gateway's request id and the
    caller's IAM identity, as AWS_IAM authorisation fills them in)."""
    event = api_event(body, path="/sessions/extend", resource="/sessions/extend")
    event["requestContext"]["requestId"] = request_id
    event["requestContext"]["identity"]["userArn"] = caller
    answer = invoke(event)
    return answer["statusCode"], json.loads(answer["body"])


def test_a_retried_extend_with_its_client_token_moves_the_deadline_once(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"])
    outcome_sink.published()
    body = {"arn": session["arn"], "minutes": 15, "clientToken": "retry-me_01"}

    first = _extend_as(api_event, body, request_id="first-try")
    again = _extend_as(api_event, body, request_id="the-retry")

    assert first[0] == 200
    assert again == first, "the same status and body, the first request's"
    assert schedules.expiry(session["arn"]).at - before.at == minutes(15)
    assert len(by_type(outcome_sink.published(), "extended")) == 1


def test_the_same_token_for_another_request_is_refused_and_changes_nothing(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    token = {"clientToken": "0f8fad5b-d9cb-469f-a165-70867728950e"}
    assert (
        _extend_as(api_event, {"arn": session["arn"], "minutes": 5, **token}, request_id="a")[0]
        == 200
    )
    moved = schedules.expiry(session["arn"]).at

    status, body = _extend_as(
        api_event, {"arn": session["arn"], "minutes": 10, **token}, request_id="b"
    )

    assert (status, body["error"]["code"]) == (422, "CLIENT_TOKEN_REUSED")
    assert schedules.expiry(session["arn"]).at == moved


def test_one_callers_token_never_answers_another_caller(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"]).at
    body = {"arn": session["arn"], "minutes": 5, "clientToken": "shared-token"}

    mine = _extend_as(api_event, body, request_id="mine")
    theirs = _extend_as(
        api_event,
        body,
        request_id="theirs",
        caller="arn:aws:sts::123456789012:assumed-role/qa/someone-else",
    )

    assert (mine[0], theirs[0]) == (200, 200)
    assert theirs[1]["correlationId"] == "theirs", "answered for itself, not with mine"
    assert schedules.expiry(session["arn"]).at - before == minutes(10)


def test_a_refusal_is_answered_again_to_the_retry(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    body = {"arn": session["arn"], "minutes": 150, "clientToken": "too-much"}
    first = _extend_as(api_event, body, request_id="first-try")
    assert (first[0], first[1]["error"]["code"]) == (422, "EXTENSION_LIMIT"), first
    assert _extend_as(api_event, body, request_id="the-retry") == first


@pytest.mark.parametrize(
    ("error", "http_status", "answer"),
    [
        ("InternalServerException", 500, (503, "SCHEDULER_UNAVAILABLE")),
        ("ThrottlingException", 400, (429, "THROTTLED")),
    ],
)
def test_an_extend_scheduler_refused_is_not_remembered(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    error: str,
    http_status: int,
    answer: tuple[int, str],
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"]).at
    body = {"arn": session["arn"], "minutes": 5, "clientToken": "try-again"}
    with Stubber(scheduler_client(True)) as scheduler:
        # The API's clients retry: every attempt botocore may make is refused.
        for _ in range(5):
            scheduler.add_client_error("get_schedule", error, "refused", http_status)
        status, refused = _extend_as(api_event, body, request_id="refused")
    assert (status, refused["error"]["code"]) == answer, refused

    assert _extend_as(api_event, body, request_id="the-retry")[0] == 200
    assert schedules.expiry(session["arn"]).at - before == minutes(5)


def test_an_extend_still_throttled_when_its_retries_are_spent_answers_429(
    schedules: Schedules,
    session: dict[str, Any],
    world: DeviceFarmWorld,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not a Device Farm failure (502): the caller may send it again later, and is told when."""
    report_created(session)
    before = schedules.expiry(session["arn"]).at
    use_longest_backoff(monkeypatch)
    world.emulator.faults.throttle_rate = 1.0

    answer = invoke(
        api_event(
            {"arn": session["arn"], "minutes": 5},
            path="/sessions/extend",
            resource="/sessions/extend",
        )
    )

    assert answer["statusCode"] == 429
    assert json.loads(answer["body"])["error"]["code"] == "THROTTLED"
    assert answer["multiValueHeaders"]["Retry-After"] == ["30"]
    assert schedules.expiry(session["arn"]).at == before


def _before_scheduler_call(operation: str, act: Callable[[], None]) -> None:
    """Run `act` once, just before the function's next `operation` call reaches Scheduler:
    what another invocation (a firing timer, a late record) did in between."""
    events = scheduler_client(True).meta.events

    def once(**_: Any) -> None:
        events.unregister(f"before-call.scheduler.{operation}", once)
        act()

    events.register(f"before-call.scheduler.{operation}", once)


def test_an_extension_never_recreates_a_timer_that_fired_while_it_was_read(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    expiry_name, _ = schedule_names(session["arn"])
    _before_scheduler_call(
        "UpdateSchedule",
        lambda: schedules.client.delete_schedule(GroupName=GROUP, Name=expiry_name),
    )

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert (status, body["error"]["code"]) == (409, "TIMER_CHANGED")
    assert schedules.of(session["arn"])[0] is None, "the fired timer stays gone"


def test_an_extension_never_overwrites_a_timer_armed_while_it_was_read(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    """No timer when the extension read; a late record arms one before the extension writes."""
    report_created(session)
    armed = schedules.expiry(session["arn"])
    schedules.client.delete_schedule(GroupName=GROUP, Name=armed.name)
    rearm = {key: armed.raw[key] for key in _SCHEDULE_DEFINITION}
    _before_scheduler_call("CreateSchedule", lambda: schedules.client.create_schedule(**rearm))

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert (status, body["error"]["code"]) == (409, "TIMER_CHANGED")
    assert schedules.expiry(session["arn"]).at == armed.at, "the record's timer, untouched"


_SCHEDULE_DEFINITION = (
    "GroupName",
    "Name",
    "ScheduleExpression",
    "ScheduleExpressionTimezone",
    "FlexibleTimeWindow",
    "Target",
    "ActionAfterCompletion",
)


@pytest.mark.parametrize(
    "token", ["", "x" * 65, "has space", "caf\u00e9", "new\nline", 12345, ["a"], True]
)
def test_a_client_token_that_is_not_1_to_64_of_the_allowed_characters_is_refused(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    token: Any,
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"]).at
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5, "clientToken": token})
    assert status == 400
    assert body["error"]["code"] in {"INVALID_VALUE", "INVALID_TYPE"}
    assert schedules.expiry(session["arn"]).at == before


def test_a_64_character_token_is_accepted(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    token = "A-z_0" + "9" * 59
    assert extend(api_event, {"arn": session["arn"], "minutes": 5, "clientToken": token})[0] == 200
