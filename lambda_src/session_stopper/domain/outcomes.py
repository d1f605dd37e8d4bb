"""Building outcome messages, and the metrics that mirror them."""

from __future__ import annotations

import threading

from aws_lambda_powertools.metrics import MetricUnit
from pydantic import BaseModel, ConfigDict

from session_stopper.models.arn import account_of
from session_stopper.models.excerpt import InputExcerpt
from session_stopper.models.outcome import (
    Outcome,
    OutcomeError,
    OutcomeMessage,
    SessionSummary,
    Trigger,
    TriggerKind,
)
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.text import SafeText
from session_stopper.observability import metrics

_METRIC_NAMES = {
    Outcome.STOPPED: "OutcomeStopped",
    Outcome.ALREADY_ENDED: "OutcomeAlreadyEnded",
    Outcome.NOT_FOUND: "OutcomeNotFound",
    Outcome.REJECTED: "OutcomeRejected",
    Outcome.FAILED: "OutcomeFailed",
    Outcome.SKIPPED: "OutcomeSkipped",
}
# Powertools' metric set is a plain dict; sweeps publish from worker threads.
_metrics_lock = threading.Lock()


class Origin(BaseModel):
    """Who asked for a stop: carried into every outcome message and log line."""

    model_config = ConfigDict(frozen=True)

    trigger: Trigger
    # Normalised as the messages will be: the service recognises its own outcomes by this id.
    correlation_id: SafeText
    sweep_id: SafeText | None = None

    @classmethod
    def of(cls, kind: TriggerKind, trigger_id: str, correlation_id: str | None = None) -> Origin:
        """An origin whose correlation id is its trigger id unless told otherwise."""
        trigger = Trigger(kind=kind, id=trigger_id)
        return cls(trigger=trigger, correlation_id=correlation_id or trigger_id)

    def as_kind(self, kind: TriggerKind) -> Origin:
        return self.model_copy(update={"trigger": Trigger(kind=kind, id=self.trigger.id)})


def outcome_message(
    outcome: Outcome,
    origin: Origin,
    *,
    arn: str | None,
    session: RemoteAccessSession | None = None,
    error: OutcomeError | None = None,
    reason: str | None = None,
    project_arn: str | None = None,
    input_excerpt: InputExcerpt | None = None,
    account: str | None = None,
) -> OutcomeMessage:
    """`account`: the one acted on when neither ARN names it (an account a sweep could not
    reach)."""
    return OutcomeMessage(
        outcome=outcome,
        correlation_id=origin.correlation_id,
        trigger=origin.trigger,
        session_arn=arn,
        project_arn=project_arn,
        account=account or account_of(arn) or account_of(project_arn),
        session=SessionSummary.of(session) if session else None,
        error=error,
        reason=reason,
        sweep_id=origin.sweep_id,
        input=input_excerpt,
    )


def message_attributes(message: OutcomeMessage) -> dict[str, str]:
    """SNS attributes subscribers filter on (filter policies cannot read the body cheaply).
    The account is in the body only: a filter policy with FilterPolicyScope MessageBody reads
    it, and the attributes stay the published set."""
    return {
        "messageType": message.message_type,
        "outcome": message.outcome.value,
        "trigger": message.trigger.kind.value,
        "platform": message.platform,
    }


def record_metrics(message: OutcomeMessage) -> None:
    with _metrics_lock:
        metrics.add_metric(name=_METRIC_NAMES[message.outcome], unit=MetricUnit.Count, value=1)
        minutes = message.session.device_minutes if message.session else None
        if message.outcome is Outcome.STOPPED and minutes and minutes.total is not None:
            metrics.add_metric(
                name="DeviceMinutesStopped", unit=MetricUnit.Count, value=minutes.total
            )


def count(name: str, value: float = 1) -> None:
    """Add to a Count metric; safe from a sweep's worker threads."""
    with _metrics_lock:
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
