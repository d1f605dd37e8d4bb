"""Checks of particular cdk.json context keys, beyond their type: each knows its key, the
values it allows and, for a few, the other settings it must agree with. load_config
(infra/config.py) calls them; the generic typed readers are in infra/context_values.py."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from infra.context_values import ConfigError, read_int, read_str_list

if TYPE_CHECKING:
    from infra.config import StackConfig

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
# Device Farm ends every remote access session after 150 minutes, so older is meaningless.
SESSION_HARD_LIMIT_MINUTES = 150
# Outcomes an email subscription may ask for (docs/contracts.md); the default is what needs a
# person: a session stopped, one Device Farm refused to stop, one skipped.
OUTCOMES = ("STOPPED", "ALREADY_ENDED", "NOT_FOUND", "REJECTED", "FAILED", "SKIPPED")

# What the command lane must leave of the reserved concurrency to the automatic triggers: a sweep
# (the schedule's or a kill switch's), the link continuing it while the previous one ends, and
# one alarm action, timer or API request beside them.
AUTOMATIC_CAPACITY_FLOOR = 3
# Lambda's least MaximumConcurrency for an SQS event source mapping.
LANE_MIN_CONCURRENCY = 2

_EMAIL = r"[^@\s,]+@[^@\s,]+\.[^@\s,]+"
# The function reads alarm names from comma-separated variables, so a comma cannot be part of one.
ALARM_NAME = r"[^\s*?,][^*?,\x00-\x1f]{0,254}"
_ALARM_NAME_HINT = "must be a CloudWatch alarm name (1-255 characters, no *, ? or comma)"
_RATE = re.compile(r"rate\((?P<value>[0-9]+) (?P<unit>minute|minutes|hour|hours|day|days)\)")
_CRON = re.compile(r"cron\(\S+( \S+){5}\)")


def read_project_arns(raw: Any, region: str) -> list[str]:
    pattern = rf"arn:aws:devicefarm:{re.escape(region)}:[0-9]{{12}}:project:[A-Za-z0-9-]+"
    return read_str_list(
        "projectArns",
        raw,
        pattern,
        f"must be a Device Farm project ARN in {region} (arn:aws:devicefarm:{region}:"
        "<account>:project:<id>)",
        max_items=50,
    )


def read_min_age(raw: Any, max_session_minutes: int) -> int:
    minutes = read_int("sweepMinAgeMinutes", raw, 0, SESSION_HARD_LIMIT_MINUTES)
    if minutes > max_session_minutes:
        raise ConfigError(
            "sweepMinAgeMinutes",
            f"must not exceed maxSessionMinutes ({max_session_minutes}): it is the floor of "
            "every sweep's age, the scheduled sweep's included",
            raw,
        )
    return minutes


def read_max_tag_budget(raw: Any, max_session_minutes: int, floor: int) -> int:
    """The most a project's budget tag may set; "" (cdk.json's default) is maxSessionMinutes."""
    key = "maxTagBudgetMinutes"
    if raw == "":
        return max_session_minutes  # never below the floor: read_min_age keeps it at most this
    minutes = read_int(key, raw, 1, SESSION_HARD_LIMIT_MINUTES)
    if minutes < floor:
        raise ConfigError(
            key,
            f"must not be less than sweepMinAgeMinutes ({floor}), the least a tag's budget is "
            "raised to",
            raw,
        )
    return minutes


def read_warning_lead(raw: Any, max_session_minutes: int) -> int:
    minutes = read_int("warningLeadMinutes", raw, 0, 60)
    if minutes >= max_session_minutes:
        raise ConfigError(
            "warningLeadMinutes",
            f"must be less than maxSessionMinutes ({max_session_minutes}): the warning would "
            "come at or before the start of a session with the default budget",
            raw,
        )
    return minutes


def read_alarm_names(key: str, raw: Any) -> list[str]:
    return read_str_list(key, raw, ALARM_NAME, _ALARM_NAME_HINT, max_items=20)


def read_email_outcomes(raw: Any) -> list[str]:
    key = "emailOutcomes"
    outcomes = read_str_list(
        key, raw, "|".join(OUTCOMES), f"must be one of {', '.join(OUTCOMES)}", max_items=6
    )
    if not outcomes:
        raise ConfigError(key, "must name at least one outcome (SNS refuses an empty filter)")
    return outcomes


def read_outcome_list(key: str, raw: Any) -> list[str]:
    """Outcomes a chat channel is told of (the function's CHAT_OUTCOMES); at least one."""
    outcomes = read_str_list(
        key, raw, "|".join(OUTCOMES), f"must be one of {', '.join(OUTCOMES)}", max_items=6
    )
    if not outcomes:
        raise ConfigError(key, "must name at least one outcome")
    return outcomes


def read_emails(key: str, raw: Any) -> list[str]:
    return read_str_list(key, raw, _EMAIL, "must be an email address", max_items=10)


def read_schedule(raw: Any) -> str:
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


def read_retention(raw: Any) -> int:
    days = read_int("logRetentionDays", raw, 1, 3653)
    if days not in LOG_RETENTION_DAYS:
        allowed = ", ".join(str(value) for value in sorted(LOG_RETENTION_DAYS))
        raise ConfigError("logRetentionDays", f"must be one of {allowed}", raw)
    return days


def check_alarm_scope_excludes_own_alarms(config: StackConfig) -> None:
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


def check_lane_leaves_capacity(config: StackConfig) -> None:
    """Callers' commands run in the command lane, at most commandLaneMaxConcurrency batches at
    once; the rest of the reserved concurrency is what alarms, timers, sweeps and the API can
    always have, so it may not fall below AUTOMATIC_CAPACITY_FLOOR. Without a reservation (0)
    the function draws on the account's unreserved pool, which the lane cannot empty alone."""
    reserved = config.reserved_concurrency
    if not reserved:
        return
    least = LANE_MIN_CONCURRENCY + AUTOMATIC_CAPACITY_FLOOR
    if reserved < least:
        raise ConfigError(
            "reservedConcurrency",
            f"must be 0 (no reservation) or at least {least}: the command lane takes at least "
            f"{LANE_MIN_CONCURRENCY} and alarms, timers and sweeps keep "
            f"{AUTOMATIC_CAPACITY_FLOOR} of their own",
            reserved,
        )
    most = reserved - AUTOMATIC_CAPACITY_FLOOR
    if config.command_lane_max_concurrency > most:
        raise ConfigError(
            "commandLaneMaxConcurrency",
            f"must be at most {most}: reservedConcurrency ({reserved}) minus the "
            f"{AUTOMATIC_CAPACITY_FLOOR} that alarms, timers and sweeps keep, so a flood of "
            "caller commands never takes their capacity",
            config.command_lane_max_concurrency,
        )
