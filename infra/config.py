"""The stack's settings: read from cdk.json context, validated before any construct is built."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from infra.powertools import pinned_version

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

_REGION = r"[a-z]{2}(-[a-z]+)+-\d+"
_EMAIL = r"[^@\s,]+@[^@\s,]+\.[^@\s,]+"
_ALARM_NAME = r"[^\s*?][^*?\x00-\x1f]{0,254}"
_LAYER_ARN = r"arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:layer:[A-Za-z0-9_-]+:\d+"
_NAMESPACE = r"(?!AWS/)[A-Za-z0-9._/#: -]{1,255}"
_RATE = re.compile(r"rate\((?P<value>\d+) (?P<unit>minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")


@dataclass(frozen=True)
class StackConfig:
    stage: str
    device_farm_region: str
    project_arns: tuple[str, ...]
    max_session_minutes: int
    sweep_schedule: str
    sweep_enabled: bool
    sweep_dry_run: bool
    sweep_workers: int
    price_per_device_minute: float
    alarm_names: tuple[str, ...]
    alarm_name_prefix: str
    protected_name_pattern: str
    notification_emails: tuple[str, ...]
    ops_notification_emails: tuple[str, ...]
    memory_size: int
    timeout_seconds: int
    log_retention_days: int
    log_level: str
    powertools_version: str
    powertools_layer_arn: str
    metrics_namespace: str
    idempotency_window_seconds: int
    device_farm_max_attempts: int
    async_retry_attempts: int
    event_retry_attempts: int
    api_throttle_rate_limit: float
    api_throttle_burst_limit: int
    create_api_gateway_logs_role: bool

    @property
    def name_prefix(self) -> str:
        """Every physical name starts with this, so stages never collide in one account."""
        return f"{SERVICE_NAME}-{self.stage}"

    @property
    def project_ids(self) -> tuple[str, ...]:
        return tuple(arn.rsplit(":", 1)[1] for arn in self.project_arns)


ContextLookup = Callable[[str], Any]


def read_context_defaults(cdk_json: Path) -> dict[str, Any]:
    """cdk.json's context block: the one place defaults live, also for `python app.py`."""
    document = json.loads(cdk_json.read_text(encoding="utf-8"))
    context = document.get("context", {})
    if not isinstance(context, dict):
        raise ConfigError("context", "cdk.json 'context' must be an object")
    return context


def load_config(lookup: ContextLookup, requirements: Path) -> StackConfig:
    """Build the settings from context values; the first bad value raises ConfigError."""

    def get(key: str) -> Any:
        value = lookup(key)
        if value is None:
            raise ConfigError(key, "is missing; set it in cdk.json context or with -c")
        return value

    region = read_str("deviceFarmRegion", get("deviceFarmRegion"), _REGION, "must be a region")
    config = StackConfig(
        stage=read_str(
            "stage",
            get("stage"),
            r"[a-z][a-z0-9-]{0,18}[a-z0-9]|[a-z]",
            "must be 1-20 lowercase letters, digits or hyphens, starting with a letter",
        ),
        device_farm_region=region,
        project_arns=tuple(_read_project_arns(get("projectArns"), region)),
        max_session_minutes=read_int(
            "maxSessionMinutes", get("maxSessionMinutes"), 1, SESSION_HARD_LIMIT_MINUTES
        ),
        sweep_schedule=_read_schedule(get("sweepSchedule")),
        sweep_enabled=read_bool("sweepEnabled", get("sweepEnabled")),
        sweep_dry_run=read_bool("sweepDryRun", get("sweepDryRun")),
        sweep_workers=read_int("sweepWorkers", get("sweepWorkers"), 1, 32),
        price_per_device_minute=read_float(
            "pricePerDeviceMinute", get("pricePerDeviceMinute"), 0, 100
        ),
        alarm_names=tuple(
            read_str_list(
                "alarmNames",
                get("alarmNames"),
                _ALARM_NAME,
                "must be a CloudWatch alarm name (1-255 characters, no * or ?)",
                max_items=20,
            )
        ),
        alarm_name_prefix=read_str(
            "alarmNamePrefix",
            get("alarmNamePrefix"),
            f"|{_ALARM_NAME}",
            "must be empty or the start of an alarm name (no * or ?)",
        ),
        protected_name_pattern=read_regex("protectedNamePattern", get("protectedNamePattern")),
        notification_emails=tuple(_read_emails("notificationEmails", get("notificationEmails"))),
        ops_notification_emails=tuple(
            _read_emails("opsNotificationEmails", get("opsNotificationEmails"))
        ),
        memory_size=read_int("memorySize", get("memorySize"), 128, 10240),
        # Sweeps keep 60 s in reserve to finish the stops in flight and publish the summary.
        timeout_seconds=read_int("timeoutSeconds", get("timeoutSeconds"), 120, 900),
        log_retention_days=_read_retention(get("logRetentionDays")),
        log_level=read_choice("logLevel", get("logLevel"), LOG_LEVELS),
        powertools_version=_read_powertools_version(get("powertoolsVersion"), requirements),
        powertools_layer_arn=read_str(
            "powertoolsLayerArn",
            get("powertoolsLayerArn"),
            f"|{_LAYER_ARN}",
            "must be empty or a Lambda layer version ARN",
        ),
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
    )
    _check_alarm_scope_excludes_own_alarms(config)
    return config


def _read_project_arns(raw: Any, region: str) -> list[str]:
    pattern = rf"arn:aws:devicefarm:{re.escape(region)}:\d{{12}}:project:[A-Za-z0-9-]+"
    return read_str_list(
        "projectArns",
        raw,
        pattern,
        f"must be a Device Farm project ARN in {region} (arn:aws:devicefarm:{region}:"
        "<account>:project:<id>)",
        max_items=50,
    )


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


def _read_powertools_version(raw: Any, requirements: Path) -> str:
    """Empty means: the version pinned in requirements.txt, the one the tests ran with."""
    version = read_str(
        "powertoolsVersion", raw, r"|\d+\.\d+\.\d+", "must be empty or a version like 3.37.0"
    )
    return version or pinned_version(requirements)


def _check_alarm_scope_excludes_own_alarms(config: StackConfig) -> None:
    """The stack's ops alarms must never match the kill-switch alarm scope."""
    own_prefix = f"{config.name_prefix}-"
    prefix = config.alarm_name_prefix
    if prefix and (own_prefix.startswith(prefix) or prefix.startswith(own_prefix)):
        raise ConfigError(
            "alarmNamePrefix",
            f"would match this stack's own ops alarms ('{own_prefix}...') and stop sessions "
            "whenever one of them fires",
            prefix,
        )
    for name in config.alarm_names:
        if name.startswith(own_prefix):
            raise ConfigError("alarmNames", "must not name one of this stack's ops alarms", name)
