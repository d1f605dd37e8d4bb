"""Sweep triggers: scheduled rules, EventBridge Scheduler, sweep commands, POST /sweeps.

A scheduled rule without input sends a "Scheduled Event" whose detail is `{}` (EventBridge
Scheduler's EventBridge-shaped payload sends it as the string "{}"); a rule or schedule with
constant input sends that input as the whole event.
"""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from session_stopper.config import settings
from session_stopper.domain.deadline import Deadline
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweep import Sweeper, policy_for
from session_stopper.entrypoints.dependencies import stop_service, sweeper
from session_stopper.entrypoints.events import direct_origin, eventbridge_origin, reject
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.rejection import rejection_of
from session_stopper.models.sweep import SweepCommand, SweepPolicy, SweepSummary
from session_stopper.observability import logger

# Room to finish the stops in flight and publish the summary: a throttled Device Farm call
# alone may spend 15 s in backoff before its last attempt.
ASYNC_RESERVE_SECONDS = 60.0


def lambda_deadline(context: LambdaContext, reserve: float = ASYNC_RESERVE_SECONDS) -> Deadline:
    return Deadline(lambda: context.get_remaining_time_in_millis() / 1000, reserve)


def run_sweep(
    policy: SweepPolicy, origin: Origin, deadline: Deadline, runner: Sweeper | None = None
) -> SweepSummary:
    logger.set_correlation_id(origin.correlation_id)
    logger.info("sweep starting", extra={"policy": policy.model_dump()})
    summary = (runner or sweeper()).run(policy, origin, deadline)
    stop_service().publish_summary(summary)
    return summary


def _detail(event: dict[str, Any]) -> Any:
    detail = event.get("detail")
    if isinstance(detail, str):
        try:
            return json.loads(detail or "{}")
        except json.JSONDecodeError:
            return detail
    return detail


def _sweep_from(payload: Any, origin: Origin, context: LambdaContext) -> dict[str, Any]:
    try:
        command = SweepCommand.model_validate(payload if payload is not None else {})
    except ValidationError as error:
        return reject(origin, rejection_of(error.errors()))
    summary = run_sweep(policy_for(command, settings()), origin, lambda_deadline(context))
    return summary.model_dump(mode="json")


def handle_scheduled_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    origin = eventbridge_origin(event, context).as_kind(TriggerKind.SCHEDULE)
    return _sweep_from(_detail(event), origin, context)


def handle_sweep_event(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweep_from(_detail(event), eventbridge_origin(event, context), context)


def handle_constant_input(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return _sweep_from(event, direct_origin(context).as_kind(TriggerKind.SCHEDULE), context)
