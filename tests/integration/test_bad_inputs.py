"""Malformed requests and events: each gets a clear code, and no Device Farm call is made.

API callers get a 4xx and nothing is published; asynchronous events are published as REJECTED.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.handler import lambda_handler
from session_stopper.models.excerpt import excerpt_of
from tests.support.aws import OutcomeSink
from tests.support.botocore_samples import project_arn, session_arn
from tests.support.caller_text import assert_only_an_excerpt

ARN = session_arn()
CN_ARN = ARN.replace("arn:aws:", "arn:aws-cn:")
TOO_LONG = ARN + "x" * 1000
PROJECT_ID, SESSION_ID, JOB_ID = ARN.split(":session:")[1].split("/")
# Python's \d, `$` and str.isdigit accept more than ASCII: each of these once reached Device Farm.
LOOKALIKE_ARNS = {
    "trailing-newline": ARN + "\n",
    "newline-inside": ARN.replace("/00000", "\n/00000"),
    "nul": ARN.replace("/00000", "\x00/00000"),
    "c1-control": ARN.replace("/00000", "\u008c/00000"),
    "fullwidth-account": ARN.replace("123456789012", "\uff11\uff12\uff13456789012"),
    "devanagari-region-digit": ARN.replace("us-west-2", "us-west-\u0968"),
    "dot-dot-segment": ARN.replace(f"/{SESSION_ID}/", "/../"),
    "four-segments": ARN + "/00001",
}
FOREIGN_REGION = ARN.replace("us-west-2", "eu-west-1")
FOREIGN_ACCOUNT = ARN.replace("123456789012", "210987654321")
DEEP = "[" * 100_000 + "]" * 100_000

# (case id, raw body or None, header/field overrides, expected status, expected code)
API_CASES: list[tuple[str, str | None, dict[str, Any], int, str]] = [
    ("not-json", "{arn:", {}, 400, "INVALID_JSON"),
    ("truncated-json", '{"arn": "', {}, 400, "INVALID_JSON"),
    ("empty-body", "", {}, 400, "MISSING_BODY"),
    ("no-body", None, {}, 400, "MISSING_BODY"),
    ("array-body", "[]", {}, 400, "INVALID_BODY"),
    ("string-body", '"arn"', {}, 400, "INVALID_BODY"),
    ("number-body", "42", {}, 400, "INVALID_BODY"),
    ("empty-object", "{}", {}, 400, "MISSING_FIELD"),
    ("wrong-key-case", json.dumps({"ARN": ARN}), {}, 400, "MISSING_FIELD"),
    ("null-arn", '{"arn": null}', {}, 400, "INVALID_TYPE"),
    ("number-arn", '{"arn": 123}', {}, 400, "INVALID_TYPE"),
    ("list-arn", json.dumps({"arn": [ARN]}), {}, 400, "INVALID_TYPE"),
    ("extra-field", json.dumps({"arn": ARN, "force": True}), {}, 400, "UNKNOWN_FIELD"),
    ("empty-arn", '{"arn": ""}', {}, 400, "INVALID_ARN"),
    ("short-arn", '{"arn": "arn:aws:devicefarm:x"}', {}, 400, "INVALID_ARN"),
    ("too-long-arn", json.dumps({"arn": TOO_LONG}), {}, 400, "INVALID_ARN"),
    ("project-arn", json.dumps({"arn": project_arn()}), {}, 400, "INVALID_ARN"),
    ("china-partition", json.dumps({"arn": CN_ARN}), {}, 400, "INVALID_ARN"),
    (
        "s3-arn",
        json.dumps({"arn": "arn:aws:s3:::a-bucket-with-a-long-name/key"}),
        {},
        400,
        "INVALID_ARN",
    ),
    ("blank-in-arn", json.dumps({"arn": ARN.replace("/00000", "/ 00000")}), {}, 400, "INVALID_ARN"),
    (
        "text-plain",
        json.dumps({"arn": ARN}),
        {"content-type": "text/plain"},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    (
        "form-encoded",
        json.dumps({"arn": ARN}),
        {"content-type": "application/x-www-form-urlencoded"},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    (
        "multipart",
        "--x\r\n",
        {"content-type": "multipart/form-data; boundary=x"},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    *[
        (f"lookalike-{name}", json.dumps({"arn": arn}), {}, 400, "INVALID_ARN")
        for name, arn in LOOKALIKE_ARNS.items()
    ],
    ("other-region", json.dumps({"arn": FOREIGN_REGION}), {}, 400, "INVALID_ARN"),
    ("other-account", json.dumps({"arn": FOREIGN_ACCOUNT}), {}, 403, "OUT_OF_SCOPE"),
    ("array-holding-the-command", json.dumps([{"arn": ARN}]), {}, 400, "INVALID_BODY"),
    ("deeply-nested", DEEP, {}, 400, "INVALID_JSON"),
    ("deeply-nested-in-object", '{"arn": ' + DEEP + "}", {}, 400, "INVALID_JSON"),
    ("nan-literal", '{"arn": NaN}', {}, 400, "INVALID_JSON"),
    ("number-beyond-float", '{"arn": 1e400}', {}, 400, "INVALID_JSON"),
    ("integer-beyond-python", '{"arn": ' + "9" * 5000 + "}", {}, 400, "INVALID_JSON"),
    ("duplicate-key", json.dumps({"arn": ARN})[:-1] + ', "arn": "x"}', {}, 400, "INVALID_JSON"),
    ("bad-base64", "not base64!", {"isBase64Encoded": True}, 400, "INVALID_JSON"),
    (
        "base64-not-utf8",
        base64.b64encode(b'{"arn": "\xff"}').decode(),
        {"isBase64Encoded": True},
        400,
        "INVALID_JSON",
    ),
    (
        "multipart-without-boundary",
        "",
        {"content-type": "multipart/form-data"},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    ("text-plain-no-body", None, {"content-type": "text/plain"}, 415, "UNSUPPORTED_MEDIA_TYPE"),
    ("unknown-path", json.dumps({"arn": ARN}), {"path": "/sessions/stopp"}, 404, "NO_ROUTE"),
    ("wrong-method", json.dumps({"arn": ARN}), {"httpMethod": "GET"}, 404, "NO_ROUTE"),
]


@pytest.mark.parametrize(
    ("body", "overrides", "status", "code"),
    [case[1:] for case in API_CASES],
    ids=[case[0] for case in API_CASES],
)
def test_api_rejections(
    body: str | None,
    overrides: dict[str, Any],
    status: int,
    code: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    event = api_event()
    event["body"] = body
    if "content-type" in overrides:
        event["headers"]["Content-Type"] = overrides.pop("content-type")
        event["multiValueHeaders"]["Content-Type"] = [event["headers"]["Content-Type"]]
    event.update(overrides)

    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == status
    answer = json.loads(response["body"])
    assert answer["error"]["code"] == code
    assert answer["error"]["message"]
    assert answer["requestId"] == event["requestContext"]["requestId"]
    assert outcome_sink.published() == [], "API rejections are not published"


EVENT_CASES: list[tuple[str, Any, str]] = [
    ("eb-empty-detail", {"detail": {}}, "MISSING_FIELD"),
    ("eb-number-arn", {"detail": {"arn": 5}}, "INVALID_TYPE"),
    ("eb-extra-field", {"detail": {"arn": ARN, "why": "x"}}, "UNKNOWN_FIELD"),
    ("eb-string-detail", {"detail": "stop"}, "INVALID_BODY"),
    ("eb-project-arn", {"detail": {"arn": project_arn()}}, "INVALID_ARN"),
    ("eb-no-id", {"id": None}, "INVALID_TYPE"),
    (
        "direct-bad-arn",
        {"direct": {"arn": "arn:aws:devicefarm:us-west-2:1:session:x"}},
        "INVALID_ARN",
    ),
    ("direct-extra-field", {"direct": {"arn": ARN, "dryRun": True}}, "UNKNOWN_FIELD"),
    ("unrecognised", {"direct": {"stop": ARN}}, "UNRECOGNISED_EVENT"),
    ("eb-lone-surrogate", {"detail": {"arn": ARN + "\ud800"}}, "INVALID_ARN"),
    ("direct-lone-surrogate", {"direct": {"arn": "\ud800" + ARN}}, "INVALID_ARN"),
    ("eb-other-region", {"detail": {"arn": FOREIGN_REGION}}, "INVALID_ARN"),
    ("direct-other-account", {"direct": {"arn": FOREIGN_ACCOUNT}}, "OUT_OF_SCOPE"),
    *[
        (f"eb-lookalike-{name}", {"detail": {"arn": arn}}, "INVALID_ARN")
        for name, arn in LOOKALIKE_ARNS.items()
    ],
]


@pytest.mark.parametrize(
    ("change", "code"), [case[1:] for case in EVENT_CASES], ids=[case[0] for case in EVENT_CASES]
)
def test_event_rejections_are_published(
    change: dict[str, Any],
    code: str,
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    event = change["direct"] if "direct" in change else {**stop_command_event(), **change}

    result = lambda_handler(event, lambda_context)

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == code
    [published] = outcome_sink.published()
    assert published.body == result
    assert published.attributes["outcome"] == "REJECTED"


# Sweep commands are checked strictly: no coercion, no unknown keys (not even snake_case ones).
SWEEP_CASES: list[tuple[str, dict[str, Any], str]] = [
    ("age-as-string", {"maxAgeMinutes": "6"}, "INVALID_TYPE"),
    ("age-as-bool", {"maxAgeMinutes": True}, "INVALID_TYPE"),
    ("dry-run-as-zero", {"dryRun": 0}, "INVALID_TYPE"),
    ("dry-run-as-yes", {"dryRun": "yes"}, "INVALID_TYPE"),
    ("snake-case-key", {"max_age_minutes": 90}, "UNKNOWN_FIELD"),
    ("unknown-key", {"force": True}, "UNKNOWN_FIELD"),
    ("projects-as-string", {"projectArns": project_arn()}, "INVALID_TYPE"),
    ("project-newline", {"projectArns": [project_arn() + "\n"]}, "INVALID_ARN"),
    (
        "project-other-region",
        {"projectArns": [project_arn().replace("us-west-2", "eu-west-1")]},
        "INVALID_ARN",
    ),
    (
        "project-fullwidth-digit",
        {"projectArns": [project_arn().replace("1234", "\uff11234")]},
        "INVALID_ARN",
    ),
    ("wrong-action", {"action": "stop"}, "INVALID_VALUE"),
]


@pytest.mark.parametrize("via", ["api", "constant-input"])
@pytest.mark.parametrize(
    ("body", "code"), [case[1:] for case in SWEEP_CASES], ids=[case[0] for case in SWEEP_CASES]
)
def test_sweep_rejections(
    via: str,
    body: dict[str, Any],
    code: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """API callers get a 400 and nothing is published; an event is published as REJECTED."""
    if via == "api":
        response = lambda_handler(
            api_event(body, path="/sweeps", resource="/sweeps"), lambda_context
        )
        assert response["statusCode"] == 400
        assert json.loads(response["body"])["error"]["code"] == code
        assert outcome_sink.published() == []
        return
    result = lambda_handler({"action": "sweep", **body}, lambda_context)
    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", code)
    assert [published.body for published in outcome_sink.published()] == [result]


def test_a_request_id_no_encoder_can_write_still_gets_an_answer(
    devicefarm_stub: Stubber, api_event: Any, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    """Only API Gateway sets the request id, but a direct invoke shaped like it can send any
    JSON string, a lone surrogate included: the refusal must still serialise."""
    event = api_event(raw_body="{")
    event["requestContext"]["requestId"] = "\ud800"

    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == 400
    answer = json.loads(response["body"])
    assert (answer["error"]["code"], answer["requestId"]) == ("INVALID_JSON", "\\ud800")


@pytest.mark.parametrize(
    "detail",
    ["[" * 100_000, '{"maxAgeMinutes": ' + "9" * 5000 + "}", "not json"],
    ids=["deep", "huge-integer", "text"],
)
def test_a_scheduler_detail_that_is_no_json_object_is_rejected(
    detail: str,
    devicefarm_stub: Stubber,
    load_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """EventBridge Scheduler sends `detail` as text; whatever text it is, the answer is a
    REJECTED outcome, never an exception."""
    event = {**load_event("scheduler_event.json"), "detail": detail}

    result = lambda_handler(event, lambda_context)

    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", "INVALID_JSON")


@pytest.mark.parametrize(
    "event_id", ["\ud800", "x" * 3000], ids=["lone-surrogate", "longer-than-a-message-keeps"]
)
def test_an_outcome_is_published_whatever_id_its_event_had(
    event_id: str,
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """The id becomes the correlation id; the message keeps it escaped and bounded, and the
    service must still recognise the outcome as its own and publish it."""
    devicefarm_stub.add_client_error("get_remote_access_session", "NotFoundException")

    result = lambda_handler(stop_command_event(id=event_id), lambda_context)

    assert result["outcome"] == "NOT_FOUND"
    assert [p.body["outcome"] for p in outcome_sink.published()] == ["NOT_FOUND"]


def test_a_long_claimed_arn_reaches_subscribers_only_as_a_bounded_excerpt(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """A bus command's `detail.arn` is the sender's text: 2 KB of it, with a line break and a
    bidi override, reaches the topic's subscribers as at most an escaped excerpt, marked."""
    pitch = "Your session is suspended: call +1-555-0100 to restore it \u202e\n"
    sent = ("arn:aws:devicefarm:us-west-2:123456789012:session:" + pitch * 40)[:2048]

    result = lambda_handler(stop_command_event(detail={"arn": sent}), lambda_context)

    [delivered] = outcome_sink.drain(outcome_sink.tap_queue_url)
    envelope = json.loads(delivered["Body"])
    body = json.loads(envelope["Message"])
    assert body == result
    assert (body["outcome"], body["error"]["code"]) == ("REJECTED", "INVALID_ARN")
    assert body["sessionArn"] is None
    assert body["input"] == {"excerpt": excerpt_of(sent).excerpt, "truncated": True, "length": 2048}
    assert body["input"]["excerpt"].startswith("arn:aws:devicefarm:us-west-2:123456789012:ses")
    assert_only_an_excerpt(sent, envelope)


DROP = object()
# (case id, change to a real API Gateway request, the request id the answer names or None: the
# Lambda request id). Each once got a direct invoke's REJECTED outcome, published to the topic.
API_SHAPED_CASES: list[tuple[str, dict[str, Any], str | None]] = [
    ("empty-method", {"httpMethod": ""}, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
    ("no-method", {"httpMethod": DROP}, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
    ("method-not-text", {"httpMethod": 7}, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"),
    ("null-context", {"requestContext": None}, None),
    ("context-without-request-id", {"requestContext": {}}, None),
    ("only-method-and-context", {"direct": {"httpMethod": "POST", "requestContext": {}}}, None),
    ("only-a-context", {"direct": {"requestContext": {"requestId": "r-1"}}}, "r-1"),
]


def _api_shaped(api_event: Any, change: dict[str, Any]) -> dict[str, Any]:
    event: dict[str, Any] = api_event({"arn": ARN})
    for key, value in change.items():
        if value is DROP:
            del event[key]
        else:
            event[key] = value
    return event


@pytest.mark.parametrize(
    ("change", "request_id"),
    [case[1:] for case in API_SHAPED_CASES],
    ids=[case[0] for case in API_SHAPED_CASES],
)
def test_an_api_shaped_event_gets_an_api_answer_however_malformed(
    change: dict[str, Any],
    request_id: str | None,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    event = change["direct"] if "direct" in change else _api_shaped(api_event, change)

    response = lambda_handler(event, lambda_context)

    assert response["statusCode"] == 400, response
    answer = json.loads(response["body"])
    assert answer["error"]["code"] == "INVALID_REQUEST"
    assert answer["requestId"] == (request_id or lambda_context.aws_request_id)
    assert outcome_sink.published() == [], "API answers are not published"


def test_an_event_id_no_bus_would_give_is_repeated_to_nobody(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """A direct invoke shaped like a bus command sets its own `id`: refused, the outcome names
    the invocation's request id instead, in the trigger and as the correlation id."""
    sent = "Your session was hijacked \u202e call +1-555-0100\n" * 40

    result = lambda_handler(stop_command_event(detail={"arn": 5}, id=sent), lambda_context)

    [published] = outcome_sink.published()
    assert published.body == result
    assert result["trigger"] == {"kind": "eventbridge", "id": lambda_context.aws_request_id}
    assert result["correlationId"] == lambda_context.aws_request_id
    assert_only_an_excerpt(sent, published.body)
