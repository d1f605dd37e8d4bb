"""CloudWatch alarms: the Lambda alarm action and EventBridge "Alarm State Change".

Only a transition to ALARM acts. An alarm whose metric (or one of its metric-math inputs)
carries a SessionArn dimension stops that session; any other alarm, composite ones included,
pulls the kill switch: a sweep of every active session in scope, whatever its age.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper.config import settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweep import policy_for
from session_stopper.entrypoints.events import (
    direct_origin,
    eventbridge_origin,
    reject,
    stop_or_park,
)
from session_stopper.entrypoints.sweeps import lambda_deadline, run_sweep
from session_stopper.models.alarms import AlarmActionEvent, AlarmData, AlarmStateChangeEvent
from session_stopper.models.arn import session_arn_problem
from session_stopper.models.outcome import Trigger, TriggerKind
from session_stopper.models.rejection import Rejection, rejection_of
from session_stopper.models.sweep import SweepCommand
from session_stopper.observability import logger

ALARM_STATE = "ALARM"


def _alarm_origin(alarm_arn: str, correlation_id: str) -> Origin:
    return Origin(
        trigger=Trigger(kind=TriggerKind.ALARM, id=alarm_arn), correlation_id=correlation_id
    )


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
    state = alarm.state.value
    if state != ALARM_STATE:
        logger.info(
            "alarm not in ALARM: nothing to do", extra={"alarm": origin.trigger.id, "state": state}
        )
        return {"alarm": origin.trigger.id, "state": state, "action": "ignored"}
    arns = alarm.session_arns
    if arns:
        outcomes = [_stop_named(arn, origin) for arn in arns]
        return {"alarm": origin.trigger.id, "state": state, "action": "stop", "outcomes": outcomes}
    policy = policy_for(SweepCommand(), settings(), kill_switch=True)
    summary = run_sweep(policy, origin, lambda_deadline(context))
    return {
        "alarm": origin.trigger.id,
        "state": state,
        "action": "killSwitch",
        "summary": summary.model_dump(mode="json"),
    }


def _stop_named(arn: str, origin: Origin) -> dict[str, Any]:
    problem = session_arn_problem(arn)
    if problem:
        rejection = Rejection(code="INVALID_ARN", message=f"SessionArn dimension: {problem}")
        return reject(origin, rejection, arn)
    return stop_or_park(arn, origin)
