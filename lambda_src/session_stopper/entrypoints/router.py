"""Which entry point an incoming event belongs to, judged by its shape alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from session_stopper.entrypoints import alarms, api, events, sweeps, timers
from session_stopper.entrypoints.events import direct_origin, reject
from session_stopper.models.rejection import UNRECOGNISED_EVENT, Rejection

Handler = Callable[[Any, LambdaContext], dict[str, Any]]

STOP_DETAIL_TYPE = "Stop Remote Access Session"
SWEEP_DETAIL_TYPE = "Sweep Remote Access Sessions"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"
ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
TIMER_ACTIONS = frozenset({"expire", "warn"})

_BY_DETAIL_TYPE: dict[str, Handler] = {
    STOP_DETAIL_TYPE: events.handle_stop_event,
    SWEEP_DETAIL_TYPE: sweeps.handle_sweep_event,
    SCHEDULED_DETAIL_TYPE: sweeps.handle_scheduled_event,
    ALARM_DETAIL_TYPE: alarms.handle_alarm_state_change,
    CLOUDTRAIL_DETAIL_TYPE: timers.handle_cloudtrail,
}


def _unrecognised(event: Any, context: LambdaContext) -> dict[str, Any]:
    shape = sorted(event)[:10] if isinstance(event, dict) else type(event).__name__
    rejection = Rejection(
        code=UNRECOGNISED_EVENT,
        message=f"not an API, EventBridge, alarm, sweep or stop event (keys: {shape})",
    )
    return reject(direct_origin(context), rejection)


def _is_api(event: dict[str, Any]) -> bool:
    context = event.get("requestContext")
    return (
        "httpMethod" in event
        and isinstance(context, dict)
        and isinstance(context.get("requestId"), str)
    )


def _is_eventbridge(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "source" in event


def _is_alarm_action(event: dict[str, Any]) -> bool:
    return event.get("source") == "aws.cloudwatch" and "alarmData" in event


def _is_timer(event: dict[str, Any]) -> bool:
    action = event.get("action")
    return isinstance(action, str) and action in TIMER_ACTIONS


def _eventbridge(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Any detail-type but the known ones is a stop command; its detail names the session.
    handler: Handler = _BY_DETAIL_TYPE.get(str(event["detail-type"]), events.handle_stop_event)
    return handler(event, context)


_BY_SHAPE: list[tuple[Callable[[dict[str, Any]], bool], Handler]] = [
    (_is_api, api.handle),
    (_is_eventbridge, _eventbridge),
    (_is_alarm_action, alarms.handle_alarm_action),
    # Constant input names its action: a session's schedule says expire or warn; the sweep
    # command refuses any other action but "sweep".
    (_is_timer, timers.handle_timer),
    (lambda event: "action" in event, sweeps.handle_constant_input),
    (lambda event: "arn" in event, events.handle_direct_stop),
]


def route(event: Any) -> Handler:
    if not isinstance(event, dict):
        return _unrecognised
    return next((handler for matches, handler in _BY_SHAPE if matches(event)), _unrecognised)
