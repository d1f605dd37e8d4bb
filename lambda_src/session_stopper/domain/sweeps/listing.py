"""What a sweep tells a person about each session it acts on (or, in a dry run, would)."""

from __future__ import annotations

from datetime import datetime

from session_stopper.domain.selection import age_minutes
from session_stopper.gateways.devicefarm import DeviceFarmError
from session_stopper.models.arn import arn_parts
from session_stopper.models.enums import BillingMethod
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import ListingFailure, PlannedSession, SweepAction

SELECTED = "SELECTED"
MAX_LISTED_SESSIONS = 100  # with the rest of the summary, far below SNS's 256 KiB


def planned_session(
    session: RemoteAccessSession, skip_reason: str | None, now: datetime, price: float
) -> PlannedSession:
    age = age_minutes(session.started, session.created, now)
    minutes = session.device_minutes
    metered = session.billing_method == BillingMethod.METERED
    # Device Farm fills deviceMinutes when a session ends; until then its age is what it costs.
    billed = minutes.metered if minutes and minutes.metered is not None else age
    device = session.device
    return PlannedSession(
        arn=session.arn,
        name=session.name,
        device=device.name if device else None,
        platform=device.platform if device else None,
        status=session.status,
        age_minutes=round(age, 1),
        device_minutes=minutes.total if minutes else None,
        cost_so_far_usd=round(billed * price, 2) if metered else 0.0,
        action=SweepAction.SKIP if skip_reason else SweepAction.STOP,
        reason=skip_reason or SELECTED,
    )


def listing_failure(
    error: DeviceFarmError, project_arn: str | None, account: str | None = None
) -> ListingFailure:
    """A listing Device Farm refused; `project_arn` None when ListProjects itself failed."""
    return ListingFailure(
        operation=error.operation,
        project_arn=project_arn,
        account=account or (arn_parts(project_arn).account if project_arn else None),
        code=error.code,
        message=error.message,
    )
