"""Settings come from the environment; a bad value stops the function with a clear message."""

from __future__ import annotations

import pytest

from session_stopper.config import ConfigurationError, load_settings

REQUIRED = {
    "OUTCOME_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:outcomes",
    "OUTCOME_DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
    "IDEMPOTENCY_TABLE_NAME": "table",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_defaults(env: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.devicefarm_region == "us-west-2"
    assert settings.idempotency_window_seconds == 300
    assert settings.sweep_project_arns == ()
    assert settings.protected_name_pattern is None
    assert settings.price_per_device_minute == 0.17


def test_values_are_parsed(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWEEP_PROJECT_ARNS", " arn:a , arn:b ,")
    env.setenv("SWEEP_DRY_RUN", "TRUE")
    env.setenv("PROTECTED_NAME_PATTERN", "^keep-")
    env.setenv("SWEEP_WORKERS", "3")
    settings = load_settings()
    assert settings.sweep_project_arns == ("arn:a", "arn:b")
    assert settings.sweep_dry_run is True
    assert settings.protected_name_pattern is not None
    assert settings.protected_name_pattern.search("keep-me")
    assert settings.sweep_workers == 3


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("OUTCOME_TOPIC_ARN", "", "OUTCOME_TOPIC_ARN is required"),
        ("SWEEP_WORKERS", "eight", "SWEEP_WORKERS must be a whole number"),
        ("SWEEP_WORKERS", "0", "SWEEP_WORKERS must be at least 1"),
        ("IDEMPOTENCY_WINDOW_SECONDS", "-5", "at least 1"),
        ("SWEEP_DRY_RUN", "maybe", "SWEEP_DRY_RUN must be true or false"),
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
