"""Stop one session exactly once per idempotency window, and publish what happened.

The idempotent unit is "decide, stop, publish" keyed by the session ARN: a repeat inside the
window gets the first outcome back without another Stop call or SNS message. Outcomes that a
retry could change (FAILED) are published but not remembered, so the next attempt really tries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from session_stopper.config import settings
from session_stopper.domain.outcomes import (
    Origin,
    message_attributes,
    record_metrics,
)
from session_stopper.domain.stop import stop_session
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.gateways.outcomes import OutcomePublisher, PublishError
from session_stopper.models.outcome import Outcome, OutcomeMessage
from session_stopper.models.sweep import SweepSummary
from session_stopper.observability import logger, metrics


class StopRequest(BaseModel):
    """The idempotency payload: only `arn` forms the key (see IdempotencyConfig below)."""

    model_config = ConfigDict(frozen=True)

    arn: str
    origin: Origin


class _NotRemembered(Exception):
    """Carries an outcome out of the idempotent function so Powertools forgets the attempt."""

    def __init__(self, message: OutcomeMessage) -> None:
        super().__init__(message.outcome)
        self.message = message


class OutcomeNotPublishedError(Exception):
    """SNS refused the outcome after retries. The outcome rides along so it is never lost."""

    def __init__(self, message: OutcomeMessage, cause: str) -> None:
        super().__init__(
            f"outcome {message.outcome} for {message.session_arn} not published: {cause}"
        )
        self.message = message


def publish_outcome(message: OutcomeMessage, publisher: OutcomePublisher) -> None:
    """Publish, count and log one outcome; raises OutcomeNotPublishedError if SNS refuses."""
    attributes = message_attributes(message)
    try:
        publisher.publish(message, attributes)
    except PublishError as error:
        raise OutcomeNotPublishedError(message, str(error)) from error
    record_metrics(message)
    logger.info(
        "outcome published",
        extra={
            "outcome": message.outcome.value,
            "session_arn": message.session_arn,
            "error": message.error.model_dump() if message.error else None,
        },
    )


@functools.cache
def _idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="arn",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings().idempotency_window_seconds,
    )


@functools.cache
def _persistence() -> DynamoDBPersistenceLayer:
    return DynamoDBPersistenceLayer(table_name=settings().idempotency_table_name)


def register_lambda_context(context: LambdaContext) -> None:
    """Lets Powertools expire in-progress records when this invocation would time out."""
    _idempotency_config().register_lambda_context(context)


class StopService:
    def __init__(
        self, gateway: DeviceFarmGateway | None = None, publisher: OutcomePublisher | None = None
    ) -> None:
        self._gateway = gateway or DeviceFarmGateway()
        self._publisher = publisher or OutcomePublisher()
        self._stop_once: Callable[..., OutcomeMessage] = idempotent_function(
            data_keyword_argument="request",
            persistence_store=_persistence(),
            config=_idempotency_config(),
            output_serializer=PydanticSerializer(model=OutcomeMessage),
        )(self._stop_and_publish)

    def stop(self, arn: str, origin: Origin) -> OutcomeMessage:
        """Stop the session (at most once per window) and return the outcome published."""
        try:
            return self._stop_once(request=StopRequest(arn=arn, origin=origin))
        except _NotRemembered as signal:
            return signal.message

    def publish(self, message: OutcomeMessage) -> None:
        """Publish an outcome that involved no stop (REJECTED events, SKIPPED sessions)."""
        publish_outcome(message, self._publisher)

    def publish_summary(self, summary: SweepSummary) -> None:
        """Publish a sweep summary; one SNS refuses is parked rather than failing the sweep."""
        attributes = {"messageType": summary.message_type, "trigger": summary.trigger.kind.value}
        try:
            self._publisher.publish(summary, attributes)
        except PublishError as error:
            self._publisher.park(summary, attributes, str(error))
        left_undone = len(summary.left_undone)
        metrics.add_metric(name="SweepSessionsLeftUndone", unit=MetricUnit.Count, value=left_undone)

    def park(self, error: OutcomeNotPublishedError) -> None:
        """Keep an outcome SNS refused in the dead-letter queue (raises ParkError if that fails)."""
        self._publisher.park(error.message, message_attributes(error.message), str(error))

    def _stop_and_publish(self, request: StopRequest) -> OutcomeMessage:
        message = stop_session(request.arn, request.origin, self._gateway)
        publish_outcome(message, self._publisher)
        if message.outcome is Outcome.FAILED:
            raise _NotRemembered(message)
        return message
