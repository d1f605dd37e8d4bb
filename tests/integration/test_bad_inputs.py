"""Malformed requests and events: each gets a clear code, and no Device Farm call is made.

API callers get a 4xx and nothing is published; asynchronous events are published as REJECTED.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.handler import lambda_handler
from tests.support.aws import OutcomeSink
from tests.support.botocore_samples import project_arn, session_arn

ARN = session_arn()
CN_ARN = ARN.replace("arn:aws:", "arn:aws-cn:")
TOO_LONG = ARN + "x" * 1000

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
    (
        "api-shape-null-context",
        {"direct": {"httpMethod": "POST", "requestContext": None}},
        "UNRECOGNISED_EVENT",
    ),
    (
        "api-shape-no-request-id",
        {"direct": {"httpMethod": "POST", "requestContext": {}}},
        "UNRECOGNISED_EVENT",
    ),
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


def test_the_table_is_large_enough() -> None:
    assert len(API_CASES) + len(EVENT_CASES) >= 25
