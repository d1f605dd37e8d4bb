"""Settings read once per process from the environment (names in docs/contracts.md)."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field

from session_stopper.account_settings import (
    AccountRules,
    AccountsSettings,
    OperatorRules,
    load_account_settings,
)
from session_stopper.env_values import (
    ConfigurationError,
    csv,
    flag,
    matching,
    non_negative_float,
    pattern,
    rate,
    required,
    whole_number,
    whole_number_within,
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
    accounts: AccountsSettings = field(default_factory=AccountsSettings)

    def rules_for(self, account: str) -> AccountRules:
        """The operator's rules for a session or project of `account` (account_settings.py)."""
        return self._account_rules.rules_for(account)

    @functools.cached_property
    def _account_rules(self) -> OperatorRules:
        hub = AccountRules(
            self.sweep_dry_run, self.sweep_max_age_minutes, self.protected_name_pattern
        )
        return OperatorRules(self.devicefarm_account_id, hub, self.accounts.members)


def _pacing_settings() -> PacingSettings:
    return PacingSettings(
        stop_rate=rate("DEVICE_FARM_STOP_RATE", 1.0),
        stop_burst=whole_number_within("DEVICE_FARM_STOP_BURST", 10, maximum=10_000, minimum=1),
        read_rate=rate("DEVICE_FARM_READ_RATE", 10.0),
        read_burst=whole_number_within("DEVICE_FARM_READ_BURST", 50, maximum=10_000, minimum=1),
    )


def _project_arns(region: str, accounts: frozenset[str]) -> tuple[str, ...]:
    """The operator's projects: in the Device Farm region, in the hub's or a listed member's
    account (an organization unit's accounts are not known before a call)."""
    arns = csv("SWEEP_PROJECT_ARNS")
    for arn in arns:
        problem = arn_problem(arn, "project")
        parts = None if problem else arn_parts(arn)
        if parts and (parts.region != region or parts.account not in accounts):
            problem = f"must be in {region} and in account {' or '.join(sorted(accounts))}"
        if problem:
            raise ConfigurationError(f"SWEEP_PROJECT_ARNS: {arn!r} {problem}")
    return tuple(dict.fromkeys(arns))


def _max_tag_budget(default: int, floor: int) -> int:
    """MAX_TAG_BUDGET_MINUTES: unset, the default budget; never below the floor a tag is
    raised to, nor past Device Farm's own end of a session."""
    name = "MAX_TAG_BUDGET_MINUTES"
    most = whole_number_within(
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
    lead = whole_number_within("WARNING_LEAD_MINUTES", 5, maximum=60)
    if lead and lead >= budget_minutes:
        raise ConfigurationError(
            f"WARNING_LEAD_MINUTES ({lead}) must be less than SWEEP_MAX_AGE_MINUTES "
            f"({budget_minutes}), the default budget"
        )
    return TimerSettings(
        schedule_group=group,
        role_arn=required("TIMER_ROLE_ARN"),
        target_arn=required("TIMER_TARGET_ARN"),
        warning_lead_minutes=lead,
        max_extension_minutes=whole_number_within(
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


def load_settings() -> Settings:
    region = matching("DEVICE_FARM_REGION", REGION, "us-west-2", "an AWS region")
    account = matching("DEVICE_FARM_ACCOUNT_ID", ACCOUNT, "", "12 digits 0-9 (required)")
    max_age = whole_number("SWEEP_MAX_AGE_MINUTES", 60)
    min_age = whole_number("SWEEP_MIN_AGE_MINUTES", min(30, max_age), minimum=0)
    if min_age > max_age:
        raise ConfigurationError(
            f"SWEEP_MIN_AGE_MINUTES ({min_age}) must not exceed SWEEP_MAX_AGE_MINUTES ({max_age})"
        )
    accounts = load_account_settings(account, min_age)
    members = {member.id for member in accounts.members}
    in_scope = frozenset(members | {account} if accounts.hub_in_scope else members - {account})
    return Settings(
        outcome_topic_arn=required("OUTCOME_TOPIC_ARN"),
        outcome_dlq_url=required("OUTCOME_DLQ_URL"),
        idempotency_table_name=required("IDEMPOTENCY_TABLE_NAME"),
        devicefarm_account_id=account,
        idempotency_window_seconds=whole_number("IDEMPOTENCY_WINDOW_SECONDS", 300),
        devicefarm_region=region,
        devicefarm_max_attempts=whole_number("DEVICE_FARM_MAX_ATTEMPTS", 5),
        sweep_max_age_minutes=max_age,
        sweep_min_age_minutes=min_age,
        max_tag_budget_minutes=_max_tag_budget(default=max_age, floor=min_age),
        sweep_project_arns=_project_arns(region, in_scope),
        sweep_workers=whole_number("SWEEP_WORKERS", 8),
        sweep_dry_run=flag("SWEEP_DRY_RUN", default=True),
        protected_name_pattern=pattern("PROTECTED_NAME_PATTERN"),
        price_per_device_minute=non_negative_float("PRICE_PER_DEVICE_MINUTE", 0.17),
        session_alarm_names=csv("SESSION_ALARM_NAMES"),
        session_alarm_name_prefix=os.environ.get("SESSION_ALARM_NAME_PREFIX", "").strip(),
        kill_switch_alarm_names=csv("KILL_SWITCH_ALARM_NAMES"),
        kill_switch_spares_exempt=flag("KILL_SWITCH_SPARES_EXEMPT", default=False),
        alarm_max_age_minutes=whole_number("ALARM_MAX_AGE_MINUTES", 10),
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
