"""Which entry point an incoming event belongs to, judged by its shape alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from session_stopper.entrypoints import api, events
from session_stopper.entrypoints.events import direct_origin, reject
from session_stopper.models.rejection import UNRECOGNISED_EVENT, Rejection

Handler = Callable[[Any, LambdaContext], dict[str, Any]]

STOP_DETAIL_TYPE = "Stop Remote Access Session"


def _unrecognised(event: Any, context: LambdaContext) -> dict[str, Any]:
    shape = sorted(event)[:10] if isinstance(event, dict) else type(event).__name__
    rejection = Rejection(
        code=UNRECOGNISED_EVENT,
        message=f"not an API, EventBridge, alarm or stop event (keys: {shape})",
    )
    return reject(direct_origin(context), rejection)


def route(event: Any) -> Handler:
    if not isinstance(event, dict):
        return _unrecognised
    if "httpMethod" in event and "requestContext" in event:
        return api.handle
    if "detail-type" in event and "source" in event:
        return events.handle_stop_event
    if "arn" in event:
        return events.handle_direct_stop
    return _unrecognised
