"""The hub's scope of member accounts, from cdk.json context (docs/multi-account.md).

`memberAccounts` lists accounts with their own settings, `organizationUnitIds` names OUs (or a
root) whose accounts the function reads from AWS Organizations at run time, `organizationId`
lets the resource policies name the organization (aws:PrincipalOrgID), `hubAccountInScope`
keeps or drops the hub's own account, and `spokeExternalId` is what every spoke role's trust
policy requires. All unset is today's single account: no new variable, resource or grant.

Every pattern is ASCII-exact (Organizations' and STS's own): a fullwidth digit or a final
newline in an account id fails the synth, not the first sweep.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from infra.config_checks import SESSION_HARD_LIMIT_MINUTES
from infra.context_values import ConfigError, read_bool, read_str, read_str_list

ACCOUNT_ID = r"[0-9]{12}"
# Organizations' ids (botocore's model): an OU id, a root id, an organization id.
OU_ID = r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}"
ROOT_ID = r"r-[0-9a-z]{4,32}"
ORGANIZATION_ID = r"o-[a-z0-9]{10,32}"
# sts:AssumeRole's ExternalId: 2-1224 characters of [\w+=,.@:/-] (ASCII \w).
EXTERNAL_ID_CHARACTERS = r"[A-Za-z0-9_+=,.@:/-]"
EXTERNAL_ID = rf"{EXTERNAL_ID_CHARACTERS}{{2,1224}}"
MAX_PATTERN_LENGTH = 512
MAX_ORGANIZATION_UNITS = 20
# The whole Lambda environment may hold 4 KB; the rest of the variables take about half. More
# accounts than this fit belong in organizationUnitIds, which costs the environment nothing.
MAX_MEMBER_ACCOUNTS_JSON = 1800
MEMBER_FIELDS = {"id", "dryRun", "maxSessionMinutes", "protectedNamePattern"}
MEMBER_SHAPE = (
    '{"id": "<12 digits>", "dryRun": true|false, "maxSessionMinutes": 1-150, '
    '"protectedNamePattern": "<regex>"} (only "id" required)'
)


@dataclass(frozen=True)
class MemberAccount:
    account_id: str
    # An account joins in dry run unless the operator says otherwise.
    dry_run: bool = True
    # None: the hub's maxSessionMinutes / protectedNamePattern apply.
    max_session_minutes: int | None = None
    protected_name_pattern: str | None = None

    def as_environment(self) -> dict[str, Any]:
        """The entry as the function's MEMBER_ACCOUNTS holds it: unset values left out, so the
        function's own defaults (SWEEP_MAX_AGE_MINUTES, PROTECTED_NAME_PATTERN) apply."""
        entry: dict[str, Any] = {"id": self.account_id, "dryRun": self.dry_run}
        if self.max_session_minutes is not None:
            entry["maxSessionMinutes"] = self.max_session_minutes
        if self.protected_name_pattern is not None:
            entry["protectedNamePattern"] = self.protected_name_pattern
        return entry


def member_accounts_json(members: tuple[MemberAccount, ...]) -> str:
    """MEMBER_ACCOUNTS: compact JSON, the entries in the order cdk.json lists them."""
    return json.dumps([member.as_environment() for member in members], separators=(",", ":"))


def read_member_accounts(raw: Any) -> list[MemberAccount]:
    key = "memberAccounts"
    items = _as_object_list(key, raw)
    members = [_read_member(key, item) for item in items]
    ids = [member.account_id for member in members]
    if len(set(ids)) != len(ids):
        raise ConfigError(key, "must not list an account twice", raw)
    if len(member_accounts_json(tuple(members))) > MAX_MEMBER_ACCOUNTS_JSON:
        raise ConfigError(
            key,
            f"is too long for the function's environment (over {MAX_MEMBER_ACCOUNTS_JSON} "
            "characters as JSON; Lambda allows 4 KB for all variables): list only the accounts "
            "that need their own settings and scope the rest with organizationUnitIds",
        )
    return members


def _read_member(key: str, item: Any) -> MemberAccount:
    if not isinstance(item, dict):
        raise ConfigError(key, f"every entry must be an object {MEMBER_SHAPE}", item)
    unknown = sorted(set(item) - MEMBER_FIELDS)
    if unknown:
        raise ConfigError(
            key,
            f"entry has unknown key(s) {', '.join(unknown)}; allowed: "
            f"{', '.join(sorted(MEMBER_FIELDS))}",
            item,
        )
    if "id" not in item:
        raise ConfigError(key, f"every entry needs an 'id': {MEMBER_SHAPE}", item)
    account_id = item["id"]
    if not isinstance(account_id, str) or not re.fullmatch(ACCOUNT_ID, account_id, re.ASCII):
        raise ConfigError(key, "'id' must be an AWS account id: exactly 12 digits 0-9", account_id)
    dry_run = item.get("dryRun", True)
    # JSON's true/false only: "false" as a string is a typo that must not start live stops.
    if not isinstance(dry_run, bool):
        raise ConfigError(key, f"'dryRun' of {account_id} must be true or false", dry_run)
    minutes = item.get("maxSessionMinutes")
    if minutes is not None and (
        isinstance(minutes, bool)
        or not isinstance(minutes, int)
        or not 1 <= minutes <= SESSION_HARD_LIMIT_MINUTES
    ):
        raise ConfigError(
            key,
            f"'maxSessionMinutes' of {account_id} must be a whole number from 1 to "
            f"{SESSION_HARD_LIMIT_MINUTES}",
            minutes,
        )
    return MemberAccount(
        account_id=account_id,
        dry_run=dry_run,
        max_session_minutes=minutes,
        protected_name_pattern=_read_pattern(key, account_id, item),
    )


def _read_pattern(key: str, account_id: str, item: dict[str, Any]) -> str | None:
    if "protectedNamePattern" not in item:
        return None
    pattern = item["protectedNamePattern"]
    field = f"'protectedNamePattern' of {account_id}"
    if not isinstance(pattern, str) or len(pattern) > MAX_PATTERN_LENGTH:
        raise ConfigError(
            key, f"{field} must be a regular expression of at most {MAX_PATTERN_LENGTH} characters"
        )
    try:
        re.compile(pattern)
    except re.error as error:
        raise ConfigError(key, f"{field} is not a valid regular expression: {error}") from None
    return pattern


def _as_object_list(key: str, raw: Any) -> list[Any]:
    """A JSON list of objects; from the CLI (`-c memberAccounts='[...]'`) a JSON string."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ConfigError(key, f"must be a JSON list of objects {MEMBER_SHAPE}", raw) from None
    if not isinstance(raw, list):
        raise ConfigError(key, f"must be a list of objects {MEMBER_SHAPE}", raw)
    return raw


def read_organization_unit_ids(raw: Any) -> list[str]:
    return read_str_list(
        "organizationUnitIds",
        raw,
        f"{OU_ID}|{ROOT_ID}",
        "must be an organizational unit id (ou-xxxx-yyyyyyyy) or a root id (r-xxxx)",
        max_items=MAX_ORGANIZATION_UNITS,
    )


def read_organization_id(raw: Any) -> str:
    return read_str(
        "organizationId",
        raw,
        f"|{ORGANIZATION_ID}",
        "must be empty or an AWS Organizations id (o- and 10-32 lowercase letters or digits)",
    )


def read_external_id(raw: Any) -> str:
    return read_str(
        "spokeExternalId",
        raw,
        f"|{EXTERNAL_ID}",
        "must be empty or 2-1224 characters of letters, digits and _+=,.@:/-",
    )


@dataclass(frozen=True)
class AccountScope:
    """The accounts the hub acts in besides its own; empty: the hub's account only."""

    members: tuple[MemberAccount, ...] = ()
    organization_unit_ids: tuple[str, ...] = ()
    organization_id: str = ""
    hub_account_in_scope: bool = True
    external_id: str = ""

    @property
    def is_multi_account(self) -> bool:
        return bool(self.members or self.organization_unit_ids)

    @property
    def member_ids(self) -> tuple[str, ...]:
        return tuple(member.account_id for member in self.members)


def read_account_scope(
    members: Any, organization_units: Any, organization_id: Any, hub_in_scope: Any, external: Any
) -> AccountScope:
    """The five keys together: each is checked alone, then against the others."""
    scope = AccountScope(
        members=tuple(read_member_accounts(members)),
        organization_unit_ids=tuple(read_organization_unit_ids(organization_units)),
        organization_id=read_organization_id(organization_id),
        hub_account_in_scope=read_bool("hubAccountInScope", hub_in_scope),
        external_id=read_external_id(external),
    )
    _check_scope(scope)
    return scope


def _check_scope(scope: AccountScope) -> None:
    if not scope.is_multi_account:
        for key, value in (
            ("organizationId", scope.organization_id),
            ("spokeExternalId", scope.external_id),
        ):
            if value:
                raise ConfigError(
                    key, "has no use without memberAccounts or organizationUnitIds; leave it empty"
                )
        if not scope.hub_account_in_scope:
            raise ConfigError(
                "hubAccountInScope",
                "may be false only with memberAccounts or organizationUnitIds: no account "
                "would be left in scope",
            )
        return
    if not scope.external_id:
        raise ConfigError(
            "spokeExternalId",
            "is required with memberAccounts or organizationUnitIds: every spoke role's trust "
            "policy requires it (docs/multi-account.md); set 2-1224 characters of letters, "
            "digits and _+=,.@:/-",
        )
    if scope.organization_unit_ids and not scope.organization_id:
        raise ConfigError(
            "organizationId",
            "is required with organizationUnitIds: the accounts of an OU are known only at run "
            "time, so the command bus and the API can admit them only by their organization "
            "(aws:PrincipalOrgID)",
        )
