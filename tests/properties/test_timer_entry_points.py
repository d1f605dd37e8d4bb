"""Properties of the expiry timers' entry points, over generated inputs.

Whatever arrives: nothing escapes the handler; a REJECTED input made no Device Farm call; a
timer event stops at most the session it names, and only at or after its deadline; a warning,
a CloudTrail record or an extension stops nothing (the sessions are young, far from their
deadline); and an extension answers in its own terms, never 5xx while Device Farm and Scheduler
are healthy.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import event as tally
from hypothesis import given, settings
from hypothesis import strategies as st

from session_stopper.domain.timers.schedules import schedule_names
from tests.integration.timer_support import Schedules, cloudtrail_event, enable_timers
from tests.properties.conftest import Harness, answered, api_request, describe, named_session
from tests.properties.strategies import arns, json_values, mostly, texts
from tests.support.hypothesis_profiles import examples

pytestmark = pytest.mark.property

EXTEND_ERROR_CODES = {
    "INVALID_JSON",
    "INVALID_BODY",
    "MISSING_BODY",
    "MISSING_FIELD",
    "UNKNOWN_FIELD",
    "INVALID_TYPE",
    "INVALID_VALUE",
    "INVALID_ARN",
    "INVALID_REQUEST",
    "OUT_OF_SCOPE",
    "NOT_FOUND",
    "EXTENSION_LIMIT",
    "SESSION_ENDED",
}
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%SZ"))


@pytest.fixture
def timed(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    enable_timers(monkeypatch, harness.sink.region)
    return harness


def _timer_inputs(sessions: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Mostly well-formed timer inputs, some with a field drawn from anything at all."""
    usual = st.fixed_dictionaries(
        {
            "action": st.sampled_from(["expire", "warn"]),
            "arn": mostly(st.sampled_from(sessions), arns(sessions), in_ten=3),
            "deadline": instants,
            "budgetMinutes": mostly(st.integers(1, 150), st.integers() | texts, in_ten=2),
        },
        optional={
            "scheduleArn": st.just("arn:aws:scheduler:eu-west-1:123456789012:schedule/g/x") | texts,
            "scheduledTime": instants | texts,
        },
    )
    odd = st.dictionaries(st.sampled_from(["action", "arn", "deadline", "extra"]), json_values)
    return mostly(usual, odd.map(lambda extra: {"action": "expire", **extra}), in_ten=2)


@settings(max_examples=examples(150))
@given(data=st.data())
def test_a_timer_event_stops_at_most_its_session_and_never_before_its_deadline(
    timed: Harness, data: st.DataObject
) -> None:
    sessions = timed.fresh()
    event = data.draw(_timer_inputs(sessions), label="event")

    run = timed.run(event)

    answered(run)
    assert run.changed <= {named_session(event)}
    if run.changed:
        assert event["action"] == "expire"
        deadline = datetime.strptime(event["deadline"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert deadline <= datetime.now(UTC) + timedelta(seconds=1)


def _cloudtrail(data: st.DataObject, harness: Harness) -> dict[str, Any]:
    session = data.draw(st.sampled_from(harness.sessions), label="session")
    listed = harness.world.emulator.get_session(session)
    project = session.replace(":session:", ":project:").rsplit("/", 2)[0]
    request = data.draw(
        st.fixed_dictionaries(
            {},
            optional={
                "projectArn": mostly(st.just(project), arns([project]) | json_values, in_ten=3),
                "deviceArn": st.just(listed["device"]["arn"]) | texts,
                "name": st.just(listed["name"]) | texts,
                "arn": mostly(st.just(session), arns([session]), in_ten=3),
            },
        ),
        label="request",
    )
    response = data.draw(
        st.none()
        | st.just({"remoteAccessSession": {"arn": session}})
        | st.dictionaries(texts, json_values, max_size=2),
        label="response",
    )
    name = data.draw(
        st.sampled_from(["CreateRemoteAccessSession", "StopRemoteAccessSession"]) | texts,
        label="eventName",
    )
    created = datetime.fromtimestamp(listed["created"], UTC)
    event = cloudtrail_event(name, request, response=response, at=created)
    if data.draw(st.integers(0, 9)) == 0:
        event["account"] = "210987654321"
    if data.draw(st.integers(0, 9)) == 0:
        event["detail"]["errorCode"] = "ArgumentException"
    if data.draw(st.integers(0, 9)) == 0:  # a field of the record replaced by anything
        key = data.draw(st.sampled_from(sorted(event["detail"])))
        event["detail"][key] = data.draw(json_values)
    return event


def _describe_record(result: dict[str, Any]) -> str:
    """A stop's outcome, or the first keys of the answer (an arming or disarming)."""
    return describe(result) if "outcome" in result else str(sorted(result)[:2])


@settings(max_examples=examples(150))
@given(data=st.data())
def test_a_cloudtrail_record_never_stops_a_young_session_and_never_raises(
    timed: Harness, data: st.DataObject
) -> None:
    timed.fresh()
    event = _cloudtrail(data, timed)

    run = timed.run(event)

    answered(run, label=_describe_record)
    assert run.changed == set()


@settings(max_examples=examples(120))
@given(data=st.data())
def test_extend_answers_in_its_own_terms_and_moves_only_the_named_timer(
    timed: Harness, data: st.DataObject
) -> None:
    sessions = timed.fresh()
    body = data.draw(
        mostly(
            st.fixed_dictionaries(
                {
                    "arn": mostly(st.sampled_from(sessions), arns(sessions), in_ten=3),
                    "minutes": mostly(st.integers(1, 150), st.integers() | json_values, in_ten=2),
                }
            ),
            json_values,
            in_ten=1,
        ),
        label="body",
    )
    event = api_request("/sessions/extend", "POST", "application/json", json.dumps(body), False)

    run = timed.run(event)

    status = int(run.result["statusCode"])
    answer = json.loads(run.result["body"])
    tally(f"{status} {answer.get('messageType') or answer['error']['code']}")
    assert status < 500, answer
    assert run.changed == set()
    if status >= 400:
        assert answer["error"]["code"] in EXTEND_ERROR_CODES, answer
    scheduler = Schedules(timed.sink.region)
    armed = set(scheduler.names())
    if status == 200:
        assert armed <= set(schedule_names(body["arn"]))
        assert answer["minutesAdded"] == body["minutes"]
    for name in armed:
        scheduler.client.delete_schedule(GroupName="session-stopper-timers", Name=name)
