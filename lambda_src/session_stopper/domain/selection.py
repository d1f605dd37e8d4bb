"""Which sessions a sweep acts on: pure functions of the sessions, the policy and the time."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from pydantic import BaseModel, ConfigDict

from session_stopper.account_settings import AccountRules
from session_stopper.models.enums import ENDED_STATUSES, BillingMethod
from session_stopper.models.outcome import SessionSummary
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import SweepPolicy

# Device Farm ends every remote access session 150 minutes after it starts.
SESSION_LIMIT_MINUTES = 150.0


def age_minutes(started: datetime | None, created: datetime | None, now: datetime) -> float:
    """Age from `started`, else `created`; a session with neither has no age yet."""
    since = started or created
    return max(0.0, (now - since).total_seconds() / 60) if since else 0.0


def is_active(session: RemoteAccessSession) -> bool:
    return session.status not in ENDED_STATUSES


def select(
    sessions: Iterable[RemoteAccessSession], policy: SweepPolicy, now: datetime
) -> list[RemoteAccessSession]:
    """Active sessions older than the policy's age; the kill switch ignores age."""
    return [
        session
        for session in sessions
        if is_active(session)
        and (
            policy.kill_switch
            or age_minutes(session.started, session.created, now) > policy.max_age_minutes
        )
    ]


PROTECTED = "PROTECTED"
DRY_RUN = "DRY_RUN"


class Exemption(BaseModel):
    """What an automatic stop must leave alone: protected names, everything under a dry run."""

    model_config = ConfigDict(frozen=True)

    protected: re.Pattern[str] | None = None
    dry_run: bool = False

    @classmethod
    def of(cls, rules: AccountRules) -> Exemption:
        """The operator's exemption for a session of an account with these rules."""
        return cls(protected=rules.protected_name_pattern, dry_run=rules.dry_run)

    def reason(self, session: RemoteAccessSession) -> str | None:
        return skip_reason(session, self.protected, self.dry_run)


def skip_reason(
    session: RemoteAccessSession, protected: re.Pattern[str] | None, dry_run: bool
) -> str | None:
    """Why an automatic stop must leave this session alone, or None to stop it. The pattern
    must match the whole name: whoever creates a session chooses its name, and must not earn
    protection by putting the operator's word somewhere in it (or after a newline)."""
    if protected and session.name and protected.fullmatch(session.name):
        return PROTECTED
    return DRY_RUN if dry_run else None


def metered_minutes_saved(session: SessionSummary | None, now: datetime) -> float:
    """Minutes a stopped metered session would still have billed before the 150-minute limit."""
    if session is None or session.billing_method != BillingMethod.METERED:
        return 0.0
    return max(0.0, SESSION_LIMIT_MINUTES - age_minutes(session.started, session.created, now))
