"""Outcome gateway: publishes outcome messages to SNS and parks unpublishable ones in SQS.

One publish serves machines and people: with a readable text, the message goes out with SNS's
per-protocol structure (`MessageStructure="json"`), whose `default` is the JSON contract, as
every protocol without a key of its own receives it (sqs, lambda, http/s, email-json, firehose),
and whose `email` is the text. Message attributes, and so filter policies, are the same either
way, and a parked message is always the plain contract.
"""

from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from session_stopper.config import settings
from session_stopper.gateways.budgets import budgets_for
from session_stopper.observability import logger, traced

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


# SNS's default MaximumMessageSize: the message and its attributes together, in bytes.
MAX_PUBLISH_BYTES = 262_144
# SNS: a Subject starts with a letter, digit or punctuation mark, has no line breaks or control
# characters and is less than 100 characters long. One that is not is left out, not refused.
_SUBJECT = re.compile(r"[!-~][ -~]{0,98}", re.ASCII)


class PublishError(Exception):
    """SNS did not take a message after retries; the caller must not drop it."""


class ParkError(Exception):
    """Neither SNS nor the dead-letter queue took a message."""


@functools.cache
def sns_client(interactive: bool = False) -> SNSClient:
    budget = budgets_for(interactive).sns
    return budget.guarded(boto3.client("sns", config=budget.config()))


@functools.cache
def sqs_client(interactive: bool = False) -> SQSClient:
    budget = budgets_for(interactive).sqs
    return budget.guarded(boto3.client("sqs", config=budget.config()))


def _attributes(values: dict[str, str], data_type: str) -> dict[str, Any]:
    return {name: {"DataType": data_type, "StringValue": value} for name, value in values.items()}


def _size(message: str, attributes: dict[str, str]) -> int:
    """What SNS counts against MaximumMessageSize: the message, and each attribute's name,
    data type and value."""
    return len(message.encode("utf-8")) + sum(
        len(name.encode("utf-8")) + len("String") + len(value.encode("utf-8"))
        for name, value in attributes.items()
    )


def per_protocol(contract: str, email: str) -> str:
    """The Message of a `MessageStructure="json"` publish: `default` (the contract, byte for
    byte) for every protocol but email, which gets the text."""
    return json.dumps({"default": contract, "email": email}, ensure_ascii=False)


class OutcomePublisher:
    def __init__(
        self,
        sns: SNSClient | None = None,
        sqs: SQSClient | None = None,
        *,
        interactive: bool = False,
        chat_sns: SNSClient | None = None,
    ) -> None:
        self._sns = sns or sns_client(interactive)
        # Built on the first park: most invocations never need the dead-letter queue.
        self._given_sqs = sqs
        self._interactive = interactive
        # Its own client: chat gets the short chat budget, never the outcome topic's retries.
        chat = budgets_for(interactive).chat
        self._chat_sns = chat_sns or (
            chat.guarded(boto3.client("sns", config=chat.config())) if settings().chat else None
        )

    @traced
    def publish(
        self,
        message: BaseModel,
        attributes: dict[str, str],
        *,
        email: str | None = None,
        subject: str | None = None,
    ) -> str:
        """Publish one message to the outcome topic, with `email` as what email subscriptions
        get and `subject` as their Subject; returns the SNS message id or raises PublishError.

        A text that would take the publish past SNS's size limit is left out (the contract
        alone goes, as without a text): the contract is never cut to make room."""
        contract = message.model_dump_json()
        request: dict[str, Any] = {
            "TopicArn": settings().outcome_topic_arn,
            "Message": contract,
            "MessageAttributes": _attributes(attributes, "String"),
        }
        if email is not None:
            structured = per_protocol(contract, email)
            if _size(structured, attributes) <= MAX_PUBLISH_BYTES:
                request.update(Message=structured, MessageStructure="json")
            else:
                logger.warning("email text left out: it would exceed SNS's message size")
        if subject is not None and _SUBJECT.fullmatch(subject):
            request["Subject"] = subject
        try:
            response = self._sns.publish(**request)
        except (ClientError, BotoCoreError) as error:
            logger.error("could not publish outcome", extra={"attributes": attributes})
            raise PublishError(str(error)) from error
        return response["MessageId"]

    # Not traced as a method: the tracer would log a refused chat publish as an error, and
    # it is only a warning (botocore's own X-Ray subsegment still records the call).
    def publish_chat(self, topic_arn: str, notification: BaseModel) -> str:
        """Publish a chat notification (Amazon Q Developer in chat applications reads the
        message itself, so no structure); raises PublishError."""
        if self._chat_sns is None:
            raise PublishError("no chat topic is configured (CHAT_TOPIC_ARN)")
        try:
            response = self._chat_sns.publish(
                TopicArn=topic_arn, Message=notification.model_dump_json(exclude_none=True)
            )
        except (ClientError, BotoCoreError) as error:
            raise PublishError(str(error)) from error
        return response["MessageId"]

    @traced
    def park(self, message: BaseModel, attributes: dict[str, str], reason: str) -> None:
        """Keep a message that SNS refused in the outcome dead-letter queue."""
        queue = self._given_sqs or sqs_client(self._interactive)
        try:
            queue.send_message(
                QueueUrl=settings().outcome_dlq_url,
                MessageBody=message.model_dump_json(),
                MessageAttributes=_attributes(
                    {**attributes, "parkedBecause": reason[:256]}, "String"
                ),
            )
        except (ClientError, BotoCoreError) as error:
            raise ParkError(str(error)) from error
        logger.warning("outcome parked in the dead-letter queue", extra={"attributes": attributes})
