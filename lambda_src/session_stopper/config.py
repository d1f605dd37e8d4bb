"""Settings read once per process from the environment (names in docs/contracts.md)."""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass

from pydantic import ValidationError

from session_stopper.models.account import (
    EXTERNAL_ID,
    MEMBER_ACCOUNTS,
    ORGANIZATION_UNIT,
    ROLE_NAME,
    MemberAccount,
)
from session_stopper.models.arn import ACCOUNT, REGION, arn_parts, arn_problem

# Every variable the function reads (Powertools' own are documented in the README).
SETTING_VARIABLES = (
    "OUTCOME_TOPIC_ARN",
    "OUTCOME_DLQ_URL",
    "IDEMPOTENCY_TABLE_NAME",
    "IDEMPOTENCY_WINDOW_SECONDS",
    "DEVICE_FARM_ACCOUNT_ID",
    "DEVICE_FARM_REGION",
    "DEVICE_FARM_MAX_ATTEMPTS",
    "SWEEP_MAX_AGE_MINUTES",
    "SWEEP_MIN_AGE_MINUTES",
    "MAX_TAG_BUDGET_MINUTES",
    "SWEEP_PROJECT_ARNS",
    "SWEEP_WORKERS",
    "SWEEP_DRY_RUN",
    "PROTECTED_NAME_PATTERN",
    "PRICE_PER_DEVICE_MINUTE",
    "SESSION_ALARM_NAMES",
    "SESSION_ALARM_NAME_PREFIX",
    "KILL_SWITCH_ALARM_NAMES",
    "KILL_SWITCH_SPARES_EXEMPT",
    "ALARM_MAX_AGE_MINUTES",
    "TIMER_SCHEDULE_GROUP",
    "TIMER_ROLE_ARN",
    "TIMER_TARGET_ARN",
    "WARNING_LEAD_MINUTES",
    "MAX_EXTENSION_MINUTES",
    "CHAT_TOPIC_ARN",
    "CHAT_OUTCOMES",
    "CONTINUATION_TARGET_ARN",
    "MEMBER_ACCOUNTS",
    "ORGANIZATION_UNIT_IDS",
    "HUB_ACCOUNT_IN_SCOPE",
    "SPOKE_ROLE_NAME",
    "SPOKE_EXTERNAL_ID",
)
# Device Farm ends every remote access session 150 minutes after it starts.
SESSION_LIMIT_MINUTES = 150
# Every outcome a message can carry (models/outcome.py's Outcome), and those a chat channel
# gets unless CHAT_OUTCOMES says otherwise: the ones that need a person.
OUTCOME_NAMES = ("STOPPED", "ALREADY_ENDED", "NOT_FOUND", "REJECTED", "FAILED", "SKIPPED")
DEFAULT_CHAT_OUTCOMES = ("STOPPED", "FAILED", "SKIPPED")
# A function, qualified by an alias or version or not (what Lambda's Invoke takes).
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-z-]*:lambda:[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:function:"
    r"[A-Za-z0-9_-]{1,64}(?::[A-Za-z0-9_$-]{1,128})?",
    re.ASCII,
)
_TOPIC_ARN = re.compile(
    r"arn:aws[a-z-]*:sns:[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:[A-Za-z0-9_-]{1,256}", re.ASCII
)


class ConfigurationError(RuntimeError):
    """A required variable is missing or a value cannot be used: the function cannot start."""


@dataclass(frozen=True)
class TimerSettings:
    schedule_group: str
    role_arn: str
    target_arn: str
    warning_lead_minutes: int = 5
    max_extension_minutes: int = 60


@dataclass(frozen=True)
class ChatSettings:
    """Amazon Q Developer in chat applications (Slack, Microsoft Teams): the topic its channel
    configurations subscribe, and the outcomes worth a chat message."""

    topic_arn: str
    outcomes: frozenset[str] = frozenset(DEFAULT_CHAT_OUTCOMES)


@dataclass(frozen=True)
class PacingSettings:
    """Device Farm's API rate limits the function paces its calls to (gateways/pacing.py):
    reads (List*, Get*) and every other API (StopRemoteAccessSession among them)."""

    stop_rate: float = 1.0  # tokens per second
    stop_burst: int = 10
    read_rate: float = 10.0
    read_burst: int = 50


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


@dataclass(frozen=True)
class Settings:
    outcome_topic_arn: str
    outcome_dlq_url: str
    idempotency_table_name: str
    devicefarm_account_id: str
    idempotency_window_seconds: int = 300
    devicefarm_region: str = "us-west-2"
    devicefarm_max_attempts: int = 5
    sweep_max_age_minutes: int = 60
    sweep_min_age_minutes: int = 30
    # The most a project's budget tag may set (the least is sweep_min_age_minutes): whoever may
    # tag a project is held within the operator's bounds.
    max_tag_budget_minutes: int = 60
    sweep_project_arns: tuple[str, ...] = ()
    sweep_workers: int = 8
    # Unset means on: a function deployed without its settings must not start stopping.
    sweep_dry_run: bool = True
    protected_name_pattern: re.Pattern[str] | None = None
    price_per_device_minute: float = 0.17
    session_alarm_names: tuple[str, ...] = ()
    session_alarm_name_prefix: str = ""
    kill_switch_alarm_names: tuple[str, ...] = ()
    # Unset means no: a kill switch stops protected names and exempt projects too, since who
    # names a session or tags a project must not outrank the operator's emergency stop.
    kill_switch_spares_exempt: bool = False
    alarm_max_age_minutes: int = 10
    timers: TimerSettings | None = None  # None: no schedule group, so no expiry timers
    chat: ChatSettings | None = None  # None: no chat topic, so no chat notifications
    devicefarm_pacing: PacingSettings = PacingSettings()
    # What a sweep's continuation invokes (the `live` alias with SnapStart); empty: the ARN
    # the running invocation was invoked by (its context's invoked_function_arn).
    continuation_target_arn: str = ""
    accounts: AccountsSettings = AccountsSettings()

    def rules_for(self, account: str) -> AccountRules:
        """The operator's rules for a session or project of `account`. An account found in an
        organization unit but not listed joins as MemberAccount's defaults do: in dry run."""
        if account in self._member_rules:
            return self._member_rules[account]
        if account == self.devicefarm_account_id:
            return self._hub_rules
        return self._rules_of(MemberAccount(id=account))

    @functools.cached_property
    def _hub_rules(self) -> AccountRules:
        return AccountRules(
            self.sweep_dry_run, self.sweep_max_age_minutes, self.protected_name_pattern
        )

    @functools.cached_property
    def _member_rules(self) -> dict[str, AccountRules]:
        return {member.id: self._rules_of(member) for member in self.accounts.members}

    def _rules_of(self, member: MemberAccount) -> AccountRules:
        hub, pattern = self._hub_rules, member.protected_name_pattern
        # The hub's own entry (listed to give it a budget or a pattern) keeps the hub's dry run
        # unless it says otherwise: listing it must not quietly stop its stops.
        joins_in_dry_run = member.dry_run
        if member.id == self.devicefarm_account_id and "dry_run" not in member.model_fields_set:
            joins_in_dry_run = hub.dry_run
        return AccountRules(
            dry_run=hub.dry_run or joins_in_dry_run,
            max_session_minutes=member.max_session_minutes or hub.max_session_minutes,
            protected_name_pattern=re.compile(pattern) if pattern else hub.protected_name_pattern,
        )


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _matching(name: str, pattern: re.Pattern[str], default: str, hint: str) -> str:
    value = os.environ.get(name, "").strip() or default
    if not pattern.fullmatch(value):
        raise ConfigurationError(f"{name} must be {hint}, got {value!r}")
    return value


def _whole_number(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw, re.ASCII):
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}")
    value = int(raw)
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def _non_negative_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from None
    if value < 0:
        raise ConfigurationError(f"{name} must not be negative, got {value}")
    return value


def _rate(name: str, default: float) -> float:
    """A positive decimal number of calls per second (no exponents, nan or infinity)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", raw, re.ASCII) or float(raw) <= 0:
        raise ConfigurationError(
            f"{name} must be a positive number of calls per second, got {raw!r}"
        )
    return float(raw)


def _pacing_settings() -> PacingSettings:
    return PacingSettings(
        stop_rate=_rate("DEVICE_FARM_STOP_RATE", 1.0),
        stop_burst=_whole_number_within("DEVICE_FARM_STOP_BURST", 10, maximum=10_000, minimum=1),
        read_rate=_rate("DEVICE_FARM_READ_RATE", 10.0),
        read_burst=_whole_number_within("DEVICE_FARM_READ_BURST", 50, maximum=10_000, minimum=1),
    )


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"true", "false"}:
        raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
    return raw == "true"


def _pattern(name: str) -> re.Pattern[str] | None:
    raw = os.environ.get(name, "").strip()
    return _compiled(name, raw) if raw else None


def _csv(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def _project_arns(region: str, accounts: frozenset[str]) -> tuple[str, ...]:
    """The operator's projects: in the Device Farm region, in the hub's or a listed member's
    account (an organization unit's accounts are not known before a call)."""
    arns = _csv("SWEEP_PROJECT_ARNS")
    for arn in arns:
        problem = arn_problem(arn, "project")
        parts = None if problem else arn_parts(arn)
        if parts and (parts.region != region or parts.account not in accounts):
            problem = f"must be in {region} and in account {' or '.join(sorted(accounts))}"
        if problem:
            raise ConfigurationError(f"SWEEP_PROJECT_ARNS: {arn!r} {problem}")
    return tuple(dict.fromkeys(arns))


def _whole_number_within(name: str, default: int, maximum: int, minimum: int = 0) -> int:
    value = _whole_number(name, default, minimum=minimum)
    if value > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, got {value}")
    return value


def _max_tag_budget(default: int, floor: int) -> int:
    """MAX_TAG_BUDGET_MINUTES: unset, the default budget; never below the floor a tag is
    raised to, nor past Device Farm's own end of a session."""
    name = "MAX_TAG_BUDGET_MINUTES"
    most = _whole_number_within(
        name, min(default, SESSION_LIMIT_MINUTES), maximum=SESSION_LIMIT_MINUTES, minimum=1
    )
    if most < floor:
        raise ConfigurationError(
            f"{name} ({most}) must not be less than SWEEP_MIN_AGE_MINUTES ({floor})"
        )
    return most


def _timer_settings(budget_minutes: int) -> TimerSettings | None:
    group = os.environ.get("TIMER_SCHEDULE_GROUP", "").strip()
    if not group:
        return None
    if not re.fullmatch(r"[0-9A-Za-z_.-]{1,64}", group, re.ASCII):
        raise ConfigurationError(f"TIMER_SCHEDULE_GROUP is not a schedule group name: {group!r}")
    lead = _whole_number_within("WARNING_LEAD_MINUTES", 5, maximum=60)
    if lead and lead >= budget_minutes:
        raise ConfigurationError(
            f"WARNING_LEAD_MINUTES ({lead}) must be less than SWEEP_MAX_AGE_MINUTES "
            f"({budget_minutes}), the default budget"
        )
    return TimerSettings(
        schedule_group=group,
        role_arn=_required("TIMER_ROLE_ARN"),
        target_arn=_required("TIMER_TARGET_ARN"),
        warning_lead_minutes=lead,
        max_extension_minutes=_whole_number_within(
            "MAX_EXTENSION_MINUTES", 60, maximum=SESSION_LIMIT_MINUTES
        ),
    )


def _continuation_target() -> str:
    target = os.environ.get("CONTINUATION_TARGET_ARN", "").strip()
    if target and not _FUNCTION_ARN.fullmatch(target):
        raise ConfigurationError(f"CONTINUATION_TARGET_ARN must be a function ARN, got {target!r}")
    return target


def _chat_outcomes() -> frozenset[str]:
    raw = os.environ.get("CHAT_OUTCOMES", "").strip()
    if not raw:
        return frozenset(DEFAULT_CHAT_OUTCOMES)
    names = [part.strip() for part in raw.split(",")]
    for name in names:
        if name not in OUTCOME_NAMES:
            raise ConfigurationError(
                f"CHAT_OUTCOMES must list outcomes of {', '.join(OUTCOME_NAMES)} separated by "
                f"commas, got {name!r}"
            )
    return frozenset(names)


def _chat_settings() -> ChatSettings | None:
    # Checked even without a topic: a typo must fail now, not when a topic is added later.
    outcomes = _chat_outcomes()
    topic = os.environ.get("CHAT_TOPIC_ARN", "").strip()
    if not topic:
        return None
    if not _TOPIC_ARN.fullmatch(topic):
        raise ConfigurationError(f"CHAT_TOPIC_ARN must be an SNS topic ARN, got {topic!r}")
    return ChatSettings(topic_arn=topic, outcomes=outcomes)


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
            _compiled("MEMBER_ACCOUNTS protectedNamePattern", member.protected_name_pattern)
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


def _compiled(name: str, raw: str) -> re.Pattern[str]:
    try:
        return re.compile(raw)
    except re.error as error:
        raise ConfigurationError(f"{name} is not a valid regular expression: {error}") from None


def _accounts_settings(hub: str) -> AccountsSettings:
    members = _member_accounts()
    units = _csv("ORGANIZATION_UNIT_IDS")
    for unit in units:
        if not ORGANIZATION_UNIT.fullmatch(unit):
            raise ConfigurationError(
                f"ORGANIZATION_UNIT_IDS: {unit!r} is not an organization unit (ou-...) or root "
                "(r-...) id"
            )
    accounts = AccountsSettings(
        members=members,
        organization_unit_ids=tuple(dict.fromkeys(units)),
        hub_in_scope=_flag("HUB_ACCOUNT_IN_SCOPE", default=True),
    )
    if not any(member.id != hub for member in members) and not units:
        return accounts
    return AccountsSettings(
        members=accounts.members,
        organization_unit_ids=accounts.organization_unit_ids,
        hub_in_scope=accounts.hub_in_scope,
        spoke_role_name=_matching("SPOKE_ROLE_NAME", ROLE_NAME, "", "an IAM role name (required)"),
        spoke_external_id=_matching(
            "SPOKE_EXTERNAL_ID", EXTERNAL_ID, "", "2-1224 of A-Z a-z 0-9 +=,.@:/_- (required)"
        ),
    )


def load_settings() -> Settings:
    region = _matching("DEVICE_FARM_REGION", REGION, "us-west-2", "an AWS region")
    account = _matching("DEVICE_FARM_ACCOUNT_ID", ACCOUNT, "", "12 digits 0-9 (required)")
    max_age = _whole_number("SWEEP_MAX_AGE_MINUTES", 60)
    min_age = _whole_number("SWEEP_MIN_AGE_MINUTES", min(30, max_age), minimum=0)
    if min_age > max_age:
        raise ConfigurationError(
            f"SWEEP_MIN_AGE_MINUTES ({min_age}) must not exceed SWEEP_MAX_AGE_MINUTES ({max_age})"
        )
    accounts = _accounts_settings(account)
    _check_member_budgets(accounts.members, min_age)
    members = {member.id for member in accounts.members}
    in_scope = frozenset(members | {account} if accounts.hub_in_scope else members - {account})
    return Settings(
        outcome_topic_arn=_required("OUTCOME_TOPIC_ARN"),
        outcome_dlq_url=_required("OUTCOME_DLQ_URL"),
        idempotency_table_name=_required("IDEMPOTENCY_TABLE_NAME"),
        devicefarm_account_id=account,
        idempotency_window_seconds=_whole_number("IDEMPOTENCY_WINDOW_SECONDS", 300),
        devicefarm_region=region,
        devicefarm_max_attempts=_whole_number("DEVICE_FARM_MAX_ATTEMPTS", 5),
        sweep_max_age_minutes=max_age,
        sweep_min_age_minutes=min_age,
        max_tag_budget_minutes=_max_tag_budget(default=max_age, floor=min_age),
        sweep_project_arns=_project_arns(region, in_scope),
        sweep_workers=_whole_number("SWEEP_WORKERS", 8),
        sweep_dry_run=_flag("SWEEP_DRY_RUN", default=True),
        protected_name_pattern=_pattern("PROTECTED_NAME_PATTERN"),
        price_per_device_minute=_non_negative_float("PRICE_PER_DEVICE_MINUTE", 0.17),
        session_alarm_names=_csv("SESSION_ALARM_NAMES"),
        session_alarm_name_prefix=os.environ.get("SESSION_ALARM_NAME_PREFIX", "").strip(),
        kill_switch_alarm_names=_csv("KILL_SWITCH_ALARM_NAMES"),
        kill_switch_spares_exempt=_flag("KILL_SWITCH_SPARES_EXEMPT", default=False),
        alarm_max_age_minutes=_whole_number("ALARM_MAX_AGE_MINUTES", 10),
        timers=_timer_settings(max_age),
        chat=_chat_settings(),
        devicefarm_pacing=_pacing_settings(),
        continuation_target_arn=_continuation_target(),
        accounts=accounts,
    )


@functools.cache
def settings() -> Settings:
    """The process-wide settings; tests call `settings.cache_clear()` after changing the env."""
    return load_settings()
