"""Settings read once per process from the environment (names in docs/contracts.md)."""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass

# Every variable the function reads (Powertools' own are documented in the README).
SETTING_VARIABLES = (
    "OUTCOME_TOPIC_ARN",
    "OUTCOME_DLQ_URL",
    "IDEMPOTENCY_TABLE_NAME",
    "IDEMPOTENCY_WINDOW_SECONDS",
    "DEVICE_FARM_REGION",
    "DEVICE_FARM_MAX_ATTEMPTS",
    "SWEEP_MAX_AGE_MINUTES",
    "SWEEP_PROJECT_ARNS",
    "SWEEP_WORKERS",
    "SWEEP_DRY_RUN",
    "PROTECTED_NAME_PATTERN",
    "PRICE_PER_DEVICE_MINUTE",
)


class ConfigurationError(RuntimeError):
    """A required variable is missing or a value cannot be used: the function cannot start."""


@dataclass(frozen=True)
class Settings:
    outcome_topic_arn: str
    outcome_dlq_url: str
    idempotency_table_name: str
    idempotency_window_seconds: int = 300
    devicefarm_region: str = "us-west-2"
    devicefarm_max_attempts: int = 5
    sweep_max_age_minutes: int = 60
    sweep_project_arns: tuple[str, ...] = ()
    sweep_workers: int = 8
    sweep_dry_run: bool = False
    protected_name_pattern: re.Pattern[str] | None = None
    price_per_device_minute: float = 0.17


def _required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise ConfigurationError(f"{name} must be at least 1, got {value}")
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


def _flag(name: str) -> bool:
    raw = os.environ.get(name, "false").strip().lower()
    if raw not in {"true", "false", "1", "0", ""}:
        raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
    return raw in {"true", "1"}


def _pattern(name: str) -> re.Pattern[str] | None:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        return re.compile(raw)
    except re.error as error:
        raise ConfigurationError(f"{name} is not a valid regular expression: {error}") from None


def _csv(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def load_settings() -> Settings:
    return Settings(
        outcome_topic_arn=_required("OUTCOME_TOPIC_ARN"),
        outcome_dlq_url=_required("OUTCOME_DLQ_URL"),
        idempotency_table_name=_required("IDEMPOTENCY_TABLE_NAME"),
        idempotency_window_seconds=_positive_int("IDEMPOTENCY_WINDOW_SECONDS", 300),
        devicefarm_region=os.environ.get("DEVICE_FARM_REGION", "").strip() or "us-west-2",
        devicefarm_max_attempts=_positive_int("DEVICE_FARM_MAX_ATTEMPTS", 5),
        sweep_max_age_minutes=_positive_int("SWEEP_MAX_AGE_MINUTES", 60),
        sweep_project_arns=_csv("SWEEP_PROJECT_ARNS"),
        sweep_workers=_positive_int("SWEEP_WORKERS", 8),
        sweep_dry_run=_flag("SWEEP_DRY_RUN"),
        protected_name_pattern=_pattern("PROTECTED_NAME_PATTERN"),
        price_per_device_minute=_non_negative_float("PRICE_PER_DEVICE_MINUTE", 0.17),
    )


@functools.cache
def settings() -> Settings:
    """The process-wide settings; tests call `settings.cache_clear()` after changing the env."""
    return load_settings()
