"""CloudWatch alarms: the Lambda alarm action and EventBridge "Alarm State Change".

An alarm acts only if the operator named it: a session alarm (`SESSION_ALARM_NAMES` or the
`SESSION_ALARM_NAME_PREFIX`) stops the sessions its metrics name in a `SessionArn` dimension,
and only a kill-switch alarm (`KILL_SWITCH_ALARM_NAMES`) sweeps every active session. A session
alarm whose dimension is missing, empty or not a session ARN is refused, never widened into a
kill switch. Only a transition to ALARM acts, not while its actions are suppressed, not when the
event is older than `ALARM_MAX_AGE_MINUTES` (a late retry must not stop sessions after the alarm
cleared). The alarm itself, read with DescribeAlarms, is the authority over the event: it must be
in ALARM now, have entered it recently, and (a session alarm) name the sessions the event names,
so a forged or replayed event cannot act beyond what the alarm does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper import clock
from session_stopper.config import Settings, settings
from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.selection import Exemption
from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.domain.sweeps.report import IN_PROGRESS
from session_stopper.entrypoints.dependencies import alarm_gateway, authority, stop_service
from session_stopper.entrypoints.events import direct_origin, eventbridge_origin, reject
from session_stopper.entrypoints.sweeps import lambda_deadline, run_sweep
from session_stopper.gateways.alarms import AlarmLookupError, DescribedAlarm
from session_stopper.models.alarms import (
    SESSION_ARN_DIMENSION,
    AlarmActionEvent,
    AlarmData,
    AlarmStateChangeEvent,
)
from session_stopper.models.arn import arn_parts, session_arn_problem
from session_stopper.models.excerpt import quoted
from session_stopper.models.outcome import Outcome, OutcomeError, TriggerKind
from session_stopper.models.rejection import Rejection, rejection_of
from session_stopper.observability import logger

ALARM_STATE = "ALARM"
ALARM_EXPIRED = "ALARM_EXPIRED"
# A clock may run a little ahead; an event from further in the future is not believed.
CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class FiredAlarm:
    arn: str
    time: datetime
    data: AlarmData


def handle_alarm_action(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        alarm = parse(event=event, model=AlarmActionEvent)
    except ValidationError as error:
        return reject(direct_origin(context), rejection_of(error.errors()))
    origin = Origin.of(TriggerKind.ALARM, alarm.alarm_arn, correlation_id=context.aws_request_id)
    return act_on_alarm(FiredAlarm(alarm.alarm_arn, alarm.time, alarm.alarm_data), origin, context)


def handle_alarm_state_change(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fallback = eventbridge_origin(event, context)
    try:
        alarm = parse(event=event, model=AlarmStateChangeEvent)
    except ValidationError as error:
        return reject(fallback, rejection_of(error.errors()))
    refusal = authority().event_account_refusal(alarm.account)
    if refusal:
        return reject(fallback, refusal)
    origin = Origin.of(TriggerKind.ALARM, alarm.alarm_arn, correlation_id=alarm.id)
    return act_on_alarm(FiredAlarm(alarm.alarm_arn, alarm.time, alarm.detail), origin, context)


def act_on_alarm(alarm: FiredAlarm, origin: Origin, context: LambdaContext) -> dict[str, Any]:
    logger.set_correlation_id(origin.correlation_id)
    data = alarm.data
    answer: dict[str, Any] = {"alarm": origin.trigger.id, "state": data.state.value}
    if data.state.value != ALARM_STATE or data.state.actions_suppressed_by:
        # A suppressed alarm's own actions do not run; its EventBridge event must not either.
        logger.info(
            "alarm not acting", extra={**answer, "suppressed_by": data.state.actions_suppressed_by}
        )
        return {**answer, "action": "ignored"}
    current = settings()
    blocked = _why_not_act(alarm, origin, answer, current)
    if blocked is not None:
        return blocked
    if data.alarm_name in current.kill_switch_alarm_names:
        policy = authority().kill_switch_policy()
        summary = run_sweep(policy, origin, lambda_deadline(context), context)
        return {**answer, "action": "killSwitch", "summary": summary.model_dump(mode="json")}
    arns = list(dict.fromkeys(data.session_dimensions))
    return {**answer, "action": "stop", "outcomes": _stop_named_sessions(arns, origin, current)}


def _why_not_act(
    alarm: FiredAlarm, origin: Origin, answer: dict[str, Any], current: Settings
) -> dict[str, Any] | None:
    """None when the alarm may act; else what to answer instead (published where it says so)."""
    refusal = _refusal(alarm, current)
    if refusal:
        return reject(origin, refusal)
    if _too_old(alarm.time, current):
        return _expired(origin, alarm.time, current)
    described = _described(alarm, origin)
    if not isinstance(described, DescribedAlarm):
        return described
    return _why_not_now(described, alarm, origin, answer, current)


def _why_not_now(
    described: DescribedAlarm,
    alarm: FiredAlarm,
    origin: Origin,
    answer: dict[str, Any],
    current: Settings,
) -> dict[str, Any] | None:
    """What CloudWatch says now is the authority, not what the event claims: the alarm must
    still be in ALARM, have entered it recently, and (a session alarm) name the same sessions."""
    if described.state != ALARM_STATE:
        logger.info("alarm no longer in ALARM", extra={"state_now": described.state})
        return {**answer, "action": "ignored", "stateNow": described.state}
    entered = described.entered_state
    if entered and _too_old(entered, current):
        return _expired(origin, entered, current)
    named = set(alarm.data.session_dimensions)
    kill_switch = alarm.data.alarm_name in current.kill_switch_alarm_names
    if not kill_switch and described.dimension_values(SESSION_ARN_DIMENSION) != named:
        rejection = Rejection(
            code="INVALID_ALARM",
            message="the alarm's SessionArn dimensions are not the ones this event names",
        )
        return reject(origin, rejection)
    return None


def _too_old(moment: datetime, current: Settings) -> bool:
    return clock.now() - moment > timedelta(minutes=current.alarm_max_age_minutes)


def _refusal(alarm: FiredAlarm, current: Settings) -> Rejection | None:
    """Why this alarm event must not act at all, checked before any AWS call."""
    name = alarm.data.alarm_name
    if not alarm.arn.endswith(f":alarm:{name}") or not alarm.arn.startswith("arn:"):
        return Rejection(code="INVALID_ALARM", message="the alarm ARN does not name the alarm")
    if alarm.time - clock.now() > CLOCK_SKEW:
        return Rejection(code="INVALID_VALUE", message="the alarm event is dated in the future")
    if name in current.kill_switch_alarm_names:
        return None
    prefix = current.session_alarm_name_prefix
    if name not in current.session_alarm_names and not (prefix and name.startswith(prefix)):
        return Rejection(
            code="ALARM_NOT_ALLOWED",
            message=f"alarm {quoted(name)} is neither a session alarm nor a kill switch here",
        )
    return _dimension_refusal(alarm.data.session_dimensions)


def _dimension_refusal(values: list[str]) -> Rejection | None:
    if not values:
        return Rejection(
            code="INVALID_ARN",
            message="a session alarm needs a SessionArn dimension naming the session to stop",
        )
    for value in values:
        problem = session_arn_problem(value)
        if problem:
            return Rejection(code="INVALID_ARN", message=f"SessionArn dimension: {problem}")
        refusal = authority().session_refusal(value, field="SessionArn")
        if refusal:
            return refusal
    return None


def _expired(origin: Origin, fired: datetime, current: Settings) -> dict[str, Any]:
    minutes = (clock.now() - fired).total_seconds() / 60
    error = OutcomeError(
        code=ALARM_EXPIRED,
        message=f"the alarm fired {minutes:.0f} minutes ago, more than ALARM_MAX_AGE_MINUTES "
        f"({current.alarm_max_age_minutes}); nothing was stopped",
    )
    message = outcome_message(Outcome.SKIPPED, origin, arn=None, error=error, reason=ALARM_EXPIRED)
    stop_service().publish_or_park(message)
    return message.model_dump(mode="json")


def _described(alarm: FiredAlarm, origin: Origin) -> DescribedAlarm | dict[str, Any]:
    """The alarm as CloudWatch has it now; else the outcome to answer with: FAILED when
    CloudWatch cannot say, REJECTED when this account and region hold no such alarm."""
    name = alarm.data.alarm_name
    try:
        described = alarm_gateway().current(
            name, composite=name in settings().kill_switch_alarm_names
        )
    except AlarmLookupError as error:
        failure = OutcomeError(code=error.code, message=f"DescribeAlarms: {error.message}")
        message = outcome_message(Outcome.FAILED, origin, arn=None, error=failure)
        stop_service().publish_or_park(message)
        return message.model_dump(mode="json")
    if described is None or described.arn != alarm.arn:
        rejection = Rejection(
            code="ALARM_NOT_FOUND", message="no such alarm in this account and region"
        )
        return reject(origin, rejection)
    return described


def _stop_named_sessions(
    arns: list[str], origin: Origin, current: Settings
) -> list[dict[str, Any]]:
    """Every named session gets its chance; an outcome SNS refused is parked, then raised at
    the end so Lambda retries the alarm (the retry republishes the remembered outcomes)."""
    outcomes: list[dict[str, Any]] = []
    unpublished: list[OutcomeNotPublishedError] = []
    for arn in arns:
        exemption = Exemption.of(current.rules_for(arn_parts(arn).account))
        try:
            outcomes.append(stop_service().stop(arn, origin, exemption).model_dump(mode="json"))
        except OutcomeNotPublishedError as error:
            stop_service().park(error)
            unpublished.append(error)
        except IdempotencyAlreadyInProgressError:
            outcomes.append({"sessionArn": arn, "outcome": IN_PROGRESS})
    if unpublished:
        raise unpublished[0]
    return outcomes
