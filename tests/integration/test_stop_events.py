"""EventBridge stop commands, direct invokes and unrecognised events through the handler."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.handler import lambda_handler
from tests.integration.test_stop_api import ARN, expect_get, expect_stop
from tests.support.aws import OutcomeSink

EVENT_ID = "7bf73129-1428-4cd3-a780-95db273d1602"


def test_an_eventbridge_stop_command_stops_the_session(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    result = lambda_handler(stop_command_event(), lambda_context)

    assert result["outcome"] == "STOPPED"
    [published] = outcome_sink.published()
    assert published.body["trigger"] == {"kind": "eventbridge", "id": EVENT_ID}
    assert published.body["correlationId"] == EVENT_ID
    assert published.attributes["trigger"] == "eventbridge"


def test_a_stop_command_is_known_by_its_event_id_whatever_resources_it_claims(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    rule = "arn:aws:events:eu-west-1:123456789012:rule/nightly-stop"
    expect_get(devicefarm_stub, "COMPLETED")

    result = lambda_handler(stop_command_event(resources=[rule]), lambda_context)

    assert result["outcome"] == "ALREADY_ENDED"
    # PutEvents lets the sender fill `resources`: a stop command could pose as the schedule.
    assert result["trigger"] == {"kind": "eventbridge", "id": EVENT_ID}


def test_a_direct_invoke_stops_the_session(
    devicefarm_stub: Stubber, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    devicefarm_stub.add_client_error("get_remote_access_session", "NotFoundException")

    result = lambda_handler({"arn": ARN}, lambda_context)

    assert result["outcome"] == "NOT_FOUND"
    assert result["trigger"] == {"kind": "direct", "id": lambda_context.aws_request_id}
    assert [p.attributes for p in outcome_sink.published()] == [
        {
            "messageType": "outcome",
            "outcome": "NOT_FOUND",
            "trigger": "direct",
            "platform": "UNKNOWN",
        }
    ]


def test_a_malformed_event_is_published_as_rejected_and_not_raised(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    result = lambda_handler(
        stop_command_event(detail={"arn": "arn:aws:s3:::bucket"}), lambda_context
    )

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == "INVALID_ARN"
    # Not a session ARN: only an excerpt of the text, marked as the caller's input.
    assert result["sessionArn"] is None
    assert result["input"] == {"excerpt": "arn:aws:s3:::bucket", "truncated": False, "length": 19}
    [published] = outcome_sink.published()
    assert published.attributes["outcome"] == "REJECTED"


@pytest.mark.parametrize("event", [[], "stop it", 42, {"hello": "world"}])
def test_an_unrecognised_event_is_rejected(
    event: Any, devicefarm_stub: Stubber, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    result = lambda_handler(event, lambda_context)

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == "UNRECOGNISED_EVENT"
    assert len(outcome_sink.published()) == 1


def test_an_unpublishable_event_outcome_raises_so_lambda_retries(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    boto3.client("sns", region_name=outcome_sink.region).delete_topic(
        TopicArn=outcome_sink.topic_arn
    )
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    with pytest.raises(OutcomeNotPublishedError) as raised:
        lambda_handler(stop_command_event(), lambda_context)

    assert raised.value.message.outcome == "STOPPED"
    [parked] = outcome_sink.parked()
    assert parked.body["outcome"] == "STOPPED"


def test_an_unpublishable_rejection_is_parked_not_retried(
    devicefarm_stub: Stubber, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    boto3.client("sns", region_name=outcome_sink.region).delete_topic(
        TopicArn=outcome_sink.topic_arn
    )

    result = lambda_handler({"arn": "not an arn"}, lambda_context)

    assert result["outcome"] == "REJECTED"
    assert [p.body["error"]["code"] for p in outcome_sink.parked()] == ["INVALID_ARN"]
