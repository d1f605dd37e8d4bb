"""Which accounts this deployment acts in: the hub's own (unless HUB_ACCOUNT_IN_SCOPE=false),
the operator's listed member accounts, and the accounts of its organization units.

An account out of scope is refused before any call, whatever a caller, a session's creator or
a forwarded event says; an organization that cannot be read adds no account (fail closed)."""

from __future__ import annotations

from dataclasses import dataclass

from session_stopper.config import Settings
from session_stopper.gateways.organization import (
    OrganizationAccounts,
    OrganizationUnreadError,
    organization_accounts,
)
from session_stopper.observability import logger


@dataclass(frozen=True)
class SweptAccounts:
    """The accounts a sweep visits, and why the organization's could not be added."""

    accounts: tuple[str, ...]
    organization_error: str | None = None


class AccountScope:
    def __init__(self, settings: Settings, organization: OrganizationAccounts | None) -> None:
        hub = settings.devicefarm_account_id
        members = {member.id for member in settings.accounts.members}
        if settings.accounts.hub_in_scope:
            members.add(hub)
        else:
            members.discard(hub)
        self._listed = frozenset(members)
        self._hub = hub
        self._organization = organization

    @classmethod
    def of(cls, settings: Settings) -> AccountScope:
        return cls(settings, organization_accounts(settings.accounts.organization_unit_ids))

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
            return account in self._organization.accounts()
        except OrganizationUnreadError as error:
            logger.error(
                "organization not read: its accounts are out of scope", extra={"error": str(error)}
            )
            return False

    def for_sweep(self) -> SweptAccounts:
        """Every account in scope, by id: the order every link of a chain lists them in."""
        if self._organization is None:
            return SweptAccounts(tuple(sorted(self._listed)))
        try:
            found = self._organization.accounts() - {self._hub}
        except OrganizationUnreadError as error:
            return SweptAccounts(tuple(sorted(self._listed)), str(error))
        return SweptAccounts(tuple(sorted(self._listed | found)))
