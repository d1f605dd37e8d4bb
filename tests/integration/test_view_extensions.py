"""GET /sessions shows each session's pending warning and its extensions: how far the deadline in
force is past the budget's, and the latest deadline recorded; an unreadable extension ledger
leaves those unknown and says why, without failing the view.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler and DynamoDB on moto
(tests/integration/conftest.py and timer_support.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.domain.timers.schedules import schedule_names
from session_stopper.gateways.scheduler import scheduler_client
from session_stopper.gateways.sweep_lock import dynamodb_client
from tests.integration.timer_support import (
    GROUP,
    Schedules,
    extend,
    invoke,
    minutes,
    report_created,
)
from tests.support.emulated import DeviceFarmWorld, SessionSpec


def view(api_event: Callable[..., dict[str, Any]]) -> tuple[int, dict[str, Any]]:
    event = api_event(None, path="/sessions", resource="/sessions", httpMethod="GET")
    event["body"] = None
    answer = invoke(event)
    return answer["statusCode"], json.loads(answer["body"])


def by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in body["sessions"]}


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def two(schedules: Schedules, world: DeviceFarmWorld) -> dict[str, dict[str, Any]]:
    """Two armed sessions of project alpha (60-minute budget, 5-minute warning lead)."""
    sessions = world.populate(
        [SessionSpec("alpha", 10, "extended"), SessionSpec("alpha", 20, "as-budgeted")]
    )
    for session in sessions:
        report_created(session)
    return {session["name"]: session for session in sessions}


def test_an_extended_session_shows_its_minutes_its_deadline_and_the_warning_before_it(
    schedules: Schedules,
    two: dict[str, dict[str, Any]],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    arn = two["extended"]["arn"]
    budgeted = schedules.expiry(arn).at
    status, extended = extend(api_event, {"arn": arn, "minutes": 15})
    assert status == 200

    status, body = view(api_event)

    assert status == 200
    row = by_name(body)["extended"]
    new_deadline = instant(extended["deadline"])
    assert new_deadline - budgeted == minutes(15)
    assert row["extendedMinutes"] == 15
    assert instant(row["extendedTo"]) == new_deadline
    assert instant(row["deadline"]) == new_deadline
    assert instant(row["warningAt"]) == new_deadline - minutes(5)
    assert instant(row["warningAt"]) == schedules.warning(arn).at, "when the schedule fires"
    assert body["extensionsUnread"] is None


def test_a_session_never_extended_shows_0_and_its_pending_warning(
    schedules: Schedules,
    two: dict[str, dict[str, Any]],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    arn = two["as-budgeted"]["arn"]

    status, body = view(api_event)

    row = by_name(body)["as-budgeted"]
    assert status == 200
    assert (row["extendedMinutes"], row["extendedTo"]) == (0, None)
    assert instant(row["deadline"]) == schedules.expiry(arn).at
    assert instant(row["warningAt"]) == schedules.warning(arn).at


def test_a_timer_gone_leaves_the_recorded_extension_in_force_and_no_warning_pending(
    schedules: Schedules,
    two: dict[str, dict[str, Any]],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    """Scheduler lost the timer (deleted by an operator, say): the sweep does not stop the
    session before the deadline its owner was granted, and the view says the same."""
    arn = two["extended"]["arn"]
    _, extended = extend(api_event, {"arn": arn, "minutes": 15})
    for name in schedule_names(arn):
        scheduler_client(False).delete_schedule(GroupName=GROUP, Name=name)

    _, body = view(api_event)

    row = by_name(body)["extended"]
    assert (row["timerArmed"], row["warningAt"]) == (False, None)
    assert instant(row["deadline"]) == instant(extended["deadline"])
    assert row["extendedMinutes"] == 15


def test_an_unreadable_ledger_leaves_extensions_unknown_and_says_why(
    schedules: Schedules,
    two: dict[str, dict[str, Any]],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    arn = two["extended"]["arn"]
    _, extended = extend(api_event, {"arn": arn, "minutes": 15})

    with Stubber(dynamodb_client(True)) as ledger:
        ledger.add_client_error(
            "batch_get_item",
            service_error_code="AccessDeniedException",
            service_message="not authorized to perform: dynamodb:BatchGetItem",
        )
        status, body = view(api_event)
        ledger.assert_no_pending_responses()

    assert status == 200, "the listing is complete"
    rows = by_name(body)
    assert set(rows) == {"extended", "as-budgeted"}
    for row in rows.values():
        assert (row["extendedMinutes"], row["extendedTo"]) == (None, None)
    assert instant(rows["extended"]["deadline"]) == instant(extended["deadline"]), "its timer's"
    assert instant(rows["extended"]["warningAt"]) == schedules.warning(arn).at
    assert body["extensionsUnread"] == {
        "operation": "BatchGetItem",
        "code": "AccessDeniedException",
        "message": "An error occurred (AccessDeniedException) when calling the BatchGetItem "
        "operation: not authorized to perform: dynamodb:BatchGetItem",
        "sessions": 2,
    }
    assert body["listingFailures"] == []


def test_without_timers_no_session_has_a_warning_or_an_extension(
    world: DeviceFarmWorld, outcome_sink: Any, api_event: Callable[..., dict[str, Any]]
) -> None:
    world.populate([SessionSpec("alpha", 10, "plain")])

    status, body = view(api_event)

    row = by_name(body)["plain"]
    assert status == 200
    assert (row["warningAt"], row["extendedMinutes"], row["extendedTo"]) == (None, 0, None)
