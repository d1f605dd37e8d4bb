"""The stack's settings: read from cdk.json context, validated before any construct is built."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from infra.chat_channels import (
    SlackChannel,
    TeamsChannel,
    read_slack_channels,
    read_teams_channels,
)
from infra.context_values import (
    ConfigError,
    read_bool,
    read_choice,
    read_float,
    read_int,
    read_regex,
    read_str,
    read_str_list,
)

# The values CloudWatch Logs accepts for a retention policy (PutRetentionPolicy), each with
# the name of its aws_logs.RetentionDays member (jsii enums are looked up by name).
LOG_RETENTION_DAYS = {
    1: "ONE_DAY",
    3: "THREE_DAYS",
    5: "FIVE_DAYS",
    7: "ONE_WEEK",
    14: "TWO_WEEKS",
    30: "ONE_MONTH",
    60: "TWO_MONTHS",
    90: "THREE_MONTHS",
    120: "FOUR_MONTHS",
    150: "FIVE_MONTHS",
    180: "SIX_MONTHS",
    365: "ONE_YEAR",
    400: "THIRTEEN_MONTHS",
    545: "EIGHTEEN_MONTHS",
    731: "TWO_YEARS",
    1096: "THREE_YEARS",
    1827: "FIVE_YEARS",
    2192: "SIX_YEARS",
    2557: "SEVEN_YEARS",
    2922: "EIGHT_YEARS",
    3288: "NINE_YEARS",
    3653: "TEN_YEARS",
}
LOG_LEVELS = ("DEBUG", "INFO", "WARN", "ERROR")
SERVICE_NAME = "session-stopper"
# Device Farm ends every remote access session after 150 minutes, so older is meaningless.
SESSION_HARD_LIMIT_MINUTES = 150
# Outcomes an email subscription may ask for (docs/contracts.md); the default is what needs a
# person: a session stopped, one Device Farm refused to stop, one skipped.
OUTCOMES = ("STOPPED", "ALREADY_ENDED", "NOT_FOUND", "REJECTED", "FAILED", "SKIPPED")

_REGION = r"[a-z]{2}(-[a-z]+)+-[0-9]+"
_EMAIL = r"[^@\s,]+@[^@\s,]+\.[^@\s,]+"
# The function reads alarm names from comma-separated variables, so a comma cannot be part of one.
_ALARM_NAME = r"[^\s*?,][^*?,\x00-\x1f]{0,254}"
_ALARM_NAME_HINT = "must be a CloudWatch alarm name (1-255 characters, no *, ? or comma)"
_NAMESPACE = r"(?!AWS/)[A-Za-z0-9._/#: -]{1,255}"
_RATE = re.compile(r"rate\((?P<value>[0-9]+) (?P<unit>minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")


@dataclass(frozen=True)
class StackConfig:
    stage: str
    device_farm_region: str
    project_arns: tuple[str, ...]
    max_session_minutes: int
    sweep_min_age_minutes: int
    sweep_schedule: str
    sweep_enabled: bool
    sweep_dry_run: bool
    sweep_workers: int
    price_per_device_minute: float
    alarm_names: tuple[str, ...]
    alarm_name_prefix: str
    kill_switch_alarm_names: tuple[str, ...]
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
    config = StackConfig(
        stage=read_str(
            "stage",
            get("stage"),
            r"[a-z][a-z0-9-]{0,18}[a-z0-9]|[a-z]",
            "must be 1-20 lowercase letters, digits or hyphens, starting with a letter",
        ),
        device_farm_region=region,
        project_arns=tuple(_read_project_arns(get("projectArns"), region)),
        max_session_minutes=max_session_minutes,
        sweep_min_age_minutes=_read_min_age(get("sweepMinAgeMinutes"), max_session_minutes),
        sweep_schedule=_read_schedule(get("sweepSchedule")),
        sweep_enabled=read_bool("sweepEnabled", get("sweepEnabled")),
        sweep_dry_run=read_bool("sweepDryRun", get("sweepDryRun")),
        sweep_workers=read_int("sweepWorkers", get("sweepWorkers"), 1, 32),
        price_per_device_minute=read_float(
            "pricePerDeviceMinute", get("pricePerDeviceMinute"), 0, 100
        ),
        alarm_names=tuple(_read_alarm_names("alarmNames", get("alarmNames"))),
        alarm_name_prefix=read_str(
            "alarmNamePrefix",
            get("alarmNamePrefix"),
            f"|{_ALARM_NAME}",
            "must be empty or the start of an alarm name (no *, ? or comma)",
        ),
        kill_switch_alarm_names=tuple(
            _read_alarm_names("killSwitchAlarmNames", get("killSwitchAlarmNames"))
        ),
        alarm_max_age_minutes=read_int("alarmMaxAgeMinutes", get("alarmMaxAgeMinutes"), 1, 1440),
        session_timers=read_bool("sessionTimers", get("sessionTimers")),
        snap_start=read_bool("snapStart", get("snapStart")),
        sdk_tracing=read_bool("sdkTracing", get("sdkTracing")),
        warning_lead_minutes=_read_warning_lead(get("warningLeadMinutes"), max_session_minutes),
        # At most the hard limit: no extension can keep a session past Device Farm's own end.
        max_extension_minutes=read_int(
            "maxExtensionMinutes", get("maxExtensionMinutes"), 0, SESSION_HARD_LIMIT_MINUTES
        ),
        protected_name_pattern=read_regex("protectedNamePattern", get("protectedNamePattern")),
        notification_emails=tuple(_read_emails("notificationEmails", get("notificationEmails"))),
        email_outcomes=tuple(_read_email_outcomes(get("emailOutcomes"))),
        ops_notification_emails=tuple(
            _read_emails("opsNotificationEmails", get("opsNotificationEmails"))
        ),
        memory_size=read_int("memorySize", get("memorySize"), 128, 10240),
        # Sweeps keep 60 s in reserve to finish the stops in flight and publish the summary.
        timeout_seconds=read_int("timeoutSeconds", get("timeoutSeconds"), 120, 900),
        reserved_concurrency=read_int("reservedConcurrency", get("reservedConcurrency"), 0, 1000),
        log_retention_days=_read_retention(get("logRetentionDays")),
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
        chat_outcomes=tuple(_read_outcome_list("chatOutcomes", get("chatOutcomes"))),
    )
    _check_alarm_scope_excludes_own_alarms(config)
    return config


def _read_project_arns(raw: Any, region: str) -> list[str]:
    pattern = rf"arn:aws:devicefarm:{re.escape(region)}:[0-9]{{12}}:project:[A-Za-z0-9-]+"
    return read_str_list(
        "projectArns",
        raw,
        pattern,
        f"must be a Device Farm project ARN in {region} (arn:aws:devicefarm:{region}:"
        "<account>:project:<id>)",
        max_items=50,
    )


def _read_min_age(raw: Any, max_session_minutes: int) -> int:
    minutes = read_int("sweepMinAgeMinutes", raw, 0, SESSION_HARD_LIMIT_MINUTES)
    if minutes > max_session_minutes:
        raise ConfigError(
            "sweepMinAgeMinutes",
            f"must not exceed maxSessionMinutes ({max_session_minutes}): it is the floor of "
            "every sweep's age, the scheduled sweep's included",
            raw,
        )
    return minutes


def _read_warning_lead(raw: Any, max_session_minutes: int) -> int:
    minutes = read_int("warningLeadMinutes", raw, 0, 60)
    if minutes >= max_session_minutes:
        raise ConfigError(
            "warningLeadMinutes",
            f"must be less than maxSessionMinutes ({max_session_minutes}): the warning would "
            "come at or before the start of a session with the default budget",
            raw,
        )
    return minutes


def _read_alarm_names(key: str, raw: Any) -> list[str]:
    return read_str_list(key, raw, _ALARM_NAME, _ALARM_NAME_HINT, max_items=20)


def _read_email_outcomes(raw: Any) -> list[str]:
    key = "emailOutcomes"
    outcomes = read_str_list(
        key, raw, "|".join(OUTCOMES), f"must be one of {', '.join(OUTCOMES)}", max_items=6
    )
    if not outcomes:
        raise ConfigError(key, "must name at least one outcome (SNS refuses an empty filter)")
    return outcomes


def _read_outcome_list(key: str, raw: Any) -> list[str]:
    """Outcomes a chat channel is told of (the function's CHAT_OUTCOMES); at least one."""
    outcomes = read_str_list(
        key, raw, "|".join(OUTCOMES), f"must be one of {', '.join(OUTCOMES)}", max_items=6
    )
    if not outcomes:
        raise ConfigError(key, "must name at least one outcome")
    return outcomes


def _read_emails(key: str, raw: Any) -> list[str]:
    return read_str_list(key, raw, _EMAIL, "must be an email address", max_items=10)


def _read_schedule(raw: Any) -> str:
    key = "sweepSchedule"
    hint = "must be 'rate(<n> minute[s]|hour[s]|day[s])' or 'cron(<6 fields>)'"
    if not isinstance(raw, str):
        raise ConfigError(key, hint, raw)
    if _CRON.fullmatch(raw):
        return raw
    rate = _RATE.fullmatch(raw)
    if not rate or int(rate.group("value")) < 1:
        raise ConfigError(key, hint, raw)
    # EventBridge rejects "rate(1 minutes)" and "rate(5 minute)": the unit's number must agree.
    if (int(rate.group("value")) == 1) == rate.group("unit").endswith("s"):
        raise ConfigError(key, "use a singular unit for 1 and a plural unit otherwise", raw)
    return raw


def _read_retention(raw: Any) -> int:
    days = read_int("logRetentionDays", raw, 1, 3653)
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(value) for value in sorted(LOG_RETENTION_DAYS))
        raise ConfigError("logRetentionDays", f"must be one of {allowed}", raw)
    return days


def _check_alarm_scope_excludes_own_alarms(config: StackConfig) -> None:
    """The stack's ops alarms must never match an alarm scope, and each configured alarm has one
    authority: stop the session it names, or (kill switch) sweep everything."""
    own_prefix = f"{config.name_prefix}-"
    prefix = config.alarm_name_prefix
    if prefix and (own_prefix.startswith(prefix) or prefix.startswith(own_prefix)):
        raise ConfigError(
            "alarmNamePrefix",
            f"would match this stack's own ops alarms ('{own_prefix}...') and stop sessions "
            "whenever one of them fires",
            prefix,
        )
    for key, names in (
        ("alarmNames", config.alarm_names),
        ("killSwitchAlarmNames", config.kill_switch_alarm_names),
    ):
        for name in names:
            if name.startswith(own_prefix):
                raise ConfigError(key, "must not name one of this stack's ops alarms", name)
    for name in config.kill_switch_alarm_names:
        if name in config.alarm_names or (prefix and name.startswith(prefix)):
            raise ConfigError(
                "killSwitchAlarmNames",
                "must not also be a session alarm (alarmNames, alarmNamePrefix): an alarm either "
                "stops the session it names or sweeps everything",
                name,
            )
