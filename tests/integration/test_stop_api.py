"""POST /sessions/stop through the real handler: Device Farm stubbed, SNS/SQS/DynamoDB on moto."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from session_stopper.config import PacingSettings
from session_stopper.domain.service import _persistence
from session_stopper.gateways import devicefarm
from session_stopper.gateways.outcomes import sns_client, sqs_client
from session_stopper.gateways.pacing import Pacer
from session_stopper.handler import lambda_handler
from tests.support import botocore_samples as samples
from tests.support.aws import OutcomeSink
from tests.support.lambda_context import FakeLambdaContext
from tests.support.throttling import throttle_first, use_fake_clock

ARN = samples.session_arn(1)
REQUEST_ID = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def expect_get(stub: Stubber, status: str, arn: str = ARN) -> None:
    stub.add_response(
        "get_remote_access_session",
        {"remoteAccessSession": samples.session(status)},
        {"arn": arn},
    )


def expect_stop(stub: Stubber, arn: str = ARN) -> None:
    stub.add_response(
        "stop_remote_access_session",
        {"remoteAccessSession": samples.session("STOPPING", deviceMinutes={"total": 42.0})},
        {"arn": arn},
    )


def call(api_event: Callable[..., dict[str, Any]], context: FakeLambdaContext) -> dict[str, Any]:
    response = lambda_handler(api_event({"arn": ARN}), context)
    response["json"] = json.loads(response["body"])
    return response


def test_an_active_session_is_stopped_and_published(
    devicefarm_stub: Stubber, api_event: Any, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    response = call(api_event, lambda_context)

    assert response["statusCode"] == 200
    body = response["json"]
    assert body["outcome"] == "STOPPED"
    assert body["session"]["status"] == "STOPPING"
    assert body["session"]["deviceMinutes"]["total"] == 42.0
    assert body["trigger"] == {"kind": "api", "id": REQUEST_ID}
    assert body["correlationId"] == REQUEST_ID
    [published] = outcome_sink.published()
    assert published.body == body
    assert published.attributes == {
        "messageType": "outcome",
        "outcome": "STOPPED",
        "trigger": "api",
        "platform": "ANDROID",
    }


@pytest.mark.parametrize("status", ["COMPLETED", "STOPPING"])
def test_an_ended_session_is_not_stopped_again(
    status: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, status)  # and no Stop: the stubber fails on an unexpected call

    response = call(api_event, lambda_context)

    assert response["statusCode"] == 200
    assert response["json"]["outcome"] == "ALREADY_ENDED"
    assert response["json"]["session"]["status"] == status
    assert [p.attributes["outcome"] for p in outcome_sink.published()] == ["ALREADY_ENDED"]


@pytest.mark.parametrize(
    ("code", "http_status", "outcome"),
    [
        ("NotFoundException", 404, "NOT_FOUND"),
        ("LimitExceededException", 429, "FAILED"),
        ("ServiceAccountException", 403, "FAILED"),
        ("InternalFailure", 502, "FAILED"),
        ("ArgumentException", 400, "REJECTED"),
        # Not in the service model, but the real service answers malformed ARNs with it.
        ("ValidationException", 400, "REJECTED"),
    ],
)
def test_device_farm_errors_on_read(
    code: str,
    http_status: int,
    outcome: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    devicefarm_stub.add_client_error(
        "get_remote_access_session", service_error_code=code, service_message="nope"
    )

    response = call(api_event, lambda_context)

    assert response["statusCode"] == http_status
    assert response["json"]["outcome"] == outcome
    assert response["json"]["error"] == {"code": code, "message": "nope"}
    retry_after = response["multiValueHeaders"].get("Retry-After")
    assert (retry_after == ["30"]) == (http_status == 429)
    assert [p.body["outcome"] for p in outcome_sink.published()] == [outcome]


@pytest.mark.parametrize("code", ["NotFoundException", "ArgumentException"])
def test_a_stop_racing_the_sessions_end_reports_already_ended(
    code: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    devicefarm_stub.add_client_error("stop_remote_access_session", service_error_code=code)

    response = call(api_event, lambda_context)

    assert response["statusCode"] == 200
    assert response["json"]["outcome"] == "ALREADY_ENDED"
    assert response["json"]["error"]["code"] == code


def test_a_failed_stop_is_reported_with_the_session_read(
    devicefarm_stub: Stubber, api_event: Any, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    devicefarm_stub.add_client_error(
        "stop_remote_access_session", service_error_code="LimitExceededException"
    )

    response = call(api_event, lambda_context)

    assert response["statusCode"] == 429
    assert response["json"]["session"]["status"] == "RUNNING"


def test_repeats_within_the_window_get_the_first_outcome(
    devicefarm_stub: Stubber, api_event: Any, outcome_sink: OutcomeSink
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)  # exactly one Get and one Stop are stubbed

    first = call(api_event, FakeLambdaContext())
    second_event = api_event({"arn": ARN})
    second_event["requestContext"]["requestId"] = "another-request"
    second = lambda_handler(second_event, FakeLambdaContext())

    replayed = json.loads(second["body"])
    assert replayed["replay"] is True, "a repeat says it is one"
    assert replayed["replayedFor"] == {"kind": "api", "id": "another-request"}
    assert replayed["trigger"] == first["json"]["trigger"], "the trigger that caused it"
    unchanged = {k: v for k, v in replayed.items() if k not in {"replay", "replayedFor"}}
    assert unchanged == {
        k: v for k, v in first["json"].items() if k not in {"replay", "replayedFor"}
    }
    assert first["json"]["replay"] is False
    assert len(outcome_sink.published()) == 1


def test_a_failure_is_not_remembered_so_a_retry_really_retries(
    devicefarm_stub: Stubber, api_event: Any, outcome_sink: OutcomeSink
) -> None:
    devicefarm_stub.add_client_error("get_remote_access_session", "LimitExceededException")
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    first = call(api_event, FakeLambdaContext())
    second = call(api_event, FakeLambdaContext())

    assert (first["statusCode"], second["statusCode"]) == (429, 200)
    assert [p.body["outcome"] for p in outcome_sink.published()] == ["FAILED", "STOPPED"]


def test_an_outcome_sns_refuses_is_parked_and_answered_with_503(
    devicefarm_stub: Stubber, api_event: Any, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    boto3.client("sns", region_name=outcome_sink.region).delete_topic(
        TopicArn=outcome_sink.topic_arn
    )
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)
    parks: list[str] = []
    sqs_client(True).meta.events.register(
        "before-call.sqs.SendMessage", lambda **_: parks.append("api client")
    )

    response = call(api_event, lambda_context)

    assert response["statusCode"] == 503
    assert response["json"]["outcome"] == "STOPPED"
    assert parks == ["api client"], "the park is on the API's budget, within its 29 s"
    [parked] = outcome_sink.parked()
    assert parked.body == response["json"]
    assert parked.attributes["outcome"] == "STOPPED"
    assert "parkedBecause" in parked.attributes


def test_a_throttled_idempotency_record_is_retried_and_the_stop_answered(
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = use_fake_clock(monkeypatch)
    # The clients the function uses, called as it calls them (functools.cache keys on how).
    throttled = throttle_first(_persistence(True).client, "PutItem", times=2)
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    response = call(api_event, lambda_context)

    assert (response["statusCode"], response["json"]["outcome"]) == (200, "STOPPED")
    assert (throttled.throttled, throttled.passed) == (2, 1)
    assert len(clock.slept) == 2, "botocore backed off before each retry"
    [published] = outcome_sink.published()
    assert published.body == response["json"]


def test_a_throttled_publish_is_retried_and_published_once(
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    use_fake_clock(monkeypatch)
    throttled = throttle_first(sns_client(True), "Publish", times=2)
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    response = call(api_event, lambda_context)

    assert (response["statusCode"], response["json"]["outcome"]) == (200, "STOPPED")
    assert (throttled.throttled, throttled.passed) == (2, 1)
    [published] = outcome_sink.published()
    assert published.body == response["json"]
    assert outcome_sink.parked() == []


@pytest.mark.parametrize(("wait", "status"), [(0.5, 200), (0.6, 429), (0.9, 429)])
def test_a_stop_waits_half_a_second_for_its_token_at_most_then_answers_429(
    wait: float,
    status: int,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The account's Stop tokens are spent (a sweep, a colleague): the next is `wait` away."""
    now = [100.0]
    slept: list[float] = []
    pacer = Pacer(
        PacingSettings(stop_burst=1),
        monotonic=lambda: now[0],
        sleep=slept.append,
        rate_share=1.0,
        reserved_tokens=0,
    )
    pacer.reserve("StopRemoteAccessSession", max_wait=0)
    now[0] += 1.0 - wait
    monkeypatch.setattr(devicefarm, "devicefarm_pacer", lambda _account="": pacer)
    expect_get(devicefarm_stub, "RUNNING")
    if status == 200:
        expect_stop(devicefarm_stub)  # and when refused no Stop: the stubber fails on one

    response = call(api_event, lambda_context)

    assert response["statusCode"] == status
    if status == 200:
        assert (response["json"]["outcome"], slept) == ("STOPPED", [pytest.approx(wait)])
    else:
        assert response["json"]["error"]["code"] == "LimitExceededException"
        assert response["multiValueHeaders"]["Retry-After"] == ["30"]
        assert slept == []


def test_a_malformed_arn_is_refused_without_calls_or_messages(
    devicefarm_stub: Stubber, api_event: Any, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    response = lambda_handler(api_event({"arn": "arn:aws:devicefarm:nope"}), lambda_context)

    assert response["statusCode"] == 400
    error = json.loads(response["body"])["error"]
    assert error["code"] == "INVALID_ARN"
    assert "32 to 1011 characters" in error["message"]
    assert outcome_sink.published() == []


@pytest.mark.parametrize(
    "content_type",
    ["application/merge-patch+json", "application/vnd.api+json", "application/json; charset=utf-8"],
)
def test_any_json_media_type_is_taken_as_json(
    content_type: str,
    devicefarm_stub: Stubber,
    api_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    """`+json` types are JSON (RFC 6839); Powertools alone would answer them 415 in its own
    shape, so the body gate hands the resolver plain application/json."""
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)
    event = api_event({"arn": ARN})
    event["headers"]["Content-Type"] = content_type
    event["multiValueHeaders"]["Content-Type"] = [content_type]

    response = lambda_handler(event, lambda_context)

    assert (response["statusCode"], json.loads(response["body"])["outcome"]) == (200, "STOPPED")
