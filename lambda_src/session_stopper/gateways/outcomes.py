"""Outcome gateway: publishes outcome messages to SNS and parks unpublishable ones in SQS."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from session_stopper.config import settings
from session_stopper.gateways.budgets import budgets_for
from session_stopper.observability import logger, tracer

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_sqs import SQSClient


class PublishError(Exception):
    """SNS did not take a message after retries; the caller must not drop it."""


class ParkError(Exception):
    """Neither SNS nor the dead-letter queue took a message."""


@functools.cache
def sns_client(interactive: bool = False) -> SNSClient:
    return boto3.client("sns", config=budgets_for(interactive).sns.config())


@functools.cache
def sqs_client(interactive: bool = False) -> SQSClient:
    return boto3.client("sqs", config=budgets_for(interactive).sqs.config())


def _attributes(values: dict[str, str], data_type: str) -> dict[str, Any]:
    return {name: {"DataType": data_type, "StringValue": value} for name, value in values.items()}


class OutcomePublisher:
    def __init__(
        self,
        sns: SNSClient | None = None,
        sqs: SQSClient | None = None,
        *,
        interactive: bool = False,
    ) -> None:
        self._sns = sns or sns_client(interactive)
        self._sqs = sqs or sqs_client(interactive)

    @tracer.capture_method(capture_response=False)
    def publish(self, message: BaseModel, attributes: dict[str, str]) -> str:
        """Publish one message; returns the SNS message id or raises PublishError."""
        try:
            response = self._sns.publish(
                TopicArn=settings().outcome_topic_arn,
                Message=message.model_dump_json(),
                MessageAttributes=_attributes(attributes, "String"),
            )
        except (ClientError, BotoCoreError) as error:
            logger.error("could not publish outcome", extra={"attributes": attributes})
            raise PublishError(str(error)) from error
        return response["MessageId"]

    @tracer.capture_method(capture_response=False)
    def park(self, message: BaseModel, attributes: dict[str, str], reason: str) -> None:
        """Keep a message that SNS refused in the outcome dead-letter queue."""
        try:
            self._sqs.send_message(
                QueueUrl=settings().outcome_dlq_url,
                MessageBody=message.model_dump_json(),
                MessageAttributes=_attributes(
                    {**attributes, "parkedBecause": reason[:256]}, "String"
                ),
            )
        except (ClientError, BotoCoreError) as error:
            raise ParkError(str(error)) from error
        logger.warning("outcome parked in the dead-letter queue", extra={"attributes": attributes})
