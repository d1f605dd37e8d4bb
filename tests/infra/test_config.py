"""Context parsing and validation: fails before any construct is built, so no synth is needed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from infra.config import LOG_RETENTION_DAYS, StackConfig, load_config
from infra.context_keys import check_context_keys, read_context_defaults
from infra.context_values import ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = read_context_defaults(ROOT / "cdk.json")
PROJECT = "arn:aws:devicefarm:us-west-2:111122223333:project:11111111-2222-3333-4444-555555555555"


def load(**overrides: Any) -> StackConfig:
    context = {**DEFAULTS, **overrides}
    return load_config(context.get)


def test_cdk_json_defaults_are_valid() -> None:
    config = load()
    assert config.stage == "dev"
    assert config.device_farm_region == "us-west-2"
    assert config.name_prefix == "session-stopper-dev"
    assert config.project_arns == ()
    assert config.memory_size == 256
    assert config.timeout_seconds == 300
    assert config.sweep_enabled is True


def test_defaults_are_safe_for_a_first_deploy() -> None:
    """A first deploy stops nothing on its own, changes no account setting, and keeps the
    function from taking the account's whole concurrency."""
    config = load()
    assert config.sweep_dry_run is True
    assert config.create_api_gateway_logs_role is False
    assert config.reserved_concurrency == 10
    assert config.sweep_min_age_minutes == 30
    assert config.alarm_max_age_minutes == 10
    # A kill switch means everything; a tag may set at most the default budget.
    assert config.kill_switch_spares_exempt is False
    assert config.max_tag_budget_minutes == config.max_session_minutes == 60
    assert config.kill_switch_alarm_names == ()
    assert config.has_alarm_scope is False, "no alarm may stop sessions until one is named"
    assert config.email_outcomes == ("STOPPED", "FAILED", "SKIPPED")


def test_cdk_json_sets_exactly_the_keys_the_app_reads() -> None:
    """cdk.json is the list of known keys: it must be exactly what load_config asks for."""
    asked: list[str] = []

    def lookup(key: str) -> Any:
        asked.append(key)
        return DEFAULTS.get(key)

    load_config(lookup)
    assert sorted(set(asked)) == sorted(DEFAULTS)


@pytest.mark.parametrize(
    ("key", "suggestion"),
    [
        ("sweepDryrun", "sweepDryRun"),
        ("sweepdryrun", "sweepDryRun"),
        ("alarmName", "alarmNames"),
        ("killSwitchAlarms", "killSwitchAlarmNames"),
        ("reservedConcurency", "reservedConcurrency"),
        # A session's "maximum age" is its budget, not the sweep's floor (sweepMinAgeMinutes).
        ("sweepMaxAgeMinutes", "maxSessionMinutes"),
        ("maxAgeMinutes", "maxSessionMinutes"),
        ("MaxAgeMinutes", "maxSessionMinutes"),
    ],
)
def test_a_misspelled_key_fails_naming_the_closest_setting(key: str, suggestion: str) -> None:
    with pytest.raises(ConfigError) as raised:
        check_context_keys([*DEFAULTS, key], known=DEFAULTS)
    assert raised.value.key == key
    assert f"did you mean '{suggestion}'?" in str(raised.value)


def test_an_unrelated_key_fails_without_a_guess() -> None:
    with pytest.raises(ConfigError, match="'colour': is not a setting of this app; see docs"):
        check_context_keys(["colour"], known=DEFAULTS)


@pytest.mark.parametrize(
    "key",
    [
        "@aws-cdk/core:enableStackNameDuplicates",
        "aws:cdk:enable-path-metadata",
        "aws-cdk:enableDiffNoFail",
        "availability-zones:account=111122223333:region=us-west-2",
        "cdk-nag-suppressions",
        "acknowledged-issue-numbers",
        "cli-telemetry",
    ],
)
def test_keys_the_cdk_itself_uses_are_left_alone(key: str) -> None:
    check_context_keys([*DEFAULTS, key], known=DEFAULTS)


def test_timers_are_on_by_default_with_a_warning_and_an_hour_of_extensions() -> None:
    config = load()
    assert config.session_timers is True
    assert (config.warning_lead_minutes, config.max_extension_minutes) == (5, 60)
    assert config.timer_group_name == "session-stopper-dev-timers"
    assert config.function_name == "session-stopper-dev-function"


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sessionTimers": "false"}, (False, 5, 60)),
        ({"warningLeadMinutes": 0, "maxExtensionMinutes": 0}, (True, 0, 0)),
        ({"warningLeadMinutes": "60", "maxSessionMinutes": 61}, (True, 60, 60)),
        ({"warningLeadMinutes": 44, "maxSessionMinutes": "45"}, (True, 44, 60)),
        ({"maxExtensionMinutes": "150"}, (True, 5, 150)),
        # No warning is always below the budget, however short.
        ({"warningLeadMinutes": 0, "maxSessionMinutes": 1, "sweepMinAgeMinutes": 0}, (True, 0, 60)),
    ],
)
def test_timer_settings(overrides: dict[str, Any], expected: tuple[bool, int, int]) -> None:
    config = load(**overrides)
    assert (
        config.session_timers,
        config.warning_lead_minutes,
        config.max_extension_minutes,
    ) == expected


def test_the_warning_must_come_after_the_session_starts() -> None:
    """A lead of at least the default budget would warn at (or before) a session's start."""
    with pytest.raises(ConfigError) as raised:
        load(warningLeadMinutes=10, maxSessionMinutes=10, sweepMinAgeMinutes=5)
    assert str(raised.value) == (
        "cdk.json context 'warningLeadMinutes': must be less than maxSessionMinutes (10): the "
        "warning would come at or before the start of a session with the default budget (got 10)"
    )


def test_sweep_floor_may_equal_the_scheduled_age() -> None:
    config = load(maxSessionMinutes=45, sweepMinAgeMinutes="45")
    assert (config.max_session_minutes, config.sweep_min_age_minutes) == (45, 45)
    assert load(sweepMinAgeMinutes=0).sweep_min_age_minutes == 0


def test_the_tag_ceiling_follows_the_default_budget_unless_set() -> None:
    assert load(maxSessionMinutes=90).max_tag_budget_minutes == 90
    assert load(maxTagBudgetMinutes=120).max_tag_budget_minutes == 120
    assert load(maxTagBudgetMinutes="45").max_tag_budget_minutes == 45  # -c maxTagBudgetMinutes=45
    assert load(maxTagBudgetMinutes=30).max_tag_budget_minutes == 30, "equal to the floor"
    assert load(killSwitchSparesExempt="true").kill_switch_spares_exempt is True


def test_no_alarm_configuration_means_no_alarm_scope() -> None:
    """By default no alarm may act: anyone who may create an alarm named with a default prefix
    could otherwise stop sessions. Any one of names, a prefix or a kill switch gives a scope."""
    default = load()
    assert (default.alarm_names, default.alarm_name_prefix) == ((), "")
    assert default.kill_switch_alarm_names == ()
    assert default.has_alarm_scope is False
    assert load(alarmNames="qa-budget").has_alarm_scope is True
    assert load(alarmNamePrefix="devicefarm-stop-").has_alarm_scope is True
    assert load(killSwitchAlarmNames="kill").has_alarm_scope is True


def test_cli_strings_are_coerced() -> None:
    """`cdk synth -c key=value` passes every value as a string."""
    config = load(
        memorySize="512",
        sweepEnabled="false",
        pricePerDeviceMinute="0.2",
        projectArns=f"{PROJECT}",
        notificationEmails='["a@example.com", "b@example.com"]',
        alarmNames="one, two",
    )
    assert config.memory_size == 512
    assert config.sweep_enabled is False
    assert config.price_per_device_minute == pytest.approx(0.2)
    assert config.project_arns == (PROJECT,)
    assert config.project_ids == ("11111111-2222-3333-4444-555555555555",)
    assert config.notification_emails == ("a@example.com", "b@example.com")
    assert config.alarm_names == ("one", "two")


@pytest.mark.parametrize(
    "schedule", ["rate(1 minute)", "rate(15 minutes)", "rate(2 hours)", "cron(0 8 * * ? *)"]
)
def test_valid_schedules(schedule: str) -> None:
    assert load(sweepSchedule=schedule).sweep_schedule == schedule


BAD_CONTEXT = [
    ("stage", "Prod", "lowercase"),
    ("stage", "a-very-long-stage-name-here", "1-20"),
    ("stage", "", "lowercase"),
    ("deviceFarmRegion", "oregon", "region"),
    ("projectArns", ["arn:aws:devicefarm:us-west-2:1234:project:x"], "project ARN"),
    ("projectArns", [PROJECT.replace("us-west-2", "us-east-1")], "in us-west-2"),
    ("projectArns", [PROJECT, PROJECT], "repeat"),
    ("projectArns", "[not json", "JSON list"),
    ("projectArns", 42, "list of strings"),
    ("maxSessionMinutes", 0, "from 1 to 150"),
    ("maxSessionMinutes", 151, "from 1 to 150"),
    ("maxSessionMinutes", "sixty", "whole number"),
    ("maxSessionMinutes", True, "whole number"),
    ("sweepSchedule", "every 15 minutes", "rate("),
    ("sweepSchedule", "rate(1 minutes)", "singular unit"),
    ("sweepSchedule", "rate(5 minute)", "singular unit"),
    ("sweepSchedule", "rate(0 minutes)", "rate("),
    ("sweepSchedule", "cron(0 8 * * ?)", "cron(<6 fields>)"),
    ("sweepEnabled", "yes", "true or false"),
    ("sweepDryRun", 1, "true or false"),
    ("sweepWorkers", 0, "from 1 to 32"),
    ("pricePerDeviceMinute", -0.01, "number from 0"),
    ("pricePerDeviceMinute", "cheap", "number from 0"),
    ("alarmNames", ["prod-*"], "no *, ? or comma"),
    ("alarmNames", '["a,b"]', "no *, ? or comma"),
    ("alarmNames", [f"a{n}" for n in range(21)], "at most 20"),
    ("alarmNames", ["session-stopper-dev-function-errors"], "ops alarms"),
    ("alarmNamePrefix", "stop*", "no *, ? or comma"),
    ("alarmNamePrefix", "session-stopper-", "own ops alarms"),
    ("alarmNamePrefix", "session-stopper-dev-fun", "own ops alarms"),
    ("killSwitchAlarmNames", ["all-*"], "no *, ? or comma"),
    ("killSwitchAlarmNames", [f"k{n}" for n in range(21)], "at most 20"),
    ("killSwitchAlarmNames", ["session-stopper-dev-outcome-failed"], "ops alarms"),
    ("alarmMaxAgeMinutes", 0, "from 1 to 1440"),
    ("memorySize", "\uff12\uff15\uff16", "whole number"),
    ("pricePerDeviceMinute", "\uff10.17", "must be a number"),
    ("deviceFarmRegion", "us-west-\u0968", "must be a region"),
    ("alarmMaxAgeMinutes", 1441, "from 1 to 1440"),
    ("sweepMinAgeMinutes", -1, "from 0 to 150"),
    ("sweepMinAgeMinutes", 151, "from 0 to 150"),
    ("sweepMinAgeMinutes", 61, "must not exceed maxSessionMinutes (60)"),
    ("emailOutcomes", ["STOPED"], "one of STOPPED, ALREADY_ENDED"),
    ("emailOutcomes", [], "at least one outcome"),
    ("emailOutcomes", ["FAILED", "FAILED"], "repeat"),
    ("reservedConcurrency", -1, "from 0 to 1000"),
    ("reservedConcurrency", 1001, "from 0 to 1000"),
    # The command lane leaves alarms, timers and sweeps 3 of the reserved concurrency.
    ("reservedConcurrency", 4, "0 (no reservation) or at least 5"),
    ("commandLaneMaxConcurrency", 1, "from 2 to 1000"),
    ("commandLaneMaxConcurrency", 8, "must be at most 7: reservedConcurrency (10) minus the 3"),
    ("commandLaneMaxConcurrency", 2.5, "whole number"),
    ("protectedNamePattern", "keep-(", "not a valid regular expression"),
    ("protectedNamePattern", 7, "regular expression"),
    ("notificationEmails", ["not-an-email"], "email address"),
    ("opsNotificationEmails", ["ops@example"], "email address"),
    ("memorySize", 64, "from 128 to 10240"),
    ("memorySize", 256.5, "whole number"),
    ("timeoutSeconds", 901, "from 120 to 900"),
    ("timeoutSeconds", 60, "from 120 to 900"),
    ("logRetentionDays", 10, "must be one of 1, 3, 5"),
    ("logRetentionDays", 0, "from 1 to 3653"),
    ("logLevel", "VERBOSE", "one of DEBUG, ERROR, INFO, WARN"),
    ("metricsNamespace", "AWS/Lambda", "CloudWatch namespace"),
    ("metricsNamespace", "bad*name", "CloudWatch namespace"),
    ("idempotencyWindowSeconds", 0, "from 1 to 86400"),
    ("deviceFarmMaxAttempts", 11, "from 1 to 10"),
    ("asyncRetryAttempts", 3, "from 0 to 2"),
    ("eventRetryAttempts", 186, "from 0 to 185"),
    ("apiThrottleRateLimit", 0, "number from 1"),
    ("apiThrottleBurstLimit", 5001, "from 1 to 5000"),
    ("createApiGatewayLogsRole", "maybe", "true or false"),
    ("sessionTimers", "on", "true or false"),
    ("sessionTimers", 1, "true or false"),
    ("snapStart", "yes", "true or false"),
    ("sdkTracing", "on", "true or false"),
    ("warningLeadMinutes", -1, "from 0 to 60"),
    ("warningLeadMinutes", 61, "from 0 to 60"),
    ("warningLeadMinutes", "five", "whole number"),
    ("warningLeadMinutes", True, "whole number"),
    ("warningLeadMinutes", 60, "must be less than maxSessionMinutes (60)"),
    ("maxExtensionMinutes", -1, "from 0 to 150"),
    ("maxExtensionMinutes", 151, "from 0 to 150"),
    ("maxExtensionMinutes", 30.5, "whole number"),
    ("maxTagBudgetMinutes", 29, "must not be less than sweepMinAgeMinutes (30)"),
    ("maxTagBudgetMinutes", 151, "from 1 to 150"),
    ("maxTagBudgetMinutes", 0, "from 1 to 150"),
    ("maxTagBudgetMinutes", 45.5, "whole number"),
    ("maxTagBudgetMinutes", True, "whole number"),
    ("maxTagBudgetMinutes", "\uff14\uff15", "whole number"),
    ("killSwitchSparesExempt", "yes", "true or false"),
    ("killSwitchSparesExempt", 1, "true or false"),
    ("killSwitchSparesExempt", "", "true or false"),
]


@pytest.mark.parametrize(
    ("key", "value", "message"), BAD_CONTEXT, ids=[f"{k}={v!r}"[:60] for k, v, _ in BAD_CONTEXT]
)
def test_bad_context_value_fails_naming_the_key(key: str, value: Any, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(**{key: value})
    assert raised.value.key == key
    assert f"cdk.json context '{key}'" in str(raised.value)
    assert message in str(raised.value)


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_context_key_is_required(key: str) -> None:
    context = {name: value for name, value in DEFAULTS.items() if name != key}
    with pytest.raises(ConfigError, match=f"'{key}': is missing"):
        load_config(context.get)


def test_retention_values_name_cdk_enum_members() -> None:
    for name in LOG_RETENTION_DAYS.values():
        assert logs.RetentionDays[name].name == name


@pytest.mark.parametrize(
    ("session_alarms", "kill_switch"),
    [
        ({"alarmNames": ["qa-budget"]}, "qa-budget"),
        ({"alarmNamePrefix": "devicefarm-stop-"}, "devicefarm-stop-everything"),
    ],
    ids=["named-session-alarm", "prefixed-session-alarm"],
)
def test_an_alarm_is_either_a_session_alarm_or_a_kill_switch(
    session_alarms: dict[str, Any], kill_switch: str
) -> None:
    """A kill switch may be neither a listed session alarm nor one the prefix matches."""
    with pytest.raises(ConfigError) as raised:
        load(**session_alarms, killSwitchAlarmNames=[kill_switch])
    assert raised.value.key == "killSwitchAlarmNames"
    assert "cdk.json context 'killSwitchAlarmNames'" in str(raised.value)
    assert "must not also be a session alarm" in str(raised.value)
    # Without the overlap the same session alarms accept a kill switch.
    config = load(**session_alarms, killSwitchAlarmNames=["qa-kill-switch"])
    assert config.kill_switch_alarm_names == ("qa-kill-switch",)


@pytest.mark.parametrize(
    ("reserved", "lane"), [(10, 2), (10, 7), (5, 2), (0, 2), (0, 1000)], ids=str
)
def test_the_command_lane_may_take_all_but_the_automatic_triggers_capacity(
    reserved: int, lane: int
) -> None:
    """Reserved concurrency minus the lane's maximum is what alarms, timers and sweeps can
    always have; without a reservation the lane draws on the account's pool like them."""
    config = load(reservedConcurrency=reserved, commandLaneMaxConcurrency=lane)
    assert config.command_lane_max_concurrency == lane
    if reserved:
        assert reserved - lane >= 3
