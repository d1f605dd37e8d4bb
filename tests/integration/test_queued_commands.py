"""The command lane's route: SQS batches of caller commands, received from moto's SQS exactly as
the local stack's event source mapping hands them to the function (local/command_lane.py)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from local.command_lane import LaneQueues, create_lane_queues, lambda_batch
from session_stopper.handler import lambda_handler
from tests.integration.test_stop_api import ARN, expect_get, expect_stop
from tests.support.aws import OutcomeSink
from tests.support.hypothesis_profiles import examples

EVENT_ID = "7bf73129-1428-4cd3-a780-95db273d1602"
# What SQS accepts in a message body: no control characters but tab and newlines, no surrogates.
SQS_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40
)
Batch = Callable[..., dict[str, Any]]


@pytest.fixture
def lane(outcome_sink: OutcomeSink) -> LaneQueues:
    return create_lane_queues(boto3.client("sqs", region_name=outcome_sink.region))


@pytest.fixture
def queued(lane: LaneQueues, outcome_sink: OutcomeSink) -> Batch:
    """`queued(*bodies)`: send each body (JSON-encoded unless already text) to the command
    queue, receive them all, and return the batch event Lambda would invoke with."""
    sqs = boto3.client("sqs", region_name=outcome_sink.region)

    def build(*bodies: Any) -> dict[str, Any]:
        for body in bodies:
            text = body if isinstance(body, str) else json.dumps(body)
            sqs.send_message(QueueUrl=lane.url, MessageBody=text)
        return received(sqs, lane, outcome_sink.region, len(bodies))

    return build


def received(sqs: Any, lane: LaneQueues, region: str, count: int) -> dict[str, Any]:
    messages: list[dict[str, Any]] = []
    while len(messages) < count:
        messages += sqs.receive_message(
            QueueUrl=lane.url, MaxNumberOfMessages=10, AttributeNames=["All"]
        ).get("Messages", [])
    return lambda_batch(messages, lane.arn, region)


def record_ids(batch: dict[str, Any]) -> list[str]:
    return [record["messageId"] for record in batch["Records"]]


def test_a_queued_stop_command_stops_the_session_as_the_rule_did(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    queued: Batch,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    answer = lambda_handler(queued(stop_command_event()), lambda_context)

    assert answer == {"batchItemFailures": []}
    [published] = outcome_sink.published()
    assert published.body["outcome"] == "STOPPED"
    # The same trigger as when the rule invoked the function: the event, known by its id.
    assert published.body["trigger"] == {"kind": "eventbridge", "id": EVENT_ID}
    assert published.attributes["trigger"] == "eventbridge"


def test_a_redelivered_record_gives_the_same_outcome_without_a_second_stop(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    queued: Batch,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    # One Get and one Stop only: the Stubber refuses a second pair.
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)
    batch = queued(stop_command_event())

    first = lambda_handler(batch, lambda_context)
    again = lambda_handler(batch, lambda_context)

    assert first == again == {"batchItemFailures": []}
    # The same event again is the same decider (its event id is the correlation id): it tells
    # the first outcome again, as a retried EventBridge invoke does, and never stops twice.
    first_told, told_again = outcome_sink.published()
    assert first_told.body == told_again.body
    assert first_told.body["outcome"] == "STOPPED"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("{not json", "INVALID_JSON"),
        ([1, 2, 3], "INVALID_BODY"),
        ("", "INVALID_JSON"),
        ({"detail-type": "CloudWatch Alarm State Change", "source": "aws.cloudwatch"}, None),
    ],
)
def test_a_malformed_record_is_rejected_and_never_redriven_nor_redrives_the_good_one(
    body: Any,
    code: str | None,
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    queued: Batch,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)

    answer = lambda_handler(queued(body, stop_command_event()), lambda_context)

    assert answer == {"batchItemFailures": []}
    outcomes = {p.body["outcome"]: p.body for p in outcome_sink.published()}
    assert sorted(outcomes) == ["REJECTED", "STOPPED"]
    if code is not None:
        assert outcomes["REJECTED"]["error"]["code"] == code


def test_only_the_record_whose_outcome_was_not_published_goes_back_to_the_queue(
    devicefarm_stub: Stubber,
    stop_command_event: Any,
    queued: Batch,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    expect_get(devicefarm_stub, "RUNNING")
    expect_stop(devicefarm_stub)
    batch = queued("{not json", stop_command_event())
    boto3.client("sns", region_name=outcome_sink.region).delete_topic(
        TopicArn=outcome_sink.topic_arn
    )

    answer = lambda_handler(batch, lambda_context)

    stop_record = next(r for r in batch["Records"] if r["body"].startswith('{"'))
    assert answer == {"batchItemFailures": [{"itemIdentifier": stop_record["messageId"]}]}
    # Both outcomes kept: the rejection parked for good, the stop parked and retried.
    assert sorted(p.body["outcome"] for p in outcome_sink.parked()) == ["REJECTED", "STOPPED"]


def test_a_batch_that_lambda_did_not_make_is_rejected_not_raised(
    devicefarm_stub: Stubber, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    forged = {"Records": [{"eventSource": "aws:sqs", "body": json.dumps({"arn": ARN})}]}

    answer = lambda_handler(forged, lambda_context)

    assert answer == {"batchItemFailures": []}
    [published] = outcome_sink.published()
    assert published.body["outcome"] == "REJECTED"
    assert published.body["error"]["code"] == "UNRECOGNISED_EVENT"


def test_a_queued_sweep_command_runs_a_sweep(
    devicefarm_stub: Stubber, queued: Batch, lambda_context: Any, outcome_sink: OutcomeSink
) -> None:
    devicefarm_stub.add_response("list_projects", {"projects": []}, {})
    sweep = {
        "version": "0",
        "id": "0d7e2a4c-9a8b-4f7e-8c1d-3b2a1f0e9d8c",
        "detail-type": "Sweep Remote Access Sessions",
        "source": "devicefarm.session-stopper",
        "account": "123456789012",
        "time": "2026-11-27T06:00:00Z",
        "region": "eu-west-1",
        "resources": [],
        "detail": {},
    }

    answer = lambda_handler(queued(sweep), lambda_context)

    assert answer == {"batchItemFailures": []}
    [summary] = outcome_sink.published()
    assert summary.attributes["messageType"] == "sweepSummary"


@settings(max_examples=examples(25))
@given(
    bodies=st.lists(
        st.one_of(
            SQS_TEXT,
            st.dictionaries(SQS_TEXT, SQS_TEXT, max_size=4).map(json.dumps),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_no_body_escapes_the_handler_or_fails_its_record(
    bodies: list[str],
    devicefarm_stub: Stubber,
    lane: LaneQueues,
    lambda_context: Any,
    outcome_sink: OutcomeSink,
) -> None:
    sqs = boto3.client("sqs", region_name=outcome_sink.region)
    for body in bodies:
        sqs.send_message(QueueUrl=lane.url, MessageBody=body or " ")
    batch = received(sqs, lane, outcome_sink.region, len(bodies))

    answer = lambda_handler(batch, lambda_context)

    assert answer == {"batchItemFailures": []}
    published = outcome_sink.published()
    assert [p.body["outcome"] for p in published] == ["REJECTED"] * len(bodies)
