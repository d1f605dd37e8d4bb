"""The command lane on the local stack: the command rule's SQS queue and the event source mapping
that feeds it to the function, on moto's SQS.

In AWS (infra/constructs/command_lane.py) the command rule puts every caller command on a queue,
and an event source mapping invokes the function with batches of them, never more than its
MaximumConcurrency at once; alarms, timers, sweeps and the API invoke the function directly, on
the reserved concurrency the lane leaves free. Here `send` plays the rule and `CommandLane` the
mapping: `max_concurrency` pollers, each receiving one batch, invoking the function with it as
Lambda shapes it, and deleting the records the answer does not list as failed
(ReportBatchItemFailures). A failed record becomes visible again after the visibility timeout and,
after MAX_RECEIVE_COUNT receives, SQS moves it to the dead-letter queue, as in AWS.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from local.aws_resources import PREFIX

# The deployed stack's defaults (infra/config.py): commandLaneMaxConcurrency and batch size.
MAX_CONCURRENCY = 2
BATCH_SIZE = 10
MAX_RECEIVE_COUNT = 3
VISIBILITY_TIMEOUT_SECONDS = 30
# A poller's long poll: short, so stopping the lane never waits long.
WAIT_SECONDS = 1

_log = logging.getLogger(__name__)
Invoke = Callable[[Any], Any]


@dataclass(frozen=True)
class LaneQueues:
    url: str
    arn: str
    dead_letter_url: str


def create_lane_queues(sqs: Any, prefix: str = PREFIX) -> LaneQueues:
    """The command queue and its dead-letter queue, redriven as the stack's are."""
    dead_letter_url = sqs.create_queue(QueueName=f"{prefix}-command-dlq")["QueueUrl"]
    dead_letter_arn = _queue_arn(sqs, dead_letter_url)
    redrive = {"deadLetterTargetArn": dead_letter_arn, "maxReceiveCount": MAX_RECEIVE_COUNT}
    url = sqs.create_queue(
        QueueName=f"{prefix}-commands",
        Attributes={
            "VisibilityTimeout": str(VISIBILITY_TIMEOUT_SECONDS),
            "RedrivePolicy": json.dumps(redrive),
        },
    )["QueueUrl"]
    return LaneQueues(url=url, arn=_queue_arn(sqs, url), dead_letter_url=dead_letter_url)


def _queue_arn(sqs: Any, url: str) -> str:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
    arn: str = attributes["Attributes"]["QueueArn"]
    return arn


def lambda_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """A received message as Lambda's event source mapping hands it to the function."""
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {
            name: attributes[name]
            for name in (
                "ApproximateReceiveCount",
                "SentTimestamp",
                "SenderId",
                "ApproximateFirstReceiveTimestamp",
            )
        },
        "messageAttributes": {},
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def lambda_batch(messages: Iterable[dict[str, Any]], queue_arn: str, region: str) -> dict[str, Any]:
    return {"Records": [lambda_record(message, queue_arn, region) for message in messages]}


def failed_ids(answer: Any) -> set[str]:
    """The records a batch answer asks to have back (ReportBatchItemFailures)."""
    failures = answer.get("batchItemFailures", []) if isinstance(answer, dict) else []
    return {str(failure.get("itemIdentifier")) for failure in failures}


class CommandLane:
    def __init__(
        self,
        sqs: Any,
        queues: LaneQueues,
        region: str,
        invoke: Invoke,
        *,
        max_concurrency: int = MAX_CONCURRENCY,
        batch_size: int = BATCH_SIZE,
    ) -> None:
        self._sqs = sqs
        self.queues = queues
        self._region = region
        self._invoke = invoke
        self.max_concurrency = max_concurrency
        self._batch_size = batch_size
        self._stopping = threading.Event()
        self._pollers: list[threading.Thread] = []
        self._in_flight = 0
        self.most_in_flight = 0
        self.received = 0  # records handed to the function, redeliveries included
        self._count_lock = threading.Lock()

    def send(self, command: dict[str, Any]) -> str:
        """What the command rule does with a matching event: queue it, as JSON."""
        sent = self._sqs.send_message(QueueUrl=self.queues.url, MessageBody=json.dumps(command))
        message_id: str = sent["MessageId"]
        return message_id

    def poll_once(self, wait_seconds: int = 0) -> int:
        """Receive one batch, invoke the function with it, delete what it handled; returns the
        number of records received."""
        messages = self._sqs.receive_message(
            QueueUrl=self.queues.url,
            MaxNumberOfMessages=self._batch_size,
            WaitTimeSeconds=wait_seconds,
            AttributeNames=["All"],
        ).get("Messages", [])
        if messages:
            self._deliver(messages)
        return len(messages)

    def drain(self) -> int:
        """Poll in this thread until the queue is empty; returns the records received."""
        received = 0
        while batch := self.poll_once():
            received += batch
        return received

    def start(self) -> None:
        """The mapping's pollers: never more than max_concurrency batches in flight."""
        self._stopping.clear()
        self._pollers = [
            threading.Thread(target=self._poll, name=f"command-lane-{index}", daemon=True)
            for index in range(self.max_concurrency)
        ]
        for poller in self._pollers:
            poller.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stopping.set()
        for poller in self._pollers:
            poller.join(timeout=timeout)
        self._pollers = []

    def depth(self) -> int:
        attributes = self._sqs.get_queue_attributes(
            QueueUrl=self.queues.url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return sum(int(value) for value in attributes.values())

    def _poll(self) -> None:
        while not self._stopping.is_set():
            try:
                self.poll_once(WAIT_SECONDS)
            except Exception:  # a poller outlives any one failure, as Lambda's does
                _log.exception("command lane: polling failed")
                self._stopping.wait(WAIT_SECONDS)

    def _deliver(self, messages: list[dict[str, Any]]) -> None:
        with self._count_lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
            self.received += len(messages)
        try:
            answer = self._invoke(lambda_batch(messages, self.queues.arn, self._region))
        except Exception:  # an invocation error returns the whole batch (visibility timeout)
            _log.exception("command lane: the batch's invocation failed")
            return
        finally:
            with self._count_lock:
                self._in_flight -= 1
        failed = failed_ids(answer)
        handled = [message for message in messages if message["MessageId"] not in failed]
        for start in range(0, len(handled), 10):
            self._sqs.delete_message_batch(
                QueueUrl=self.queues.url,
                Entries=[
                    {"Id": str(index), "ReceiptHandle": message["ReceiptHandle"]}
                    for index, message in enumerate(handled[start : start + 10])
                ],
            )
