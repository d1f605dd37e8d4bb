"""The `timer` notices the arming path publishes: armed, exempt, not armed, unmatched.

They carry no state of their own, so they are built here, apart from what decides them
(expiry.py).
"""

from __future__ import annotations

from session_stopper.domain.outcomes import Origin
from session_stopper.domain.session_budgets import Budget
from session_stopper.models.outcome import OutcomeError
from session_stopper.models.timer import TimerMessage, TimerStatus
from session_stopper.observability import logger


def timer_notice(
    status: TimerStatus, origin: Origin, arn: str | None, budget: Budget | None = None
) -> TimerMessage:
    return TimerMessage(
        status=status,
        correlation_id=origin.correlation_id,
        trigger=origin.trigger,
        session_arn=arn,
        budget_minutes=budget.minutes if budget else None,
        budget_source=budget.source if budget else None,
    )


def not_armed(
    arn: str | None,
    origin: Origin,
    code: str,
    error: Exception,
    project_arn: str | None = None,
) -> TimerMessage:
    logger.warning("timer not armed", extra={"code": code, "session_arn": arn})
    message = timer_notice(TimerStatus.NOT_ARMED, origin, arn)
    return message.model_copy(
        update={
            "project_arn": project_arn,
            "error": OutcomeError(code=code, message=str(error)[:500]),
        }
    )


def unmatched(origin: Origin, why: str) -> TimerMessage:
    message = timer_notice(TimerStatus.UNMATCHED, origin, None)
    return message.model_copy(update={"error": OutcomeError(code="UNMATCHED", message=why)})
