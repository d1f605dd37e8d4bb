"""Sweep triggers: scheduled rules, EventBridge Scheduler, sweep commands, POST /sweeps, and
a sweep's own continuation.

A scheduled rule without input sends a "Scheduled Event" whose detail is `{}` (EventBridge
Scheduler's EventBridge-shaped payload sends it as the string "{}"); a rule or schedule with
constant input sends that input as the whole event. A sweep that runs out of time sends
`{"action": "continueSweep", ...}` (models/continuation.py; domain/sweeps/chain.py).
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper.config import settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweeps.chain import ChainLink, Relay
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.handoff import HandoffMissingError
from session_stopper.entrypoints.dependencies import (
    authority,
    function_invoker,
    stop_service,
    sweeper,
)
from session_stopper.entrypoints.events import (
    direct_origin,
    eventbridge_origin,
    reject,
    scheduled_origin,
)
from session_stopper.models.continuation import ContinuationEvent
from session_stopper.models.outcome import Trigger, TriggerKind
from session_stopper.models.rejection import Rejection, RejectionDetail, rejection_of
from session_stopper.models.sweep import SweepCommand, SweepPolicy, SweepSummary
from session_stopper.observability import logger

# Room to finish the stops in flight and publish the summary: a throttled Device Farm call
# alone may spend 15 s in backoff before its last attempt.
ASYNC_RESERVE_SECONDS = 60.0
CONTINUATION_NOT_EXPECTED = "CONTINUATION_NOT_EXPECTED"


class CommandEnvelope(EventBridgeModel):
    """Any EventBridge event carrying a sweep command; Scheduler may send `detail` as text."""

    detail: Any


def lambda_deadline(context: LambdaContext, reserve: float = ASYNC_RESERVE_SECONDS) -> Deadline:
    return Deadline(lambda: context.get_remaining_time_in_millis() / 1000, reserve)


def relay(context: LambdaContext, *, interactive: bool = False) -> Relay:
    """How this invocation starts its continuation: CONTINUATION_TARGET_ARN (the stack sets the
    `live` alias with SnapStart), else the ARN this invocation was invoked by."""
    target = settings().continuation_target_arn or context.invoked_function_arn
    return Relay(function_invoker(interactive), target)


def run_sweep(
    policy: SweepPolicy,
    origin: Origin,
    deadline: Deadline,
    context: LambdaContext,
    *,
    interactive: bool = False,
    link: ChainLink | None = None,
) -> SweepSummary:
    """Sweep and publish the summary; an API caller whose sweep yielded hears it directly.
    Work left undone continues in a new invocation (domain/sweeps/chain.py)."""
    logger.set_correlation_id(origin.correlation_id)
    logger.info("sweep starting", extra={"policy": policy.model_dump()})
    summary = sweeper(interactive).run(
        policy, origin, deadline, link=link, relay=relay(context, interactive=interactive)
    )
    if not (interactive and summary.yielded_to):
        stop_service(interactive).publish_summary(summary)
    return summary


def _detail(detail: Any) -> Any:
    """Scheduler sends `detail` as JSON text; text that is not JSON is left for the model to
    refuse (as INVALID_JSON), deep or huge as it may be."""
    if isinstance(detail, str):
        try:
            return json.loads(detail or "{}")
        except (ValueError, RecursionError):
            return detail
    return detail


def _sweep_from(payload: Any, origin: Origin, context: LambdaContext) -> dict[str, Any]:
    try:
        command = parse(event=payload if payload is not None else {}, model=SweepCommand)
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()))
    policy = authority().sweep_policy(command)
    if isinstance(policy, Rejection):
        return reject(origin, policy)
    return run_sweep(policy, origin, lambda_deadline(context), context).model_dump(mode="json")


def _sweep_from_event(
    event: dict[str, Any], origin: Origin, context: LambdaContext
) -> dict[str, Any]:
    try:
        envelope = parse(event=event, model=CommandEnvelope)
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()))
    refusal = authority().event_account_refusal(envelope.account)
    if refusal:
        return reject(origin, refusal)
    return _sweep_from(_detail(envelope.detail), origin, context)


def handle_scheduled_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweep_from_event(event, scheduled_origin(event, context), context)


def handle_sweep_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweep_from_event(event, eventbridge_origin(event, context), context)


def handle_constant_input(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweep_from(event, direct_origin(context).as_kind(TriggerKind.SCHEDULE), context)


def handle_continuation(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The next link of a sweep chain: its frozen policy checked again, run only with its
    chain's ticket from the sweep lock (else REJECTED, nothing done)."""
    try:
        continuation = parse(event=event, model=ContinuationEvent)
    except ValidationError as error:
        return reject(direct_origin(context), rejection_of(error.errors()))
    trigger = continuation.trigger
    origin = Origin(
        trigger=Trigger(kind=trigger.trigger_kind, id=trigger.id),
        correlation_id=continuation.correlation_id,
    )
    logger.append_keys(chain_id=continuation.chain_id, chain_link=continuation.link)
    policy = authority().continuation_policy(continuation.policy)
    if isinstance(policy, Rejection):
        return reject(origin, policy)
    link = ChainLink.of(continuation)
    try:
        summary = run_sweep(policy, origin, lambda_deadline(context), context, link=link)
    except HandoffMissingError as error:
        detail = RejectionDetail(
            field="chainId", code=CONTINUATION_NOT_EXPECTED, message=str(error)
        )
        rejection = Rejection(code=CONTINUATION_NOT_EXPECTED, message=str(error), details=[detail])
        return reject(origin, rejection)
    return summary.model_dump(mode="json")
