"""Reading the function's settings from its environment, strictly: each reader says which
variable is wrong and why (config.py and account_settings.py build the settings from them)."""

from __future__ import annotations

import os
import re


class ConfigurationError(RuntimeError):
    """A required variable is missing or a value cannot be used: the function cannot start."""


def required(name: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ConfigurationError(f"environment variable {name} is required")
    return value


def matching(name: str, pattern: re.Pattern[str], default: str, hint: str) -> str:
    value = os.environ.get(name, "").strip() or default
    if not pattern.fullmatch(value):
        raise ConfigurationError(f"{name} must be {hint}, got {value!r}")
    return value


def whole_number(name: str, default: int, minimum: int = 1) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]+", raw, re.ASCII):
        raise ConfigurationError(f"{name} must be a whole number, got {raw!r}")
    value = int(raw)
    if value < minimum:
        raise ConfigurationError(f"{name} must be at least {minimum}, got {value}")
    return value


def non_negative_float(name: str, default: float) -> float:
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


def rate(name: str, default: float) -> float:
    """A positive decimal number of calls per second (no exponents, nan or infinity)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"[0-9]{1,6}(\.[0-9]{1,6})?", raw, re.ASCII) or float(raw) <= 0:
        raise ConfigurationError(
            f"{name} must be a positive number of calls per second, got {raw!r}"
        )
    return float(raw)


def flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw not in {"true", "false"}:
        raise ConfigurationError(f"{name} must be true or false, got {raw!r}")
    return raw == "true"


def pattern(name: str) -> re.Pattern[str] | None:
    raw = os.environ.get(name, "").strip()
    return compiled(name, raw) if raw else None


def csv(name: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in os.environ.get(name, "").split(",") if part.strip())


def whole_number_within(name: str, default: int, maximum: int, minimum: int = 0) -> int:
    value = whole_number(name, default, minimum=minimum)
    if value > maximum:
        raise ConfigurationError(f"{name} must be at most {maximum}, got {value}")
    return value


def compiled(name: str, raw: str) -> re.Pattern[str]:
    try:
        return re.compile(raw)
    except re.error as error:
        raise ConfigurationError(f"{name} is not a valid regular expression: {error}") from None
