"""One publish for machines and people: SNS's per-protocol structure, read back as subscribers
get it (moto), the request checked against SNS's own model (botocore's Stubber), and the chat
notifications, whose failure never costs an outcome."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from session_stopper.domain import announce
from session_stopper.gateways import outcomes
from session_stopper.gateways.budgets import INTERACTIVE, batch
from session_stopper.gateways.outcomes import MAX_PUBLISH_BYTES, OutcomePublisher
from session_stopper.handler import lambda_handler
from session_stopper.models.outcome import Outcome, OutcomeMessage
from tests.integration.test_reliability import emf_metrics
from tests.integration.test_sweeps import split
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext
from tests.unit.message_samples import outcome, sweep_summary
from tests.unit.test_chat_notifications import CUSTOM_NOTIFICATION


@pytest.fixture
def running(world: DeviceFarmWorld) -> list[str]:
    specs = [SessionSpec("alpha", 90, "checkout-flow"), SessionSpec("alpha", 5, "young")]
    return [created["arn"] for created in world.populate(specs)]


@pytest.fixture
def publish_requests(world: DeviceFarmWorld) -> Iterator[list[dict[str, Any]]]:
    """Every Publish the function's batch SNS client makes, as its parameters."""
    captured: list[dict[str, Any]] = []

    def capture(params: dict[str, Any], **_: Any) -> None:
        captured.append(dict(params))

    client = outcomes.sns_client(False)  # as the function calls it (the cache keys on that)
    client.meta.events.register("provide-client-params.sns.Publish", capture)
    yield captured
    client.meta.events.unregister("provide-client-params.sns.Publish", capture)


def test_subscribers_get_the_json_contract_and_email_gets_the_text(
    running: list[str], outcome_sink: OutcomeSink, publish_requests: list[dict[str, Any]]
) -> None:
    answer = lambda_handler({"arn": running[0]}, FakeLambdaContext())

    (delivered,) = outcome_sink.published()
    assert delivered.body == answer  # the unchanged contract, as every queue receives it
    assert delivered.attributes == {
        "messageType": "outcome",
        "outcome": "STOPPED",
        "trigger": "direct",
        "platform": "ANDROID",
    }
    (request,) = publish_requests
    assert request["MessageStructure"] == "json"
    structure = json.loads(request["Message"])
    assert set(structure) == {"default", "email"}
    assert json.loads(structure["default"]) == answer
    # the contract byte for byte, as the API answers it and the DLQ keeps it
    assert structure["default"] == OutcomeMessage.model_validate(answer).model_dump_json()
    assert "checkout-flow was stopped" in structure["email"]
    assert running[0] in structure["email"]
    assert request["Subject"].startswith("STOPPED checkout-flow (")


def test_a_sweep_summary_reaches_queues_as_json_and_email_as_its_session_list(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    publish_requests: list[dict[str, Any]],
) -> None:
    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    outcomes_sent, summaries = split(outcome_sink.published())
    assert [s.body for s in summaries] == [summary]
    assert [o.body["session"]["name"] for o in outcomes_sent] == ["checkout-flow"]
    text = json.loads(publish_requests[-1]["Message"])["email"]
    assert "Sessions it acted on:" in text
    assert "checkout-flow (" in text
    assert running[0] in text
    assert publish_requests[-1]["Subject"] == "Sweep: stopped 1"


def test_the_dead_letter_queue_keeps_the_plain_contract(
    running: list[str], outcome_sink: OutcomeSink
) -> None:
    boto3.client("sns", region_name=outcome_sink.region).delete_topic(
        TopicArn=outcome_sink.topic_arn
    )

    lambda_handler({"action": "sweep", "dryRun": True}, FakeLambdaContext())

    parked = outcome_sink.parked()
    assert parked
    assert all("email" not in p.body and "default" not in p.body for p in parked)
    assert {p.body["messageType"] for p in parked} == {"outcome", "sweepSummary"}


def test_the_request_passes_snss_own_model(outcome_sink: OutcomeSink) -> None:
    """botocore validates every parameter against the SNS service model before the stub
    answers: MessageStructure, Subject and the attributes are all of the accepted shape."""
    sns = boto3.client("sns", region_name=outcome_sink.region)
    message = outcome(Outcome.STOPPED)
    with Stubber(sns) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "m-1"},
            {
                "TopicArn": outcome_sink.topic_arn,
                "Message": ANY,
                "MessageStructure": "json",
                "Subject": "STOPPED checkout-flow (Pixel 8)",
                "MessageAttributes": ANY,
            },
        )
        publisher = OutcomePublisher(sns=sns)
        assert (
            publisher.publish(
                message,
                {"messageType": "outcome", "outcome": "STOPPED"},
                email="text",
                subject="STOPPED checkout-flow (Pixel 8)",
            )
            == "m-1"
        )


def test_a_text_that_would_not_fit_is_left_out_and_the_contract_goes_alone(
    outcome_sink: OutcomeSink,
) -> None:
    sns = boto3.client("sns", region_name=outcome_sink.region)
    message = sweep_summary(dry_run=False)
    with Stubber(sns) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "m-2"},
            {
                "TopicArn": outcome_sink.topic_arn,
                "Message": message.model_dump_json(),
                "Subject": "Sweep",
                "MessageAttributes": ANY,
            },
        )
        message_id = OutcomePublisher(sns=sns).publish(
            message, {"messageType": "sweepSummary"}, email="x" * MAX_PUBLISH_BYTES, subject="Sweep"
        )
        stub.assert_no_pending_responses()  # published: leaving the text out is no reason not to
    assert message_id == "m-2"


def test_a_subject_sns_would_refuse_is_left_out(outcome_sink: OutcomeSink) -> None:
    sns = boto3.client("sns", region_name=outcome_sink.region)
    message = sweep_summary(dry_run=True)
    with Stubber(sns) as stub:
        stub.add_response(
            "publish",
            {"MessageId": "m-3"},
            {
                "TopicArn": outcome_sink.topic_arn,
                "Message": ANY,
                "MessageStructure": "json",
                "MessageAttributes": ANY,
            },
        )
        message_id = OutcomePublisher(sns=sns).publish(
            message, {"messageType": "sweepSummary"}, email="text", subject="two\nlines"
        )
        stub.assert_no_pending_responses()  # published: leaving the subject out is no reason not to
    assert message_id == "m-3"


# -- chat -------------------------------------------------------------------------------------


@pytest.fixture
def chat_tap(outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch) -> str:
    """A chat topic as Amazon Q Developer would subscribe it, with a queue standing in for it."""
    sns = boto3.client("sns", region_name=outcome_sink.region)
    sqs = boto3.client("sqs", region_name=outcome_sink.region)
    topic = sns.create_topic(Name="session-stopper-chat")["TopicArn"]
    queue = sqs.create_queue(QueueName="chat-tap")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn["Attributes"]["QueueArn"],
        Attributes={"RawMessageDelivery": "true"},
    )
    monkeypatch.setenv("CHAT_TOPIC_ARN", topic)
    reset_function_caches()
    return queue


def chat_messages(sink: OutcomeSink, queue: str) -> list[dict[str, Any]]:
    return [json.loads(message["Body"]) for message in sink.drain(queue)]


def test_a_stop_is_told_to_the_chat_channels_in_the_documented_format(
    running: list[str], outcome_sink: OutcomeSink, chat_tap: str
) -> None:
    import jsonschema  # noqa: PLC0415

    lambda_handler({"arn": running[0]}, FakeLambdaContext())

    (told,) = chat_messages(outcome_sink, chat_tap)
    jsonschema.validate(told, CUSTOM_NOTIFICATION)
    assert told["content"]["title"].startswith("STOPPED checkout-flow")
    assert told["metadata"]["relatedResources"] == [running[0]]
    assert len(outcome_sink.published()) == 1


def test_the_chat_hears_only_the_outcomes_it_asked_for(
    running: list[str],
    outcome_sink: OutcomeSink,
    chat_tap: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CHAT_OUTCOMES", "FAILED")
    reset_function_caches()

    lambda_handler({"arn": running[0]}, FakeLambdaContext())

    assert chat_messages(outcome_sink, chat_tap) == []
    assert [p.body["outcome"] for p in outcome_sink.published()] == ["STOPPED"]


def test_a_chat_topic_that_refuses_costs_no_stop_and_no_outcome(
    running: list[str],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    world: DeviceFarmWorld,
) -> None:
    monkeypatch.setenv("CHAT_TOPIC_ARN", outcome_sink.topic_arn.replace("outcomes", "gone"))
    reset_function_caches()

    answer = lambda_handler({"arn": running[0]}, FakeLambdaContext())

    assert answer["outcome"] == "STOPPED"
    assert [p.body for p in outcome_sink.published()] == [answer]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1
    assert emf_metrics(capsys.readouterr().out)["ChatNotificationsFailed"] == [1.0]
    assert "chat notification not sent" in caplog.text


def test_a_text_that_cannot_be_rendered_leaves_the_contract_to_go_alone(
    running: list[str],
    outcome_sink: OutcomeSink,
    publish_requests: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("a renderer bug")

    monkeypatch.setattr(announce, "story_of", broken)

    answer = lambda_handler({"arn": running[0]}, FakeLambdaContext())

    assert [p.body for p in outcome_sink.published()] == [answer]
    (request,) = publish_requests
    assert "MessageStructure" not in request
    assert "Subject" not in request


def test_the_chat_client_is_on_the_short_chat_budget(
    outcome_sink: OutcomeSink, chat_tap: str
) -> None:
    for interactive, budget in ((True, INTERACTIVE.chat), (False, batch(2).chat)):
        client = OutcomePublisher(interactive=interactive)._chat_sns
        assert client is not None
        config = client.meta.config
        assert config.retries["total_max_attempts"] == budget.attempts
        assert (config.connect_timeout, config.read_timeout) == (
            budget.connect_timeout,
            budget.read_timeout,
        )
