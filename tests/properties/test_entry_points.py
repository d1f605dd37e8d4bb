"""Properties of every entry point, over generated inputs (profile: tests/support/hypothesis_...).

Whatever arrives: nothing escapes the handler (SNS and Device Farm are healthy here, so not even
the documented "outcome not published" raise); the API never answers 5xx and every 4xx carries
an error code; input refused as invalid makes no Device Farm call, and on the API publishes
nothing; and no input stops a session it does not name. Sessions are younger than the
operator's floor for sweeps, so no sweep a caller may ask for can stop one either.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, ParamValidationError
from hypothesis import assume, example, given, settings
from hypothesis import event as tally
from hypothesis import strategies as st

from session_stopper.domain.rendering import chat_of, email_of, story_of
from session_stopper.models.arn import session_arn_problem
from session_stopper.models.outcome import OutcomeMessage
from tests.conftest import load_fixture
from tests.integration.alarm_events import (
    COMPOSITE_ALARMS,
    KILL_SWITCH_ALARM_NAME,
    METRIC_ALARMS,
    SESSION_ALARM_NAMES,
    alarm_data,
    dated,
    name_session,
)
from tests.properties.conftest import Harness, answered, api_request, named_session
from tests.properties.strategies import (
    CONTENT_TYPES,
    ODD_JSON_TEXTS,
    arns,
    caller_texts,
    continuation_events,
    json_values,
    mostly,
    raw_bodies,
    stop_bodies,
    surrogates,
    sweep_commands,
    texts,
)
from tests.support.aws import create_alarm
from tests.support.caches import reset_function_caches
from tests.support.caller_text import assert_only_an_excerpt
from tests.support.hypothesis_profiles import examples

pytestmark = pytest.mark.property

# Every code the README documents for a request refused before any Device Farm call.
API_ERROR_CODES = {
    "INVALID_JSON",
    "MISSING_BODY",
    "INVALID_BODY",
    "MISSING_FIELD",
    "UNKNOWN_FIELD",
    "INVALID_TYPE",
    "INVALID_VALUE",
    "INVALID_ARN",
    "INVALID_REQUEST",
    "OUT_OF_SCOPE",
    "UNSUPPORTED_MEDIA_TYPE",
    "NO_ROUTE",
}
COMMAND_DETAIL_TYPES = [
    "Stop Remote Access Session",
    "Sweep Remote Access Sessions",
    "Scheduled Event",
    "CloudWatch Alarm State Change",
    "Something Else",
]


@settings(max_examples=examples(650))
@given(data=st.data())
def test_the_api_answers_every_request_in_its_own_terms(
    harness: Harness, data: st.DataObject
) -> None:
    sessions = harness.fresh()
    routes = st.sampled_from(["/sessions/stop", "/sessions/stop", "/sweeps", "/sessions"])
    path = data.draw(mostly(routes, texts, in_ten=1), label="path")
    payload = data.draw(
        sweep_commands(harness.projects) if path == "/sweeps" else stop_bodies(sessions),
        label="payload",
    )
    body, is_base64 = data.draw(raw_bodies(st.just(payload)), label="body")
    method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]), label="method")
    event = api_request(path, method, data.draw(CONTENT_TYPES), body, is_base64)
    # API Gateway's ids are UUIDs; an API-shaped direct invoke may send any text.
    request_id = event["requestContext"]["requestId"]
    event["requestContext"]["requestId"] = data.draw(
        mostly(st.just(request_id), texts | surrogates, in_ten=1), label="request id"
    )

    run = harness.run(event)

    status = int(run.result["statusCode"])
    answer = json.loads(run.result["body"])
    tally(f"{status} {answer.get('outcome') or answer.get('error', {}).get('code', 'summary')}")
    assert status < 500, answer
    if status >= 400:
        assert isinstance(answer["error"]["code"], str), answer
    if "sessions" in answer and "sweepId" not in answer:  # GET /sessions: looks, never acts
        assert (method, status) == ("GET", 200)
        assert (run.changed, run.published, run.stops) == (set(), [], 0)
    elif "outcome" not in answer and "sweepId" not in answer:  # refused before any call
        assert 400 <= status < 500
        assert answer["error"]["code"] in API_ERROR_CODES, answer
        assert (run.calls, run.published) == (0, [])
    # The payload is the body, plain or base64 (API Gateway's encoding of binary media types),
    # unless the body strategy drew something else, which names no session.
    named = named_session(payload) if path == "/sessions/stop" else None
    assert run.changed <= {named}


# The keys of an API Gateway proxy event; `httpMethod` or `requestContext` makes one API-shaped.
API_KEYS = ["httpMethod", "requestContext", "path", "resource", "headers", "body"]


@settings(max_examples=examples(200))
@given(data=st.data())
def test_every_api_shaped_event_gets_an_api_answer(harness: Harness, data: st.DataObject) -> None:
    """An event with API Gateway's `httpMethod` or `requestContext`, however malformed the rest
    (an empty or missing method, no request id, any JSON in any key), gets a proxy answer with
    a status code, never a direct invoke's outcome; refused, it is published nowhere."""
    sessions = harness.fresh()
    event = api_request("/sessions/stop", "POST", "application/json", None, False)
    payload = data.draw(stop_bodies(sessions), label="payload")
    event["body"] = json.dumps(payload)
    for key in API_KEYS:
        change = data.draw(st.sampled_from(["keep", "keep", "drop", "junk"]), label=key)
        if change == "drop":
            del event[key]
        elif change == "junk":
            event[key] = data.draw(json_values | st.sampled_from(["", "post", None]), label=key)
    context = event.get("requestContext")
    if isinstance(context, dict) and data.draw(st.booleans(), label="drop the request id"):
        context.pop("requestId", None)
    assume("httpMethod" in event or "requestContext" in event)

    run = harness.run(event)

    answer = json.loads(run.result["body"])
    status = int(run.result["statusCode"])
    tally(f"{status} {answer.get('outcome') or answer.get('error', {}).get('code')}")
    assert status < 500, answer
    if "outcome" not in answer:  # refused before any call
        assert 400 <= status < 500
        assert answer["error"]["code"] in API_ERROR_CODES, answer
        assert (run.calls, run.published) == (0, [])
    named = named_session(payload) if event.get("body") == json.dumps(payload) else None
    assert run.changed <= {named}


def _eventbridge_event(data: st.DataObject, harness: Harness) -> tuple[dict[str, Any], Any]:
    event = load_fixture("eventbridge_stop_command.json")
    detail = data.draw(
        stop_bodies(harness.sessions)
        | sweep_commands(harness.projects)
        | json_values.map(json.dumps)
        | st.sampled_from(ODD_JSON_TEXTS),
        label="detail",
    )
    event.update(
        {
            "detail-type": data.draw(st.sampled_from(COMMAND_DETAIL_TYPES) | texts),
            "detail": detail,
            "account": data.draw(st.sampled_from(["123456789012"] * 3 + ["210987654321"]) | texts),
            "id": data.draw(
                st.one_of(st.just(event["id"]), st.just(event["id"]), texts, surrogates)
            ),
            "resources": data.draw(st.lists(texts | surrogates, max_size=2) | json_values),
        }
    )
    if data.draw(st.integers(0, 9)) == 0:  # sometimes an envelope key goes missing
        del event[data.draw(st.sampled_from(sorted(event)))]
    return event, detail


@settings(max_examples=examples(450))
@given(data=st.data())
def test_every_eventbridge_event_is_acted_on_or_rejected_never_raised(
    harness: Harness, data: st.DataObject
) -> None:
    harness.fresh()
    event, detail = _eventbridge_event(data, harness)

    run = harness.run(event)

    answered(run)
    assert run.changed <= {named_session(detail)}


@settings(max_examples=examples(450))
@given(data=st.data())
def test_every_direct_invoke_is_acted_on_or_rejected_never_raised(
    harness: Harness, data: st.DataObject
) -> None:
    sessions = harness.fresh()
    commands = sweep_commands(harness.projects).map(lambda command: {"action": "sweep", **command})
    event = data.draw(stop_bodies(sessions) | commands | json_values, label="event")

    run = harness.run(event)

    answered(run)
    assert run.changed <= {named_session(event)}


@settings(max_examples=examples(200))
@given(data=st.data())
def test_no_continuation_event_acts_without_its_chains_ticket(
    harness: Harness, data: st.DataObject
) -> None:
    """A continuation the function did not send itself (no chain handed it the sweep lock),
    however well formed, and whatever it asks (a kill switch, out of dry run), is REJECTED
    before any Device Farm call."""
    sessions = harness.fresh()
    event = data.draw(continuation_events(harness.projects, sessions), label="event")

    run = harness.run(event)

    answered(run)
    assert run.result.get("outcome") == "REJECTED", run.result
    assert (run.calls, run.changed) == (0, set())


@pytest.fixture
def configured_alarms(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("SESSION_ALARM_NAMES", SESSION_ALARM_NAMES)
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    reset_function_caches()
    for name in [*SESSION_ALARM_NAMES.split(","), KILL_SWITCH_ALARM_NAME]:
        create_alarm(harness.sink.region, name)
    return harness


def _alarm_event(data: st.DataObject, sessions: list[str]) -> dict[str, Any]:
    """A fixture alarm event, mostly one that may act, changed in the ways that must stop it:
    late, early, dated without a zone, another state, name, account or session."""
    event = load_fixture(data.draw(st.sampled_from(METRIC_ALARMS + COMPOSITE_ALARMS)))
    fresh, off = st.sampled_from([0.2, 3, 9]), st.sampled_from([-30, 11, 120])
    minutes_ago = data.draw(mostly(fresh, off, in_ten=3), label="minutes ago")
    dated(event, datetime.now(UTC) - timedelta(minutes=minutes_ago))
    if data.draw(st.integers(0, 9)) == 0:  # a time without its zone
        event["time"] = event["time"][:19]
    named = data.draw(mostly(st.sampled_from(sessions), arns(sessions), in_ten=5), label="arn")
    name_session(event, named)
    state = alarm_data(event)["state"]
    state["value"] = data.draw(
        mostly(st.just("ALARM"), st.sampled_from(["OK", "INSUFFICIENT_DATA"]), in_ten=3)
    )
    if data.draw(st.integers(0, 9)) == 0:
        names = [*SESSION_ALARM_NAMES.split(","), KILL_SWITCH_ALARM_NAME]
        alarm_data(event)["alarmName"] = data.draw(st.sampled_from(names) | texts)
    if data.draw(st.integers(0, 9)) == 0:
        event["account" if "account" in event else "accountId"] = "210987654321"
    if data.draw(st.integers(0, 9)) >= 3:  # the alarm in CloudWatch names that session too
        with contextlib.suppress(ClientError, UnicodeEncodeError, ParamValidationError):
            create_alarm("eu-west-1", alarm_data(event)["alarmName"], sessions=[named])
    return event


@settings(max_examples=examples(300))
@given(data=st.data())
def test_an_alarm_stops_only_what_its_configuration_allows(
    configured_alarms: Harness, data: st.DataObject
) -> None:
    harness = configured_alarms
    sessions = harness.fresh()
    event = _alarm_event(data, sessions)
    alarm = alarm_data(event)

    run = harness.run(event)

    answered(run)
    if alarm["state"]["value"] != "ALARM":
        assert run.calls == 0, run.result
    kill_switch = run.result.get("action") == "killSwitch"
    if kill_switch:
        assert alarm["alarmName"] == KILL_SWITCH_ALARM_NAME
        assert datetime.fromisoformat(event["time"].replace("+0000", "+00:00")) > datetime.now(
            UTC
        ) - timedelta(minutes=10)
    else:
        dimensions = {
            query["metricStat"]["metric"]["dimensions"].get("SessionArn")
            for query in alarm["configuration"].get("metrics", [])
            if "metricStat" in query
        }
        assert run.changed <= dimensions
        assert harness.world.emulator.call_counts["ListProjects"] == 0


def _carrying(event: dict[str, Any], sent: str, where: str) -> dict[str, Any]:
    """The fixture stop command with `sent` where a caller puts text."""
    if where == "arn":
        return {**event, "detail": {"arn": sent}}
    if where == "key":
        return {**event, "detail": {**event["detail"], sent: "x"}}
    if where == "direct":
        return {"arn": sent}
    return {**event, "account": sent}


@settings(max_examples=examples(80))
@given(sent=caller_texts(), where=st.sampled_from(["arn", "arn", "key", "account", "direct"]))
# Found once: the words after a full excerpt began with the character the caller sent next.
@example(sent="0" * 64 + " ", where="arn")
def test_a_refused_command_repeats_its_text_to_nobody_but_as_a_bounded_excerpt(
    harness: Harness, sent: str, where: str
) -> None:
    """Whatever text a bus command carries where a session ARN, a key or its account goes (or
    a direct invoke where its ARN goes), its REJECTED outcome (the body every subscriber gets,
    and its email and chat renderings) holds at most EXCERPT_MAX characters of it in any one
    place, and no control or bidi character."""
    assume(session_arn_problem(sent) is not None and sent not in {"arn", "123456789012"})
    harness.fresh()
    event = _carrying(load_fixture("eventbridge_stop_command.json"), sent, where)

    run = harness.run(event)

    answered(run)
    [published] = run.published
    assert published.body["outcome"] == "REJECTED"
    assert_only_an_excerpt(sent, published.body)
    story = story_of(OutcomeMessage.model_validate(published.body), price_per_minute=0.17)
    assert_only_an_excerpt(sent, chat_of(story).model_dump(mode="json"), lines=True)
    email = email_of(story)
    assert_only_an_excerpt(sent, [email.subject, email.body], lines=True)
