"""What a sweep finds in scope: its projects and their sessions, listed page by page, and which
of the active ones are due (past their deadline, or older than the sweep's age).

Every link of a chain lists projects in one order (domain/sweeps/chain.py) and selects as of
the chain's first "now", so the selection does not change from link to link. A project that
cannot be listed, or whose tags cannot be read, is reported and skipped: it never ends the
sweep, and its exemption is never guessed.
"""

from __future__ import annotations

from datetime import datetime

from session_stopper.config import Settings
from session_stopper.domain import selection
from session_stopper.domain.accounts import AccountScope
from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.service import StopService
from session_stopper.domain.session_budgets import Budget, ProjectBudgets
from session_stopper.domain.sweeps.chain import ALL_PROJECTS, ChainLink, project_key
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.listing import listing_failure
from session_stopper.domain.sweeps.report import Inventory, Tally
from session_stopper.domain.timers.expiry import Expiry
from session_stopper.domain.timers.schedules import deadline_of
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway, PacedOutError
from session_stopper.gateways.organization import WithinDeadline
from session_stopper.models.arn import arn_parts
from session_stopper.models.outcome import Outcome, OutcomeError
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import SweepPolicy
from session_stopper.observability import logger


class InventoryTaker:
    """Lists what a sweep is in scope of and selects what it acts on; it stops nothing."""

    def __init__(
        self,
        settings: Settings,
        gateway: DeviceFarmGateway,
        service: StopService,
        *,
        budgets: ProjectBudgets | None = None,
        expiry: Expiry | None = None,
        accounts: AccountScope | None = None,
        interactive: bool = False,
    ) -> None:
        self._settings = settings
        self._interactive = interactive  # an API sweep: it reads the organization in its time
        self._accounts = accounts or AccountScope.of(settings)
        self._gateway = gateway
        self._service = service  # publishes a listing failure, as any other outcome
        self._budgets = budgets
        self._expiry = expiry

    def take(
        self,
        policy: SweepPolicy,
        origin: Origin,
        deadline: Deadline,
        tally: Tally,
        *,
        link: ChainLink,
        now: datetime,
    ) -> Inventory:
        """Projects in id order (every link of a chain the same), from the link's resume point;
        `now` is the chain's: what is selected does not change from link to link."""
        inventory = Inventory()
        try:
            listed = self._projects(policy, origin, inventory, tally, deadline)
        except PacedOutError:
            listed = None
        if listed is None:  # the accounts' project lists were not all read: the next link will
            inventory.projects_not_reached = [ALL_PROJECTS]
            return inventory
        projects = sorted((p for p in listed if link.reaches(p)), key=project_key)
        for index, project_arn in enumerate(projects):
            if deadline.expired():
                inventory.projects_not_reached = projects[index:]
                break
            try:
                sessions = self._sessions_in_time(project_arn, deadline)
                budget = self._project_budget(project_arn, origin, inventory, tally)
            except PacedOutError:
                inventory.projects_not_reached = projects[index:]
                break
            except DeviceFarmError as error:
                self._report_unlisted(project_arn, error, origin, inventory, tally)
                continue
            if sessions is None:
                inventory.projects_not_reached = projects[index:]
                break
            if budget is not None:
                self._add_project(inventory, sessions, policy, budget, now)
        return inventory

    def _add_project(
        self,
        inventory: Inventory,
        sessions: list[RemoteAccessSession],
        policy: SweepPolicy,
        budget: Budget,
        now: datetime,
    ) -> None:
        """Count a listed project's sessions and select its due ones. An exempt project's are
        selected only to be reported SKIPPED, and need no timer either."""
        inventory.projects_listed += 1
        inventory.sessions_seen += len(sessions)
        active = [session for session in sessions if selection.is_active(session)]
        inventory.sessions_active += len(active)
        chosen = self._choose(active, policy, budget, now)
        for session in chosen:
            inventory.selected.setdefault(session.arn, session)
            if budget.exempt:
                inventory.exempt.add(session.arn)
        if not budget.exempt:
            picked = {session.arn for session in chosen}
            inventory.unselected += [s for s in active if s.arn not in picked]

    # -- listing -----------------------------------------------------------------------------

    def _projects(
        self,
        policy: SweepPolicy,
        origin: Origin,
        inventory: Inventory,
        tally: Tally,
        deadline: Deadline,
    ) -> list[str] | None:
        """The policy's projects, or every project of every account in scope, account by
        account: one that cannot be reached is reported and the others are listed. None when
        time ran out before every account was listed."""
        if policy.project_arns:
            inventory.accounts = sorted({arn_parts(arn).account for arn in policy.project_arns})
            return list(policy.project_arns)
        swept = self._accounts.every_account(
            WithinDeadline(deadline.admits) if self._interactive else None
        )
        inventory.accounts = list(swept.accounts)
        unread = swept.organization_failure()
        if unread:
            self._report_unlisted(ALL_PROJECTS, unread, origin, inventory, tally)
        listed: list[str] = []
        for index, account in enumerate(swept.accounts):
            if index and deadline.expired():  # the first is listed as a single account is
                return None
            try:
                arns = [project.arn for project in self._gateway.list_projects(account)]
            except PacedOutError:
                raise
            except DeviceFarmError as error:
                inventory.not_reached[account] = OutcomeError(
                    code=error.code, message=error.message
                )
                self._report_unlisted(
                    ALL_PROJECTS, error, origin, inventory, tally, account=account
                )
                continue
            listed += arns
        return listed

    def _sessions_in_time(
        self, project_arn: str, deadline: Deadline
    ) -> list[RemoteAccessSession] | None:
        """Every session of the project, or None when time ran out between pages."""
        sessions: list[RemoteAccessSession] = []
        for page in self._gateway.session_pages(project_arn):
            sessions.extend(page)
            if deadline.expired():
                return None
        return sessions

    def _project_budget(
        self, project_arn: str, origin: Origin, inventory: Inventory, tally: Tally
    ) -> Budget | None:
        """The project's session budget (tags); None (reported) when its tags cannot be read:
        a sweep must not guess an exemption either way."""
        if self._budgets is None:
            account = arn_parts(project_arn).account
            return Budget(self._settings.rules_for(account).max_session_minutes, "default")
        try:
            return self._budgets.of_project(project_arn)
        except PacedOutError:
            raise
        except DeviceFarmError as error:
            self._report_unlisted(project_arn, error, origin, inventory, tally)
            return None

    def _report_unlisted(
        self,
        project_arn: str,
        error: DeviceFarmError,
        origin: Origin,
        inventory: Inventory,
        tally: Tally,
        *,
        account: str | None = None,
    ) -> None:
        """A listing that failed (`account`: ListProjects in that account), as a FAILED outcome
        and in the summary."""
        logger.error(
            "could not list",
            extra={"project_arn": project_arn, "account": account, "code": error.code},
        )
        inventory.projects_failed.append(project_arn)
        inventory.listing_failures.append(
            listing_failure(error, None if project_arn == ALL_PROJECTS else project_arn, account)
        )
        failure = OutcomeError(code=error.code, message=f"{error.operation}: {error.message}")
        message = outcome_message(
            Outcome.FAILED,
            origin,
            arn=None,
            error=failure,
            project_arn=project_arn,
            account=account,
        )
        self._service.publish_or_park(message)
        tally.add(message)

    # -- selection ---------------------------------------------------------------------------

    def _choose(
        self,
        active: list[RemoteAccessSession],
        policy: SweepPolicy,
        budget: Budget,
        now: datetime,
    ) -> list[RemoteAccessSession]:
        """By deadline for a sweep that names no age; by age for one that does (and for an
        exempt project, whose sessions are then reported as SKIPPED, like protected names)."""
        if budget.minutes is None or not policy.by_deadline:
            return selection.select(active, policy, now)
        minutes = budget.minutes
        return [session for session in active if self._past_deadline(session, minutes, now)]

    def _past_deadline(self, session: RemoteAccessSession, minutes: int, now: datetime) -> bool:
        created = session.created or session.started
        if created is None or deadline_of(created, minutes) > now:
            return False
        # Its owner may have moved the deadline: then the armed timer (or, when it is gone, the
        # extension recorded) has the last word.
        moved = self._expiry.deadline_in_force(session.arn) if self._expiry else None
        return moved is None or moved <= now
