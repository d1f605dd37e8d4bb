"""The active sessions in scope, as an operator wants to see them before anything is stopped:
age, cost so far, budget, deadline, and whether the scheduled sweep would stop each one now.

Read-only: it lists and reads tags and timers, and never stops, publishes or takes the sweep lock.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from session_stopper import clock
from session_stopper.config import Settings
from session_stopper.domain import selection
from session_stopper.domain.session_budgets import EXEMPT, ProjectBudgets
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.listing import listing_failure, planned_session
from session_stopper.domain.timers.expiry import Expiry
from session_stopper.domain.timers.schedules import deadline_of
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import ListingFailure
from session_stopper.models.view import ActiveSession, SessionsView

PAST_DEADLINE = "PAST_DEADLINE"
WITHIN_BUDGET = "WITHIN_BUDGET"


class SessionViewer:
    def __init__(
        self,
        settings: Settings,
        gateway: DeviceFarmGateway,
        budgets: ProjectBudgets,
        expiry: Expiry | None,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._settings = settings
        self._gateway = gateway
        self._budgets = budgets
        self._expiry = expiry
        self._now = now

    def view(self, projects: tuple[str, ...], deadline: Deadline) -> SessionsView:
        """Every active session of `projects` (all of the account's when empty)."""
        failures: list[ListingFailure] = []
        arns = projects or self._all_projects(failures)
        described: list[ActiveSession] = []
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
            described += [self._describe(s, project_arn, budget.minutes) for s in active]
        return SessionsView(
            dry_run=self._settings.sweep_dry_run,
            count=len(described),
            sessions=described,
            projects_listed=listed,
            projects_not_reached=not_reached,
            listing_failures=failures,
        )

    def _all_projects(self, failures: list[ListingFailure]) -> tuple[str, ...]:
        try:
            return tuple(project.arn for project in self._gateway.list_projects())
        except DeviceFarmError as error:
            failures.append(listing_failure(error, None))
            return ()

    def _listed(self, project_arn: str) -> list[RemoteAccessSession]:
        return [s for page in self._gateway.session_pages(project_arn) for s in page]

    def _describe(
        self, session: RemoteAccessSession, project_arn: str, budget: int | None
    ) -> ActiveSession:
        now = self._now()
        armed = self._expiry.armed_deadline(session.arn) if self._expiry else None
        created = session.created or session.started
        deadline = armed or (deadline_of(created, budget) if created and budget else None)
        reason = self._reason(session, budget, deadline, now)
        listed = planned_session(session, None, now, self._settings.price_per_device_minute)
        return ActiveSession(
            arn=session.arn,
            name=session.name,
            project_arn=project_arn,
            device=listed.device,
            platform=listed.platform,
            status=session.status,
            billing_method=session.billing_method,
            age_minutes=listed.age_minutes,
            cost_so_far_usd=listed.cost_so_far_usd,
            budget_minutes=budget,
            deadline=deadline,
            timer_armed=armed is not None,
            sweep_would_stop=reason == PAST_DEADLINE,
            reason=reason,
        )

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
        skip = selection.skip_reason(
            session, self._settings.protected_name_pattern, self._settings.sweep_dry_run
        )
        return skip or PAST_DEADLINE
