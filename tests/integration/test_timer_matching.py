"""Which session a CloudTrail record without the session's ARN armed: the one its request
describes (device and name), created within five minutes of the call, the nearest when several
are; a record nothing matches arms nothing and says so (UNMATCHED).

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from session_stopper.domain.timers import creation
from session_stopper.models.session import RemoteAccessSession
from tests.integration.timer_support import (
    Schedules,
    by_type,
    created_at,
    created_event,
    invoke,
    minutes,
)
from tests.support.aws import OutcomeSink
from tests.support.emulated import DeviceFarmWorld, SessionSpec


def _at(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The record, as if the call had been made at `moment`."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    event["time"] = event["detail"]["eventTime"] = stamp
    return event


def _unmatched(schedules: Schedules, outcome_sink: OutcomeSink, event: dict[str, Any]) -> None:
    assert invoke(event)["status"] == "UNMATCHED"
    assert schedules.names() == []
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "UNMATCHED"


def test_a_record_naming_another_device_matches_nothing(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    other = next(
        device["arn"]
        for device in world.emulator.list_devices()
        if device["arn"] != session["device"]["arn"]
    )
    event = created_event(session)
    event["detail"]["requestParameters"]["deviceArn"] = other
    _unmatched(schedules, outcome_sink, event)


@pytest.mark.parametrize("away", [minutes(10), -minutes(10)], ids=["later", "earlier"])
def test_a_record_ten_minutes_from_the_creation_matches_nothing(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink, away: timedelta
) -> None:
    event = _at(created_event(session), created_at(session) + away)
    _unmatched(schedules, outcome_sink, event)


def test_of_two_sessions_of_one_name_the_one_created_nearest_the_call_is_armed(
    world: DeviceFarmWorld, schedules: Schedules
) -> None:
    older, newer = world.populate(
        [SessionSpec("alpha", 12, "same"), SessionSpec("alpha", 10, "same")]
    )

    assert invoke(created_event(newer))["sessionArn"] == newer["arn"]
    assert [bool(each) for each in schedules.of(newer["arn"])] == [True, True]
    assert schedules.of(older["arn"]) == (None, None)

    assert invoke(created_event(older))["sessionArn"] == older["arn"]
    assert [bool(each) for each in schedules.of(older["arn"])] == [True, True]


def test_the_name_the_request_gave_outranks_a_nearer_session_of_another_name(
    world: DeviceFarmWorld, schedules: Schedules
) -> None:
    asked, nearer = world.populate(
        [SessionSpec("alpha", 11, "asked"), SessionSpec("alpha", 10, "other")]
    )
    event = _at(created_event(asked), created_at(nearer))

    assert invoke(event)["sessionArn"] == asked["arn"]
    assert schedules.of(nearer["arn"]) == (None, None)


@pytest.mark.parametrize(
    "response",
    [
        {"remoteAccessSession": {"arn": "arn:aws:devicefarm:us-west-2:123456789012:session:x"}},
        {"remoteAccessSession": {"arn": 7}},
        {"remoteAccessSession": "arn"},
    ],
    ids=["malformed-arn", "not-a-string", "not-an-object"],
)
def test_a_record_with_a_malformed_session_in_its_response_is_matched_by_its_request(
    schedules: Schedules, session: dict[str, Any], response: dict[str, Any]
) -> None:
    event = created_event(session)
    event["detail"]["responseElements"] = response
    assert invoke(event)["sessionArn"] == session["arn"]
    assert all(schedules.of(session["arn"]))


# -- the window's edge, on the matching itself -----------------------------------------------------

_CREATED = datetime.fromisoformat("2026-12-06T10:00:00+00:00")
_DEVICE = "arn:aws:devicefarm:us-west-2::device:D1"


def _created(moment: datetime) -> RemoteAccessSession:
    return RemoteAccessSession.model_validate(
        {
            "arn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000",
            "name": "edge",
            "created": moment,
            "device": {"arn": _DEVICE},
        }
    )


@pytest.mark.parametrize(
    ("gap", "matches"),
    [
        (creation.MATCH_WINDOW, True),
        (-creation.MATCH_WINDOW, True),
        (creation.MATCH_WINDOW + timedelta(seconds=1), False),
        (-creation.MATCH_WINDOW - timedelta(seconds=1), False),
    ],
)
def test_a_session_created_five_minutes_from_the_call_still_matches(
    gap: timedelta, matches: bool
) -> None:
    session = _created(_CREATED + gap)
    request = {"deviceArn": _DEVICE, "name": "edge"}
    assert (creation.best_match([session], request, _CREATED) is session) is matches
