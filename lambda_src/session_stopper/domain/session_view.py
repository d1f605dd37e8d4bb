"""The active sessions in scope, as an operator wants to see them before anything is stopped:
age, cost so far, budget, deadline, warning time, extensions, and whether the scheduled sweep
would stop each one now.

Read-only: it lists and reads tags, timers and the extension ledger, and never stops, publishes
or takes the sweep lock. The ledger is read once the listing is done, 100 sessions to a call
(gateways/extension_ledger.py): one read per session would be as many calls as sessions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from session_stopper import clock
from session_stopper.config import Settings
from session_stopper.domain import selection
from session_stopper.domain.accounts import AccountScope
from session_stopper.domain.session_budgets import EXEMPT, ProjectBudgets
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.listing import listing_failure, planned_session
from session_stopper.domain.timers.expiry import Expiry
from session_stopper.domain.timers.schedules import SessionTimers, deadline_of
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.gateways.extension_ledger import ExtensionLedger, LedgerReading
from session_stopper.gateways.organization import WithinDeadline
from session_stopper.models.arn import arn_parts
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import ListingFailure
from session_stopper.models.view import ActiveSession, ExtensionsUnread, SessionsView

PAST_DEADLINE = "PAST_DEADLINE"
WITHIN_BUDGET = "WITHIN_BUDGET"


@dataclass(frozen=True)
class _Seen:
    """A listed active session, before its extensions are read."""

    session: RemoteAccessSession
    project_arn: str
    budget: int | None
    armed: datetime | None  # its timer's deadline; None without one (or timers off)


class SessionViewer:
    def __init__(
        self,
        settings: Settings,
        gateway: DeviceFarmGateway,
        budgets: ProjectBudgets,
        expiry: Expiry | None,
        *,
        timers: SessionTimers | None = None,
        ledger: ExtensionLedger | None = None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        """`timers` and `ledger` are None when timers are off: then no session has a warning
        or can have been extended."""
        self._settings = settings
        self._gateway = gateway
        self._budgets = budgets
        self._expiry = expiry
        self._timers = timers
        self._ledger = ledger
        self._now = now

    def view(
        self, projects: tuple[str, ...], deadline: Deadline, ledger_deadline: Deadline
    ) -> SessionsView:
        """Every active session of `projects` (all of the account's when empty). A project is
        listed only before `deadline` expires, a ledger call made only before
        `ledger_deadline` does."""
        failures: list[ListingFailure] = []
        arns = projects or self._all_projects(failures, deadline)
        seen: list[_Seen] = []
        listed, not_reached = 0, []
        for index, project_arn in enumerate(arns):
            if deadline.expired():
                not_reached = list(arns[index:])
                break
            try:
                active = [s for s in self._listed(project_arn) if selection.is_active(s)]
                budget = self._budgets.of_project(project_arn)
            except DeviceFarmError as error:
                failures.append(listing_failure(error, project_arn))
                continue
            listed += 1
            seen += [self._seen(s, project_arn, budget.minutes) for s in active]
        reading = self._extensions(seen, ledger_deadline)
        described = [self._describe(one, reading) for one in seen]
        return SessionsView(
            dry_run=self._settings.sweep_dry_run,
            count=len(described),
            sessions=described,
            projects_listed=listed,
            projects_not_reached=not_reached,
            listing_failures=failures,
            extensions_unread=_unread(reading),
        )

    def _all_projects(self, failures: list[ListingFailure], deadline: Deadline) -> tuple[str, ...]:
        """Every project of every account in scope; an account that cannot be listed is a
        listing failure, and the others are listed."""
        arns: list[str] = []
        swept = AccountScope.of(self._settings).every_account(WithinDeadline(deadline.admits))
        unread = swept.organization_failure()
        if unread:
            failures.append(listing_failure(unread, None))
        for index, account in enumerate(swept.accounts):
            if index and deadline.expired():  # the rest are said, as projects not reached are
                failures.append(listing_failure(_out_of_time(), None, account))
                continue
            try:
                arns += [project.arn for project in self._gateway.list_projects(account)]
            except DeviceFarmError as error:
                failures.append(listing_failure(error, None, account))
        return tuple(arns)

    def _listed(self, project_arn: str) -> list[RemoteAccessSession]:
        return [s for page in self._gateway.session_pages(project_arn) for s in page]

    def _seen(self, session: RemoteAccessSession, project_arn: str, budget: int | None) -> _Seen:
        armed = self._expiry.armed_deadline(session.arn) if self._expiry else None
        return _Seen(session, project_arn, budget, armed)

    def _extensions(self, seen: Sequence[_Seen], deadline: Deadline) -> LedgerReading:
        """The latest deadline granted to each session that has a budget (an exempt project's
        sessions cannot be extended); without a ledger, none was."""
        arns = [one.session.arn for one in seen if one.budget is not None]
        if self._ledger is None or not arns:
            return LedgerReading(granted=dict.fromkeys(arns))
        return self._ledger.latest_of(arns, lambda: not deadline.expired())

    def _describe(self, seen: _Seen, reading: LedgerReading) -> ActiveSession:
        now = self._now()
        session, budget = seen.session, seen.budget
        created = session.created or session.started
        budget_deadline = deadline_of(created, budget) if created and budget else None
        granted = reading.granted.get(session.arn)
        moved = [moment for moment in (seen.armed, granted) if moment is not None]
        deadline = max(moved) if moved else budget_deadline
        reason = self._reason(session, budget, deadline, now)
        listed = planned_session(session, None, now, self._settings.price_per_device_minute)
        return ActiveSession(
            arn=session.arn,
            name=session.name,
            project_arn=seen.project_arn,
            device=listed.device,
            platform=listed.platform,
            status=session.status,
            billing_method=session.billing_method,
            age_minutes=listed.age_minutes,
            cost_so_far_usd=listed.cost_so_far_usd,
            budget_minutes=budget,
            deadline=deadline,
            warning_at=self._warning_at(seen.armed, now),
            extended_minutes=_extended_minutes(seen, reading, budget_deadline, deadline),
            extended_to=granted,
            timer_armed=seen.armed is not None,
            sweep_would_stop=reason == PAST_DEADLINE,
            reason=reason,
        )

    def _warning_at(self, armed: datetime | None, now: datetime) -> datetime | None:
        """When the pending warning schedule fires: the one armed with the timer, at its
        deadline minus the lead (SessionTimers.warning_time); none pending once that passed."""
        if self._timers is None or armed is None:
            return None
        warning_at = self._timers.warning_time(armed)
        return warning_at if warning_at and warning_at > now else None

    def _reason(
        self,
        session: RemoteAccessSession,
        budget: int | None,
        deadline: datetime | None,
        now: datetime,
    ) -> str:
        """What the scheduled sweep would do with it now, and why."""
        if budget is None:
            return EXEMPT
        if deadline is None or deadline > now:
            return WITHIN_BUDGET
        rules = self._settings.rules_for(arn_parts(session.arn).account)
        skip = selection.skip_reason(session, rules.protected_name_pattern, rules.dry_run)
        return skip or PAST_DEADLINE


def _out_of_time() -> DeviceFarmError:
    return DeviceFarmError("OUT_OF_TIME", "not listed within the request's 29 s", "ListProjects")


def _extended_minutes(
    seen: _Seen,
    reading: LedgerReading,
    budget_deadline: datetime | None,
    deadline: datetime | None,
) -> float | None:
    """How far the deadline in force is past the budget's; None when the ledger could not say
    (or the session has no creation time to count the budget from)."""
    if seen.budget is None:
        return 0.0
    if seen.session.arn not in reading.granted or budget_deadline is None or deadline is None:
        return None
    return round(max(0.0, (deadline - budget_deadline).total_seconds() / 60), 1)


def _unread(reading: LedgerReading) -> ExtensionsUnread | None:
    if not reading.unread:
        return None
    return ExtensionsUnread(
        operation="BatchGetItem",
        code=reading.code or "UNKNOWN",
        message=reading.message or "",
        sessions=len(reading.unread),
    )
