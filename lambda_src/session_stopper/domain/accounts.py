"""Which accounts this deployment acts in: the hub's own (unless HUB_ACCOUNT_IN_SCOPE=false),
the operator's listed member accounts, and the accounts of its organization units.

An account out of scope is refused before any call, whatever a caller, a session's creator or
a forwarded event says; an organization that cannot be read adds no account (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass

from session_stopper.config import Settings
from session_stopper.gateways.devicefarm import DeviceFarmError
from session_stopper.gateways.organization import (
    Admit,
    OrganizationAccounts,
    OrganizationUnreadError,
    organization_accounts,
)
from session_stopper.observability import logger

ORGANIZATION_NOT_READ = "ORGANIZATION_NOT_READ"


@dataclass(frozen=True)
class AccountsInScope:
    """Every account in scope (what a sweep or the sessions view lists), and why the
    organization's could not be added."""

    accounts: tuple[str, ...]
    organization_error: str | None = None

    def organization_failure(self) -> DeviceFarmError | None:
        """The unread organization as a listing failure (its accounts were not listed)."""
        if self.organization_error is None:
            return None
        operation = "ListAccountsForParent"
        return DeviceFarmError(ORGANIZATION_NOT_READ, self.organization_error, operation)


class AccountScope:
    """`admit`: within an API request, which organization reads may start (the request's retry
    allowance); None reads patiently (events, sweeps)."""

    def __init__(
        self,
        settings: Settings,
        organization: OrganizationAccounts | None,
        admit: Admit | None = None,
    ) -> None:
        hub = settings.devicefarm_account_id
        members = {member.id for member in settings.accounts.members}
        if settings.accounts.hub_in_scope:
            members.add(hub)
        else:
            members.discard(hub)
        self._listed = frozenset(members)
        self._hub = hub
        self._organization = organization
        self._admit = admit

    @classmethod
    def of(cls, settings: Settings, admit: Admit | None = None) -> AccountScope:
        units = settings.accounts.organization_unit_ids
        return cls(settings, organization_accounts(units), admit)

    @property
    def hub(self) -> str:
        return self._hub

    @property
    def multi_account(self) -> bool:
        return self._organization is not None or self._listed - {self._hub} != set()

    def includes(self, account: str) -> bool:
        if account in self._listed:
            return True
        if self._organization is None or account == self._hub:
            return False
        try:
            return account in self._organization.accounts(self._admit)
        except OrganizationUnreadError as error:
            logger.error(
                "organization not read: its accounts are out of scope", extra={"error": str(error)}
            )
            return False

    def every_account(self, admit: Admit | None = None) -> AccountsInScope:
        """Every account in scope, by id: the order every link of a chain lists them in.
        `admit`: an API sweep's or view's deadline (None: read patiently)."""
        if self._organization is None:
            return AccountsInScope(tuple(sorted(self._listed)))
        try:
            found = self._organization.accounts(admit) - {self._hub}
        except OrganizationUnreadError as error:
            return AccountsInScope(tuple(sorted(self._listed)), str(error))
        return AccountsInScope(tuple(sorted(self._listed | found)))
