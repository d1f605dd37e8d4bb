"""Which entry point an incoming event belongs to, judged by its shape alone.

Each route's module is imported the first time an event takes that route: a cold start without
SnapStart pays only for the route it serves (the API's resolver and models are not loaded for a
scheduled sweep). With SnapStart, session_stopper/priming.py imports them all before the
snapshot (ROUTE_MODULES).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

Handler = Callable[[Any, LambdaContext], dict[str, Any]]
_PACKAGE = "session_stopper.entrypoints"
ROUTE_MODULES = ("alarms", "api", "events", "queued_commands", "sweeps", "timers")


def _lazy(module: str, name: str) -> Handler:
    """`<module>.<name>`, imported on the first call."""

    def handler(event: Any, context: LambdaContext) -> dict[str, Any]:
        target: Handler = getattr(importlib.import_module(f"{_PACKAGE}.{module}"), name)
        return target(event, context)

    handler.__qualname__ = handler.__name__ = f"{module}.{name}"
    return handler


class _Routes:
    """The handlers, one lazy reference each (module name, function name)."""

    stop_event = _lazy("events", "handle_stop_event")
    direct_stop = _lazy("events", "handle_direct_stop")
    sweep_event = _lazy("sweeps", "handle_sweep_event")
    scheduled = _lazy("sweeps", "handle_scheduled_event")
    constant_input = _lazy("sweeps", "handle_constant_input")
    continuation = _lazy("sweeps", "handle_continuation")
    alarm_state_change = _lazy("alarms", "handle_alarm_state_change")
    alarm_action = _lazy("alarms", "handle_alarm_action")
    cloudtrail = _lazy("timers", "handle_cloudtrail")
    timer = _lazy("timers", "handle_timer")
    api = _lazy("api", "handle")
    queued_commands = _lazy("queued_commands", "handle_queued_commands")


STOP_DETAIL_TYPE = "Stop Remote Access Session"
SWEEP_DETAIL_TYPE = "Sweep Remote Access Sessions"
SCHEDULED_DETAIL_TYPE = "Scheduled Event"
ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
TIMER_ACTIONS = frozenset({"expire", "warn"})
CONTINUE_ACTION = "continueSweep"  # models/continuation.py, not imported: routing stays light

_BY_DETAIL_TYPE: dict[str, Handler] = {
    STOP_DETAIL_TYPE: _Routes.stop_event,
    SWEEP_DETAIL_TYPE: _Routes.sweep_event,
    SCHEDULED_DETAIL_TYPE: _Routes.scheduled,
    ALARM_DETAIL_TYPE: _Routes.alarm_state_change,
    CLOUDTRAIL_DETAIL_TYPE: _Routes.cloudtrail,
}


def _unrecognised(event: Any, context: LambdaContext) -> dict[str, Any]:
    # Lazily, like the routes: the rare unrecognised event pays for these, no other.
    from session_stopper.entrypoints.events import direct_origin, reject  # noqa: PLC0415
    from session_stopper.models.excerpt import quoted  # noqa: PLC0415
    from session_stopper.models.rejection import UNRECOGNISED_EVENT, Rejection  # noqa: PLC0415

    # The keys are the sender's text: one excerpt of them all, as any refused input.
    shape = quoted(", ".join(sorted(event))) if isinstance(event, dict) else type(event).__name__
    rejection = Rejection(
        code=UNRECOGNISED_EVENT,
        message=f"not an API, EventBridge, alarm, sweep or stop event (keys: {shape})",
    )
    return reject(direct_origin(context), rejection)


def _is_api(event: dict[str, Any]) -> bool:
    """Shaped like an API Gateway request: answered as the API answers (a 4xx proxy response
    when it is no request API Gateway sends), never as a direct invoke, whatever else is wrong
    with it (an empty or missing method, no request id)."""
    return "httpMethod" in event or "requestContext" in event


def _is_sqs_batch(event: dict[str, Any]) -> bool:
    """The command queue's event source mapping: a batch of records from SQS."""
    records = event.get("Records")
    return (
        isinstance(records, list)
        and bool(records)
        and isinstance(records[0], dict)
        and records[0].get("eventSource") == "aws:sqs"
    )


def _is_eventbridge(event: dict[str, Any]) -> bool:
    return "detail-type" in event and "source" in event


def _is_alarm_action(event: dict[str, Any]) -> bool:
    return event.get("source") == "aws.cloudwatch" and "alarmData" in event


def _is_timer(event: dict[str, Any]) -> bool:
    action = event.get("action")
    return isinstance(action, str) and action in TIMER_ACTIONS


def _is_continuation(event: dict[str, Any]) -> bool:
    return event.get("action") == CONTINUE_ACTION


def _eventbridge(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    # Any detail-type but the known ones is a stop command; its detail names the session.
    handler: Handler = _BY_DETAIL_TYPE.get(str(event["detail-type"]), _Routes.stop_event)
    return handler(event, context)


_BY_SHAPE: list[tuple[Callable[[dict[str, Any]], bool], Handler]] = [
    (_is_api, _Routes.api),
    (_is_sqs_batch, _Routes.queued_commands),
    (_is_eventbridge, _eventbridge),
    (_is_alarm_action, _Routes.alarm_action),
    # Constant input names its action: a session's schedule says expire or warn; the sweep
    # command refuses any other action but "sweep".
    (_is_timer, _Routes.timer),
    (_is_continuation, _Routes.continuation),
    (lambda event: "action" in event, _Routes.constant_input),
    (lambda event: "arn" in event, _Routes.direct_stop),
]


def route(event: Any) -> Handler:
    if not isinstance(event, dict):
        return _unrecognised
    return next((handler for matches, handler in _BY_SHAPE if matches(event)), _unrecognised)
