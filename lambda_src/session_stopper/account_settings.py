"""The operator's accounts: the member accounts and organization units beyond the hub's own
(docs/multi-account.md), and the rules each account's sessions are held to."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass

from pydantic import ValidationError

from session_stopper.env_values import (
    ConfigurationError,
    compiled,
    csv,
    flag,
    matching,
)
from session_stopper.models.account import (
    EXTERNAL_ID,
    MEMBER_ACCOUNTS,
    ORGANIZATION_UNIT,
    ROLE_NAME,
    MemberAccount,
)


@dataclass(frozen=True)
class AccountRules:
    """What the operator set for one account: the hub's settings unless MEMBER_ACCOUNTS says
    otherwise; a member's dry run never lifts the hub's (SWEEP_DRY_RUN is the ceiling)."""

    dry_run: bool
    max_session_minutes: int
    protected_name_pattern: re.Pattern[str] | None


@dataclass(frozen=True)
class AccountsSettings:
    """The accounts besides the hub's own (docs/multi-account.md); empty: the hub alone."""

    members: tuple[MemberAccount, ...] = ()
    organization_unit_ids: tuple[str, ...] = ()
    hub_in_scope: bool = True
    spoke_role_name: str = ""
    spoke_external_id: str = ""

    @property
    def has_members(self) -> bool:
        return bool(self.members or self.organization_unit_ids)

    def member(self, account: str) -> MemberAccount | None:
        return next((member for member in self.members if member.id == account), None)


class OperatorRules:
    """Each account's rules: the hub's settings, unless its MEMBER_ACCOUNTS entry says
    otherwise. An account found in an organization unit but not listed joins as
    MemberAccount's defaults do: in dry run."""

    def __init__(
        self, hub_account: str, hub: AccountRules, members: tuple[MemberAccount, ...]
    ) -> None:
        self._hub_account = hub_account
        self._hub = hub
        self._members = {member.id: self._rules_of(member) for member in members}

    def rules_for(self, account: str) -> AccountRules:
        if account in self._members:
            return self._members[account]
        if account == self._hub_account:
            return self._hub
        return self._rules_of(MemberAccount(id=account))

    def _rules_of(self, member: MemberAccount) -> AccountRules:
        hub, pattern = self._hub, member.protected_name_pattern
        # The hub's own entry (listed to give it a budget or a pattern) keeps the hub's dry run
        # unless it says otherwise: listing it must not quietly stop its stops.
        joins_in_dry_run = member.dry_run
        if member.id == self._hub_account and "dry_run" not in member.model_fields_set:
            joins_in_dry_run = hub.dry_run
        return AccountRules(
            dry_run=hub.dry_run or joins_in_dry_run,
            max_session_minutes=member.max_session_minutes or hub.max_session_minutes,
            protected_name_pattern=re.compile(pattern) if pattern else hub.protected_name_pattern,
        )


def _member_accounts() -> tuple[MemberAccount, ...]:
    raw = os.environ.get("MEMBER_ACCOUNTS", "").strip()
    if not raw:
        return ()
    try:
        members = MEMBER_ACCOUNTS.validate_python(json.loads(raw))
    except (ValueError, ValidationError) as error:
        # pydantic's own words without the input: the variable may be long.
        problem = (
            "; ".join(
                f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
                for item in error.errors()[:5]
            )
            if isinstance(error, ValidationError)
            else "not JSON"
        )
        raise ConfigurationError(
            f"MEMBER_ACCOUNTS must be a JSON list of accounts: {problem}"
        ) from None
    ids = [member.id for member in members]
    if len(set(ids)) != len(ids):
        raise ConfigurationError("MEMBER_ACCOUNTS lists an account twice")
    for member in members:
        if member.protected_name_pattern is not None:
            compiled("MEMBER_ACCOUNTS protectedNamePattern", member.protected_name_pattern)
    return tuple(members)


def _check_member_budgets(members: tuple[MemberAccount, ...], floor: int) -> None:
    """A member's budget is the operator's too: never under the floor no caller or tag may go
    below (SWEEP_MIN_AGE_MINUTES)."""
    for member in members:
        minutes = member.max_session_minutes
        if minutes is not None and minutes < floor:
            raise ConfigurationError(
                f"MEMBER_ACCOUNTS: account {member.id}'s maxSessionMinutes ({minutes}) must not "
                f"be less than SWEEP_MIN_AGE_MINUTES ({floor})"
            )


def load_account_settings(hub: str, floor: int) -> AccountsSettings:
    """MEMBER_ACCOUNTS, ORGANIZATION_UNIT_IDS and the spoke role; `floor`: the least budget
    (SWEEP_MIN_AGE_MINUTES) a member may have."""
    members = _member_accounts()
    _check_member_budgets(members, floor)
    units = csv("ORGANIZATION_UNIT_IDS")
    for unit in units:
        if not ORGANIZATION_UNIT.fullmatch(unit):
            raise ConfigurationError(
                f"ORGANIZATION_UNIT_IDS: {unit!r} is not an organization unit (ou-...) or root "
                "(r-...) id"
            )
    accounts = AccountsSettings(
        members=members,
        organization_unit_ids=tuple(dict.fromkeys(units)),
        hub_in_scope=flag("HUB_ACCOUNT_IN_SCOPE", default=True),
    )
    if not any(member.id != hub for member in members) and not units:
        return accounts
    return AccountsSettings(
        members=accounts.members,
        organization_unit_ids=accounts.organization_unit_ids,
        hub_in_scope=accounts.hub_in_scope,
        spoke_role_name=matching("SPOKE_ROLE_NAME", ROLE_NAME, "", "an IAM role name (required)"),
        spoke_external_id=matching(
            "SPOKE_EXTERNAL_ID", EXTERNAL_ID, "", "2-1224 of A-Z a-z 0-9 +=,.@:/_- (required)"
        ),
    )
