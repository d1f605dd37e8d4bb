"""The stack's settings: read from cdk.json context, validated before any construct is built."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.chat_channels import (
    SlackChannel,
    TeamsChannel,
    read_slack_channels,
    read_teams_channels,
)
from infra.config_checks import (
    ALARM_NAME,
    LOG_RETENTION_DAYS,
    OUTCOMES,
    SESSION_HARD_LIMIT_MINUTES,
    check_alarm_scope_excludes_own_alarms,
    check_lane_leaves_capacity,
    read_alarm_names,
    read_email_outcomes,
    read_emails,
    read_max_tag_budget,
    read_min_age,
    read_outcome_list,
    read_project_arns,
    read_retention,
    read_schedule,
    read_warning_lead,
)
from infra.context_values import (
    ConfigError,
    read_bool,
    read_choice,
    read_float,
    read_int,
    read_regex,
    read_str,
)
from infra.member_accounts import AccountScope, read_account_scope

# The key-specific checks and the values they allow are in infra/config_checks.py; these are
# importable from here as before.
__all__ = [
    "LOG_LEVELS",
    "LOG_RETENTION_DAYS",
    "OUTCOMES",
    "SERVICE_NAME",
    "SESSION_HARD_LIMIT_MINUTES",
    "ContextLookup",
    "StackConfig",
    "load_config",
]

LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
SERVICE_NAME = "session-stopper"

_REGION = r"[a-z]{2}(-[a-z]+)+-[0-9]+"
_NAMESPACE = r"(?!AWS/)[A-Za-z0-9._/#: -]{1,255}"


@dataclass(frozen=True)
class StackConfig:
    stage: str
    device_farm_region: str
    project_arns: tuple[str, ...]
    max_session_minutes: int
    sweep_min_age_minutes: int
    # The most a project's budget tag may set; the least is sweep_min_age_minutes.
    max_tag_budget_minutes: int
    sweep_schedule: str
    sweep_enabled: bool
    sweep_dry_run: bool
    sweep_workers: int
    price_per_device_minute: float
    alarm_names: tuple[str, ...]
    alarm_name_prefix: str
    kill_switch_alarm_names: tuple[str, ...]
    # False (the default): a kill switch stops protected names and exempt projects too.
    kill_switch_spares_exempt: bool
    alarm_max_age_minutes: int
    session_timers: bool
    # Lambda SnapStart on a published version behind the `live` alias, which every trigger
    # invokes; false targets the unqualified function ($LATEST) as before SnapStart.
    snap_start: bool
    # X-Ray SDK subsegments per AWS call; Lambda's active tracing is on either way.
    sdk_tracing: bool
    warning_lead_minutes: int
    max_extension_minutes: int
    protected_name_pattern: str
    notification_emails: tuple[str, ...]
    email_outcomes: tuple[str, ...]
    ops_notification_emails: tuple[str, ...]
    memory_size: int
    timeout_seconds: int
    reserved_concurrency: int
    # Caller commands' lane: the command queue's event source mapping invokes the function
    # with at most this many batches at once (infra/constructs/command_lane.py).
    command_lane_max_concurrency: int
    log_retention_days: int
    log_level: str
    metrics_namespace: str
    idempotency_window_seconds: int
    device_farm_max_attempts: int
    async_retry_attempts: int
    event_retry_attempts: int
    api_throttle_rate_limit: float
    api_throttle_burst_limit: int
    create_api_gateway_logs_role: bool
    slack_channels: tuple[SlackChannel, ...]
    teams_channels: tuple[TeamsChannel, ...]
    chat_outcomes: tuple[str, ...]
    # Member accounts (hub and spoke, docs/multi-account.md); the default is this account only.
    account_scope: AccountScope

    @property
    def name_prefix(self) -> str:
        """Every physical name starts with this, so stages never collide in one account."""
        return f"{SERVICE_NAME}-{self.stage}"

    @property
    def function_name(self) -> str:
        """Fixed, so the function's own ARN can be spelled out without referencing it."""
        return f"{self.name_prefix}-function"

    @property
    def command_bus_name(self) -> str:
        """The stack's own bus: commands, and Device Farm calls forwarded from another region."""
        return f"{self.name_prefix}-commands"

    @property
    def timer_group_name(self) -> str:
        """The EventBridge Scheduler group that holds the per-session timers."""
        return f"{self.name_prefix}-timers"

    @property
    def is_multi_account(self) -> bool:
        """True when the hub acts in member accounts too (through their spoke roles)."""
        return self.account_scope.is_multi_account

    @property
    def function_role_name(self) -> str:
        """The function role's name in multi-account mode: the spokes trust its ARN
        (aws:PrincipalArn), which must survive a replacement of the role."""
        return f"{self.name_prefix}-function"

    @property
    def spoke_role_name(self) -> str:
        """The role every spoke creates for the hub function to assume (SPOKE_ROLE_NAME)."""
        return f"{self.name_prefix}-spoke"

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(arn.rsplit(":", 1)[1] for arn in self.project_arns)

    @property
    def has_chat(self) -> bool:
        """False when no chat channel is configured: no chat topic, role or configuration."""
        return bool(self.slack_channels or self.teams_channels)

    @property
    def has_alarm_scope(self) -> bool:
        """False when no alarm may act on sessions at all: no rule, no permission, no grant."""
        return bool(self.alarm_names or self.alarm_name_prefix or self.kill_switch_alarm_names)


ContextLookup = Callable[[str], Any]


def load_config(lookup: ContextLookup) -> StackConfig:
    """Build the settings from context values; the first bad value raises ConfigError."""

    def get(key: str) -> Any:
        value = lookup(key)
        if value is None:
            raise ConfigError(key, "is missing; set it in cdk.json context or with -c")
        return value

    region = read_str("deviceFarmRegion", get("deviceFarmRegion"), _REGION, "must be a region")
    max_session_minutes = read_int(
        "maxSessionMinutes", get("maxSessionMinutes"), 1, SESSION_HARD_LIMIT_MINUTES
    )
    floor = read_min_age(get("sweepMinAgeMinutes"), max_session_minutes)
    config = StackConfig(
        stage=read_str(
            "stage",
            get("stage"),
            r"[a-z][a-z0-9-]{0,18}[a-z0-9]|[a-z]",
            "must be 1-20 lowercase letters, digits or hyphens, starting with a letter",
        ),
        device_farm_region=region,
        project_arns=tuple(read_project_arns(get("projectArns"), region)),
        max_session_minutes=max_session_minutes,
        sweep_min_age_minutes=floor,
        max_tag_budget_minutes=read_max_tag_budget(
            get("maxTagBudgetMinutes"), max_session_minutes, floor
        ),
        sweep_schedule=read_schedule(get("sweepSchedule")),
        sweep_enabled=read_bool("sweepEnabled", get("sweepEnabled")),
        sweep_dry_run=read_bool("sweepDryRun", get("sweepDryRun")),
        sweep_workers=read_int("sweepWorkers", get("sweepWorkers"), 1, 32),
        price_per_device_minute=read_float(
            "pricePerDeviceMinute", get("pricePerDeviceMinute"), 0, 100
        ),
        alarm_names=tuple(read_alarm_names("alarmNames", get("alarmNames"))),
        alarm_name_prefix=read_str(
            "alarmNamePrefix",
            get("alarmNamePrefix"),
            f"|{ALARM_NAME}",
            "must be empty or the start of an alarm name (no *, ? or comma)",
        ),
        kill_switch_alarm_names=tuple(
            read_alarm_names("killSwitchAlarmNames", get("killSwitchAlarmNames"))
        ),
        kill_switch_spares_exempt=read_bool(
            "killSwitchSparesExempt", get("killSwitchSparesExempt")
        ),
        alarm_max_age_minutes=read_int("alarmMaxAgeMinutes", get("alarmMaxAgeMinutes"), 1, 1440),
        session_timers=read_bool("sessionTimers", get("sessionTimers")),
        snap_start=read_bool("snapStart", get("snapStart")),
        sdk_tracing=read_bool("sdkTracing", get("sdkTracing")),
        warning_lead_minutes=read_warning_lead(get("warningLeadMinutes"), max_session_minutes),
        # At most the hard limit: no extension can keep a session past Device Farm's own end.
        max_extension_minutes=read_int(
            "maxExtensionMinutes", get("maxExtensionMinutes"), 0, SESSION_HARD_LIMIT_MINUTES
        ),
        protected_name_pattern=read_regex("protectedNamePattern", get("protectedNamePattern")),
        notification_emails=tuple(read_emails("notificationEmails", get("notificationEmails"))),
        email_outcomes=tuple(read_email_outcomes(get("emailOutcomes"))),
        ops_notification_emails=tuple(
            read_emails("opsNotificationEmails", get("opsNotificationEmails"))
        ),
        memory_size=read_int("memorySize", get("memorySize"), 128, 10240),
        # Sweeps keep 60 s in reserve to finish the stops in flight and publish the summary.
        timeout_seconds=read_int("timeoutSeconds", get("timeoutSeconds"), 120, 900),
        reserved_concurrency=read_int("reservedConcurrency", get("reservedConcurrency"), 0, 1000),
        # Lambda's bounds for an SQS event source's MaximumConcurrency.
        command_lane_max_concurrency=read_int(
            "commandLaneMaxConcurrency", get("commandLaneMaxConcurrency"), 2, 1000
        ),
        log_retention_days=read_retention(get("logRetentionDays")),
        log_level=read_choice("logLevel", get("logLevel"), LOG_LEVELS, fold_case=True),
        metrics_namespace=read_str(
            "metricsNamespace",
            get("metricsNamespace"),
            _NAMESPACE,
            "must be a CloudWatch namespace (1-255 of A-Za-z0-9._/#:- and space, not AWS/...)",
        ),
        idempotency_window_seconds=read_int(
            "idempotencyWindowSeconds", get("idempotencyWindowSeconds"), 1, 86400
        ),
        device_farm_max_attempts=read_int(
            "deviceFarmMaxAttempts", get("deviceFarmMaxAttempts"), 1, 10
        ),
        async_retry_attempts=read_int("asyncRetryAttempts", get("asyncRetryAttempts"), 0, 2),
        event_retry_attempts=read_int("eventRetryAttempts", get("eventRetryAttempts"), 0, 185),
        api_throttle_rate_limit=read_float(
            "apiThrottleRateLimit", get("apiThrottleRateLimit"), 1, 10000
        ),
        api_throttle_burst_limit=read_int(
            "apiThrottleBurstLimit", get("apiThrottleBurstLimit"), 1, 5000
        ),
        create_api_gateway_logs_role=read_bool(
            "createApiGatewayLogsRole", get("createApiGatewayLogsRole")
        ),
        slack_channels=tuple(read_slack_channels(get("slackChannels"))),
        teams_channels=tuple(read_teams_channels(get("teamsChannels"))),
        chat_outcomes=tuple(read_outcome_list("chatOutcomes", get("chatOutcomes"))),
        account_scope=read_account_scope(
            get("memberAccounts"),
            get("organizationUnitIds"),
            get("organizationId"),
            get("hubAccountInScope"),
            get("spokeExternalId"),
        ),
    )
    check_alarm_scope_excludes_own_alarms(config)
    check_lane_leaves_capacity(config)
    return config
