"""Expiry timer triggers: CloudTrail's record of a session created or stopped (arm, disarm), and
a session's schedule firing (warn, expire).

Like every event, a malformed one is published as REJECTED and returned, not raised.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper import clock
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.domain.timers.expiry import Expiry, Ignored
from session_stopper.entrypoints.dependencies import authority, expiry, stop_service
from session_stopper.entrypoints.events import direct_origin, eventbridge_origin, reject
from session_stopper.models.arn import arn_problem
from session_stopper.models.cloudtrail import (
    CREATE_SESSION,
    STOP_SESSION,
    CloudTrailEvent,
    CloudTrailRecord,
)
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.rejection import Rejection, rejection_of
from session_stopper.models.timer import TimerAction, TimerInput
from session_stopper.observability import logger

TIMERS_OFF = "TIMERS_OFF"
TOO_EARLY = "TOO_EARLY"
# Scheduler fires at or after a schedule's time, to the minute: anything earlier than this
# before the deadline is not a timer firing (a stale copy, a hand-made invoke) and stops nothing.
EARLY_TOLERANCE = timedelta(seconds=60)
_SCHEDULE_ARN_PREFIX = "arn:aws:scheduler:"


TIMERS_OFF_REJECTION = Rejection(
    code=TIMERS_OFF, message="this deployment has no expiry timers (no TIMER_SCHEDULE_GROUP)"
)


def _ignored(why: str) -> dict[str, Any]:
    logger.info("event ignored", extra={"why": why})
    return {"ignored": why}


def handle_cloudtrail(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    origin = eventbridge_origin(event, context).as_kind(TriggerKind.CLOUDTRAIL)
    logger.set_correlation_id(origin.correlation_id)
    try:
        record_event = parse(event=event, model=CloudTrailEvent)
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()))
    refusal = authority().record_refusal(record_event.account, record_event.detail)
    if refusal:
        return reject(origin, refusal)
    timers = expiry()
    if timers is None:
        return _ignored("timers are off")
    return _act_on_record(record_event.detail, origin, timers)


def _act_on_record(record: CloudTrailRecord, origin: Origin, timers: Expiry) -> dict[str, Any]:
    if record.error_code:
        return _ignored(f"the call failed ({record.error_code[:64]}): nothing to time")
    if record.event_name == CREATE_SESSION:
        message = timers.on_created(record, origin)
        if isinstance(message, Ignored):
            return _ignored(message.why)
        return message.model_dump(mode="json")
    if record.event_name == STOP_SESSION:
        return _disarm((record.request_parameters or {}).get("arn"), timers)
    return _ignored(f"{record.event_name[:64]} starts or ends no session")


def _disarm(arn: Any, timers: Expiry) -> dict[str, Any]:
    if not isinstance(arn, str) or arn_problem(arn, "session"):
        return _ignored("the stop names no valid session ARN")
    if authority().session_refusal(arn):
        return _ignored("out of scope")
    timers.on_stopped(arn)
    return {"disarmed": arn}


def _timer_origin(timer: TimerInput, context: LambdaContext) -> Origin:
    """Known by its schedule when Scheduler sent it; otherwise (a direct invoke) by request."""
    schedule = timer.schedule_arn or ""
    trigger_id = schedule if schedule.startswith(_SCHEDULE_ARN_PREFIX) else context.aws_request_id
    return Origin.of(TriggerKind.EXPIRY, trigger_id, context.aws_request_id)


def handle_timer(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    fallback = direct_origin(context).as_kind(TriggerKind.EXPIRY)
    logger.set_correlation_id(fallback.correlation_id)
    try:
        timer = parse(event=event, model=TimerInput)
    except ValidationError as error:
        return reject(fallback, rejection_of(error.errors()), event.get("arn"))
    origin = _timer_origin(timer, context)
    refusal = authority().session_refusal(timer.arn)
    if refusal:
        return reject(origin, refusal, timer.arn)
    timers = expiry()
    if timers is None:
        return reject(origin, TIMERS_OFF_REJECTION)
    early = timer.deadline_at - clock.now()
    if timer.action == TimerAction.EXPIRE.value and early > EARLY_TOLERANCE:
        message = f"the deadline {timer.deadline} is {early} away: a timer never fires early"
        return reject(origin, Rejection(code=TOO_EARLY, message=message), timer.arn)
    if timer.action == TimerAction.WARN.value:
        warning = timers.warn(timer, origin)
        return warning.model_dump(mode="json") if warning else _ignored("no warning due")
    return _expire(timer, origin, timers)


def _expire(timer: TimerInput, origin: Origin, timers: Expiry) -> dict[str, Any]:
    try:
        outcome = timers.on_fired(timer, origin)
    except OutcomeNotPublishedError as error:
        stop_service().park(error)
        raise
    if isinstance(outcome, Ignored):
        return _ignored(outcome.why)
    return outcome.model_dump(mode="json")
