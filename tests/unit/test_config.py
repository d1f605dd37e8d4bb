"""Settings come from the environment; a bad value stops the function with a clear message."""

from __future__ import annotations

import pytest

from session_stopper.config import ConfigurationError, load_settings
from tests.support.botocore_samples import project_arn

REQUIRED = {
    "OUTCOME_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:outcomes",
    "OUTCOME_DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
    "IDEMPOTENCY_TABLE_NAME": "table",
    "DEVICE_FARM_ACCOUNT_ID": "123456789012",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults_are_the_safe_ones(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.devicefarm_region == "us-west-2"
    assert settings.idempotency_window_seconds == 300
    assert settings.sweep_project_arns == ()
    assert settings.protected_name_pattern is None
    assert settings.price_per_device_minute == 0.17
    assert settings.sweep_dry_run is True, "unset means dry run: nothing stops by default"
    assert (settings.sweep_max_age_minutes, settings.sweep_min_age_minutes) == (60, 30)
    assert settings.kill_switch_alarm_names == ()
    assert (settings.session_alarm_names, settings.session_alarm_name_prefix) == ((), "")
    assert settings.alarm_max_age_minutes == 10
    assert settings.kill_switch_spares_exempt is False, "a kill switch means everything"
    assert settings.max_tag_budget_minutes == 60, "a tag may set at most the default budget"


def test_the_tag_ceiling_defaults_to_the_default_budget_and_may_be_set(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SWEEP_MAX_AGE_MINUTES", "90")
    assert load_settings().max_tag_budget_minutes == 90
    env.setenv("MAX_TAG_BUDGET_MINUTES", "30")
    assert load_settings().max_tag_budget_minutes == 30, "equal to the floor is allowed"
    env.setenv("KILL_SWITCH_SPARES_EXEMPT", "true")
    assert load_settings().kill_switch_spares_exempt is True


def test_values_are_parsed(env: pytest.MonkeyPatch) -> None:
    other = project_arn("other-project")
    env.setenv("SWEEP_PROJECT_ARNS", f" {project_arn()} , {other} ,{other}")
    env.setenv("SWEEP_DRY_RUN", "FALSE")
    env.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    env.setenv("SWEEP_WORKERS", "3")
    env.setenv("KILL_SWITCH_ALARM_NAMES", "budget,runaway")
    env.setenv("SWEEP_MIN_AGE_MINUTES", "0")
    settings = load_settings()
    assert settings.sweep_project_arns == (project_arn(), other)
    assert settings.sweep_dry_run is False
    assert settings.protected_name_pattern is not None
    assert settings.protected_name_pattern.fullmatch("keep-me")
    assert settings.sweep_workers == 3
    assert settings.kill_switch_alarm_names == ("budget", "runaway")
    assert settings.sweep_min_age_minutes == 0


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OUTCOME_TOPIC_ARN", "", "OUTCOME_TOPIC_ARN is required"),
        ("DEVICE_FARM_ACCOUNT_ID", "", "DEVICE_FARM_ACCOUNT_ID must be 12 digits"),
        ("DEVICE_FARM_ACCOUNT_ID", "\uff11" * 12, "DEVICE_FARM_ACCOUNT_ID must be 12 digits"),
        ("DEVICE_FARM_REGION", "us-west-\u0968", "DEVICE_FARM_REGION must be an AWS region"),
        ("SWEEP_WORKERS", "eight", "SWEEP_WORKERS must be a whole number"),
        ("SWEEP_WORKERS", "\u0968", "SWEEP_WORKERS must be a whole number"),
        ("SWEEP_WORKERS", "0", "SWEEP_WORKERS must be at least 1"),
        ("IDEMPOTENCY_WINDOW_SECONDS", "-5", "must be a whole number"),
        ("SWEEP_DRY_RUN", "maybe", "SWEEP_DRY_RUN must be true or false"),
        ("SWEEP_DRY_RUN", "1", "SWEEP_DRY_RUN must be true or false"),
        ("SWEEP_MIN_AGE_MINUTES", "90", "must not exceed SWEEP_MAX_AGE_MINUTES"),
        ("MAX_TAG_BUDGET_MINUTES", "29", "must not be less than SWEEP_MIN_AGE_MINUTES"),
        ("MAX_TAG_BUDGET_MINUTES", "151", "MAX_TAG_BUDGET_MINUTES must be at most 150"),
        ("MAX_TAG_BUDGET_MINUTES", "0", "MAX_TAG_BUDGET_MINUTES must be at least 1"),
        ("MAX_TAG_BUDGET_MINUTES", "45.5", "MAX_TAG_BUDGET_MINUTES must be a whole number"),
        ("MAX_TAG_BUDGET_MINUTES", "\u0664\u0665", "MAX_TAG_BUDGET_MINUTES must be a whole number"),
        ("KILL_SWITCH_SPARES_EXEMPT", "yes", "KILL_SWITCH_SPARES_EXEMPT must be true or false"),
        ("KILL_SWITCH_SPARES_EXEMPT", "1", "KILL_SWITCH_SPARES_EXEMPT must be true or false"),
        ("SWEEP_PROJECT_ARNS", project_arn() + "x:y", "SWEEP_PROJECT_ARNS"),
        ("SWEEP_PROJECT_ARNS", project_arn().replace("123456789012", "210987654321"), "account"),
        ("PROTECTED_NAME_PATTERN", "([", "not a valid regular expression"),
        ("PRICE_PER_DEVICE_MINUTE", "cheap", "must be a number"),
        ("PRICE_PER_DEVICE_MINUTE", "-1", "must not be negative"),
    ],
)
def test_bad_values_are_refused(
    env: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()


TIMERS = {
    "TIMER_SCHEDULE_GROUP": "session-stopper-dev-timers",
    "TIMER_ROLE_ARN": "arn:aws:iam::123456789012:role/timers",
    "TIMER_TARGET_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:stopper",
}


def test_timers_are_off_without_a_schedule_group_and_on_with_one(env: pytest.MonkeyPatch) -> None:
    assert load_settings().timers is None
    for name, value in TIMERS.items():
        env.setenv(name, value)
    timers = load_settings().timers
    assert timers is not None
    assert (timers.schedule_group, timers.role_arn) == (
        TIMERS["TIMER_SCHEDULE_GROUP"],
        TIMERS["TIMER_ROLE_ARN"],
    )
    assert (timers.warning_lead_minutes, timers.max_extension_minutes) == (5, 60)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("TIMER_SCHEDULE_GROUP", "has spaces", "not a schedule group name"),
        ("TIMER_SCHEDULE_GROUP", "g" * 65, "not a schedule group name"),
        ("TIMER_ROLE_ARN", "", "TIMER_ROLE_ARN is required"),
        ("TIMER_TARGET_ARN", " ", "TIMER_TARGET_ARN is required"),
        ("WARNING_LEAD_MINUTES", "60", "less than SWEEP_MAX_AGE_MINUTES"),
        ("WARNING_LEAD_MINUTES", "61", "at most 60"),
        ("WARNING_LEAD_MINUTES", "\uff15", "whole number"),
        ("MAX_EXTENSION_MINUTES", "151", "at most 150"),
        ("MAX_EXTENSION_MINUTES", "-1", "whole number"),
    ],
)
def test_bad_timer_settings_are_refused(
    env: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    for key, setting in TIMERS.items():
        env.setenv(key, setting)
    env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=message):
        load_settings()
