"""CloudWatch alarms: the Lambda alarm action and EventBridge "Alarm State Change".

Only a transition to ALARM acts, and not while the alarm's actions are suppressed. An alarm
whose metric (or one of its metric-math inputs)
carries a SessionArn dimension stops that session; any other alarm, composite ones included,
pulls the kill switch: a sweep of every active session in scope, whatever its age. Protection
and dry run apply to both, as to any automatic stop.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper.config import settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.selection import Exemption
from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.domain.sweep import IN_PROGRESS, policy_for
from session_stopper.entrypoints.dependencies import stop_service
from session_stopper.entrypoints.events import (
    direct_origin,
    eventbridge_origin,
    reject,
)
from session_stopper.entrypoints.sweeps import lambda_deadline, run_sweep
from session_stopper.models.alarms import AlarmActionEvent, AlarmData, AlarmStateChangeEvent
from session_stopper.models.arn import session_arn_problem
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.rejection import Rejection, rejection_of
from session_stopper.models.sweep import SweepCommand
from session_stopper.observability import logger

ALARM_STATE = "ALARM"


def _alarm_origin(alarm_arn: str, correlation_id: str) -> Origin:
    return Origin.of(TriggerKind.ALARM, alarm_arn, correlation_id=correlation_id)


def handle_alarm_action(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        alarm = AlarmActionEvent.model_validate(event)
    except ValidationError as error:
        return reject(direct_origin(context), rejection_of(error.errors()))
    origin = _alarm_origin(alarm.alarm_arn, context.aws_request_id)
    return act_on_alarm(alarm.alarm_data, origin, context)


def handle_alarm_state_change(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        alarm = AlarmStateChangeEvent.model_validate(event)
    except ValidationError as error:
        return reject(eventbridge_origin(event, context), rejection_of(error.errors()))
    return act_on_alarm(alarm.detail, _alarm_origin(alarm.alarm_arn, alarm.id), context)


def act_on_alarm(alarm: AlarmData, origin: Origin, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(origin.correlation_id)
    answer: dict[str, Any] = {"alarm": origin.trigger.id, "state": alarm.state.value}
    suppressed = alarm.state.actions_suppressed_by
    if alarm.state.value != ALARM_STATE or suppressed:
        # A suppressed alarm's own actions do not run; its EventBridge event must not either.
        logger.info("alarm not acting", extra={**answer, "suppressed_by": suppressed})
        return {**answer, "action": "ignored"}
    arns = alarm.session_arns
    if arns:
        return {**answer, "action": "stop", "outcomes": _stop_named_sessions(arns, origin)}
    policy = policy_for(SweepCommand(), settings(), kill_switch=True)
    summary = run_sweep(policy, origin, lambda_deadline(context))
    return {**answer, "action": "killSwitch", "summary": summary.model_dump(mode="json")}


def _stop_named_sessions(arns: list[str], origin: Origin) -> list[dict[str, Any]]:
    """Every named session gets its chance; an outcome SNS refused is parked, then raised at
    the end so Lambda retries the alarm (the retry republishes the remembered outcomes)."""
    outcomes: list[dict[str, Any]] = []
    unpublished: list[OutcomeNotPublishedError] = []
    for arn in arns:
        try:
            outcomes.append(_stop_named(arn, origin))
        except OutcomeNotPublishedError as error:
            stop_service().park(error)
            unpublished.append(error)
        except IdempotencyAlreadyInProgressError:
            outcomes.append({"sessionArn": arn, "outcome": IN_PROGRESS})
    if unpublished:
        raise unpublished[0]
    return outcomes


def _stop_named(arn: str, origin: Origin) -> dict[str, Any]:
    problem = session_arn_problem(arn)
    if problem:
        rejection = Rejection(code="INVALID_ARN", message=f"SessionArn dimension: {problem}")
        return reject(origin, rejection, arn)
    current = settings()
    exemption = Exemption(protected=current.protected_name_pattern, dry_run=current.sweep_dry_run)
    message = stop_service().stop(arn, origin, exemption)
    answer: dict[str, Any] = message.model_dump(mode="json")
    return answer
