"""moto-backed outcome plumbing: topic, a queue subscribed to it, the DLQ and the table.

Tests read back the real SNS envelope from the subscribed queue, so they check the message and
its attributes as a subscriber would receive them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import boto3

from local.aws_resources import create_alarm as put_alarm
from local.environment import PACING_OFF

TABLE_NAME = "session-stopper-idempotency"
ACCOUNT_ID = "123456789012"  # moto's default account, and the emulator's


@dataclass
class Published:
    body: dict[str, Any]
    attributes: dict[str, str]


@dataclass
class OutcomeSink:
    topic_arn: str
    tap_queue_url: str
    dlq_url: str
    region: str

    def _sqs(self) -> Any:
        return boto3.client("sqs", region_name=self.region)

    def drain(self, queue_url: str) -> list[dict[str, Any]]:
        sqs = self._sqs()
        received: list[dict[str, Any]] = []
        while True:
            batch = sqs.receive_message(
                QueueUrl=queue_url, MaxNumberOfMessages=10, MessageAttributeNames=["All"]
            ).get("Messages", [])
            if not batch:
                return received
            for message in batch:
                sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            received.extend(batch)

    def published(self) -> list[Published]:
        """Every outcome SNS delivered to the tap queue since the last call."""
        out = []
        for message in self.drain(self.tap_queue_url):
            envelope = json.loads(message["Body"])
            attributes = {
                name: value["Value"] for name, value in envelope["MessageAttributes"].items()
            }
            out.append(Published(json.loads(envelope["Message"]), attributes))
        return out

    def parked(self) -> list[Published]:
        """Every outcome parked in the dead-letter queue since the last call."""
        return [
            Published(
                json.loads(message["Body"]),
                {k: v["StringValue"] for k, v in message.get("MessageAttributes", {}).items()},
            )
            for message in self.drain(self.dlq_url)
        ]


def create_outcome_plumbing(region: str, prefix: str = "session-stopper") -> OutcomeSink:
    sns = boto3.client("sns", region_name=region)
    sqs = boto3.client("sqs", region_name=region)
    topic_arn = sns.create_topic(Name=f"{prefix}-outcomes")["TopicArn"]
    tap_url = sqs.create_queue(QueueName=f"{prefix}-outcomes-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=tap_arn)
    dlq_url = sqs.create_queue(QueueName=f"{prefix}-outcomes-dlq")["QueueUrl"]
    boto3.client("dynamodb", region_name=region).create_table(
        TableName=TABLE_NAME,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return OutcomeSink(topic_arn, tap_url, dlq_url, region)


def function_environment(sink: OutcomeSink) -> dict[str, str]:
    return {
        "OUTCOME_TOPIC_ARN": sink.topic_arn,
        "OUTCOME_DLQ_URL": sink.dlq_url,
        "IDEMPOTENCY_TABLE_NAME": TABLE_NAME,
        "DEVICE_FARM_MAX_ATTEMPTS": "2",
        "DEVICE_FARM_ACCOUNT_ID": ACCOUNT_ID,
        # The function defaults to dry run; the tests that want one say so.
        "SWEEP_DRY_RUN": "false",
        # The tests' emulators run without Device Farm's rate limits, so the function need not
        # pace to them; the tests of pacing turn both on with the documented numbers.
        **PACING_OFF,
    }


def create_alarm(
    region: str, name: str, *, state: str = "ALARM", sessions: Sequence[str] = ()
) -> str:
    """A real (moto) alarm in the given state, naming `sessions` in SessionArn dimensions, as
    DescribeAlarms will report it; its ARN."""
    put_alarm(boto3.client("cloudwatch", region_name=region), name, state, sessions)
    return f"arn:aws:cloudwatch:{region}:{ACCOUNT_ID}:alarm:{name}"
