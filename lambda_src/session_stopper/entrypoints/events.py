"""Asynchronous stop commands: EventBridge events and direct invokes.

A malformed event is published as REJECTED and returned, not raised: retrying cannot fix it. An
outcome that cannot be published raises, so Lambda retries and then keeps the event in the
function's on-failure destination.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.entrypoints.dependencies import authority, stop_service
from session_stopper.models.arn import session_arn_problem
from session_stopper.models.excerpt import InputExcerpt, excerpt_of
from session_stopper.models.outcome import Outcome, OutcomeError, TriggerKind
from session_stopper.models.rejection import Rejection, rejection_of
from session_stopper.models.requests import StopCommand
from session_stopper.observability import logger

SCHEDULE_SOURCES = frozenset({"aws.events", "aws.scheduler"})
# An event id as a bus gives it, within the bound of any caller text we repeat (EXCERPT_MAX).
_EVENT_ID = re.compile(r"[A-Za-z0-9._:/-]{1,64}", re.ASCII)


class StopEvent(EventBridgeModel):
    detail: StopCommand


def eventbridge_origin(event: dict[str, Any], context: LambdaContext) -> Origin:
    """An event is known by its id (`resources` is the sender's to fill, so it names nothing).
    EventBridge's ids are UUIDs; an id no bus would give (a direct invoke sets any JSON) is
    repeated to nobody: the invocation's own id stands in for it."""
    claimed = event.get("id")
    event_id = claimed if isinstance(claimed, str) and _EVENT_ID.fullmatch(claimed) else None
    return Origin.of(TriggerKind.EVENTBRIDGE, event_id or context.aws_request_id)


def scheduled_origin(event: dict[str, Any], context: LambdaContext) -> Origin:
    """A schedule names itself in `resources`: EventBridge and Scheduler fill it, no sender can
    (PutEvents refuses `aws.` sources)."""
    origin = eventbridge_origin(event, context).as_kind(TriggerKind.SCHEDULE)
    resources = event.get("resources")
    trusted = event.get("source") in SCHEDULE_SOURCES and isinstance(resources, list)
    if not (trusted and resources):
        return origin
    return Origin.of(TriggerKind.SCHEDULE, str(resources[0]), origin.correlation_id)


def direct_origin(context: LambdaContext) -> Origin:
    return Origin.of(TriggerKind.DIRECT, context.aws_request_id)


def reject(origin: Origin, rejection: Rejection, claimed_arn: Any = None) -> dict[str, Any]:
    """Publish a REJECTED outcome for an event that cannot be acted on."""
    arn, excerpt = _as_claimed(claimed_arn)
    message = outcome_message(
        Outcome.REJECTED,
        origin,
        arn=arn,
        error=OutcomeError(code=rejection.code, message=rejection.message),
        input_excerpt=excerpt,
    )
    logger.warning("event rejected", extra={"rejection": rejection.logged()})
    # A retry would be rejected again: parking keeps the outcome without a retry storm.
    stop_service().publish_or_park(message)
    return message.model_dump(mode="json")


def _as_claimed(claimed_arn: Any) -> tuple[str | None, InputExcerpt | None]:
    """A claimed ARN as a REJECTED outcome may repeat it: whole when it is a well-formed
    session ARN, else as an excerpt (every subscriber reads it, and none chose the text)."""
    if not isinstance(claimed_arn, str):
        return None, None
    if session_arn_problem(claimed_arn) is None:
        return claimed_arn, None
    return None, excerpt_of(claimed_arn)


def stop_or_park(arn: str, origin: Origin) -> dict[str, Any]:
    """Stop a session this deployment may act on; if the outcome cannot be published, park it
    and raise so Lambda retries the event."""
    refusal = authority().session_refusal(arn)
    if refusal:
        return reject(origin, refusal, arn)
    try:
        return stop_service().stop(arn, origin).model_dump(mode="json")
    except OutcomeNotPublishedError as error:
        stop_service().park(error)
        raise


def _claimed_arn(payload: Any) -> Any:
    return payload.get("arn") if isinstance(payload, dict) else None


def handle_stop_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    origin = eventbridge_origin(event, context)
    logger.set_correlation_id(origin.correlation_id)
    try:
        stop_event = parse(event=event, model=StopEvent)
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()), _claimed_arn(event.get("detail")))
    refusal = authority().sender_refusal(stop_event.account, stop_event.detail.arn)
    if refusal:
        return reject(origin, refusal, stop_event.detail.arn)
    return stop_or_park(stop_event.detail.arn, origin)


def handle_direct_stop(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    origin = direct_origin(context)
    logger.set_correlation_id(origin.correlation_id)
    try:
        command = parse(event=event, model=StopCommand)
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()), _claimed_arn(event))
    return stop_or_park(command.arn, origin)
