"""Reading outcome messages back from the tap queue, as an SNS subscriber receives them.

Besides outcomes and sweep summaries the topic carries timer notices (`messageType` `timer`,
`warning`, `extended`): what the function did about a session's deadline, not an outcome.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

SUMMARY = "sweepSummary"
OUTCOME = "outcome"
POLL_SECONDS = 0.2


@dataclass(frozen=True)
class Delivered:
    """One SNS notification: the outcome (or sweep summary) body and its message attributes."""

    body: dict[str, Any]
    attributes: dict[str, str]

    @property
    def message_type(self) -> str:
        """The body's messageType (its attribute too); outcomes from before it existed had none."""
        return str(self.body.get("messageType") or self.attributes.get("messageType") or OUTCOME)

    @property
    def is_summary(self) -> bool:
        return self.message_type == SUMMARY

    @property
    def is_notice(self) -> bool:
        """A timer notice: neither an outcome nor a sweep summary."""
        return self.message_type not in (OUTCOME, SUMMARY)

    @property
    def outcome(self) -> str:
        return str(self.body.get("outcome") or "")

    @property
    def trigger_kind(self) -> str:
        return str((self.body.get("trigger") or {}).get("kind") or "")

    @property
    def session_label(self) -> str:
        """The session's name, else the end of its ARN (NOT_FOUND has no session)."""
        session = self.body.get("session") or {}
        if session.get("name"):
            return str(session["name"])
        arn = self.body.get("sessionArn") or self.body.get("projectArn") or ""
        return f"…{arn[-24:]}" if len(arn) > 24 else str(arn or "-")

    @property
    def detail(self) -> str:
        """The error code, else the reason (SKIPPED), else '-'."""
        error = self.body.get("error") or {}
        return str(error.get("code") or self.body.get("reason") or "-")


def parse_delivery(sqs_message: dict[str, Any]) -> Delivered:
    envelope = json.loads(sqs_message["Body"])
    attributes = {
        name: str(value.get("Value"))
        for name, value in (envelope.get("MessageAttributes") or {}).items()
    }
    return Delivered(json.loads(envelope["Message"]), attributes)


def receive(sqs: Any, queue_url: str, wait_seconds: int = 0) -> list[Delivered]:
    """One batch from the queue, deleted once read."""
    messages = sqs.receive_message(
        QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
    ).get("Messages", [])
    for message in messages:
        sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
    return [parse_delivery(message) for message in messages]


def drain(sqs: Any, queue_url: str) -> list[Delivered]:
    """Everything waiting in the queue now (moto delivers SNS to SQS during Publish)."""
    delivered: list[Delivered] = []
    while batch := receive(sqs, queue_url):
        delivered.extend(batch)
    return delivered


def describe(delivered: Delivered) -> str:
    """One compact line per message."""
    if delivered.is_summary:
        return describe_summary(delivered.body)
    if delivered.is_notice:
        return describe_notice(delivered)
    arn = delivered.body.get("sessionArn") or "-"
    return (
        f"{delivered.outcome:<13} {delivered.trigger_kind:<11} "
        f"{delivered.session_label:<22} {delivered.detail:<20} {arn}"
    )


def describe_notice(delivered: Delivered) -> str:
    """A timer notice: its kind, status (ARMED, ...), session and deadline."""
    body = delivered.body
    status = str(body.get("status") or "-")
    deadline = str(body.get("deadline") or "-")
    arn = body.get("sessionArn") or "-"
    return (
        f"{delivered.message_type.upper():<13} {status:<11} {delivered.session_label:<22} "
        f"deadline {deadline:<20} {arn}"
    )


def describe_summary(body: dict[str, Any]) -> str:
    inventory = body.get("inventory") or {}
    outcomes = ", ".join(f"{k} {v}" for k, v in sorted((body.get("outcomes") or {}).items()))
    kind = "kill switch" if body.get("killSwitch") else f"> {body.get('maxAgeMinutes')} min"
    return (
        f"SWEEP ({kind}, trigger {(body.get('trigger') or {}).get('kind')}): "
        f"seen {inventory.get('sessionsSeen', 0)}, active {inventory.get('sessionsActive', 0)}, "
        f"selected {inventory.get('sessionsSelected', 0)}; {outcomes or 'nothing to do'}; "
        f"{body.get('deviceMinutesStopped', 0)} device-min stopped, "
        f"~${body.get('estimatedSavingsUsd', 0)} saved"
    )


class TapPrinter:
    """A background thread that prints each outcome as it arrives on the tap queue."""

    def __init__(self, sqs: Any, queue_url: str, write: Callable[[str], None] = print) -> None:
        self._sqs = sqs
        self._queue_url = queue_url
        self._write = write
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="outcome-tap", daemon=True)

    def start(self) -> TapPrinter:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batch = receive(self._sqs, self._queue_url)
            except Exception as error:  # the server going away at shutdown, mostly
                if not self._stopping.is_set():
                    self._write(f"[tap] cannot read the outcome queue: {error}")
                    self._stopping.wait(1.0)
                continue
            for delivered in batch:
                label = "timer" if delivered.is_notice else "outcome"
                self._write(f"[{label}] {describe(delivered)}")
            if not batch:
                # Short polls rather than SQS long polling: Ctrl-C must not wait for one.
                self._stopping.wait(POLL_SECONDS)
