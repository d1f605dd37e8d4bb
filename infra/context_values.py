"""Typed readers for cdk.json context values.

Values set in cdk.json arrive as JSON types, but `cdk synth -c key=value` delivers every value
as a string, so each reader accepts both forms. Every failure names the context key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any


class ConfigError(ValueError):
    """A context value cannot be used; synth stops with this message."""

    def __init__(self, key: str, problem: str, value: Any = None) -> None:
        shown = "" if value is None else f" (got {value!r})"
        super().__init__(f"cdk.json context '{key}': {problem}{shown}")
        self.key = key


def read_int(key: str, raw: Any, low: int, high: int) -> int:
    problem = f"must be a whole number from {low} to {high}"
    if isinstance(raw, bool):
        raise ConfigError(key, problem, raw)
    if isinstance(raw, str) and re.fullmatch(r"-?[0-9]+", raw.strip()):
        raw = int(raw.strip())
    if not isinstance(raw, int) or not low <= raw <= high:
        raise ConfigError(key, problem, raw)
    return raw


def read_float(key: str, raw: Any, low: float, high: float) -> float:
    problem = f"must be a number from {low} to {high}"
    # float() also reads other scripts' digits (fullwidth, Devanagari): strings must be ASCII.
    if isinstance(raw, bool) or (
        isinstance(raw, str) and not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", raw.strip())
    ):
        raise ConfigError(key, problem, raw)
    value: float
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ConfigError(key, problem, raw) from None
    if not low <= value <= high:
        raise ConfigError(key, problem, raw)
    return value


def read_bool(key: str, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in {"true", "false"}:
        return raw.strip().lower() == "true"
    raise ConfigError(key, "must be true or false", raw)


def read_str(key: str, raw: Any, pattern: str, hint: str) -> str:
    """A string that fully matches `pattern`; `hint` tells the user what was expected."""
    if not isinstance(raw, str) or not re.fullmatch(pattern, raw):
        raise ConfigError(key, hint, raw)
    return raw


def read_choice(key: str, raw: Any, choices: Collection[str]) -> str:
    if not isinstance(raw, str) or raw not in choices:
        raise ConfigError(key, f"must be one of {', '.join(sorted(choices))}", raw)
    return raw


def read_str_list(key: str, raw: Any, item_pattern: str, hint: str, max_items: int) -> list[str]:
    """A list of strings; from the CLI also a JSON array or a comma-separated string."""
    items = _as_list(key, raw)
    if len(items) > max_items:
        raise ConfigError(key, f"must list at most {max_items} values", raw)
    for item in items:
        if not isinstance(item, str) or not re.fullmatch(item_pattern, item):
            raise ConfigError(key, f"every entry {hint}", item)
    if len(set(items)) != len(items):
        raise ConfigError(key, "must not repeat a value", raw)
    return list(items)


def _as_list(key: str, raw: Any) -> list[Any]:
    if isinstance(raw, list):
        return raw
    if not isinstance(raw, str):
        raise ConfigError(key, "must be a list of strings", raw)
    text = raw.strip()
    if text.startswith("["):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError:
            raise ConfigError(key, "is not a valid JSON list", raw) from None
        if not isinstance(parsed, list):
            raise ConfigError(key, "must be a list of strings", raw)
        return parsed
    return [part.strip() for part in text.split(",") if part.strip()]


def read_regex(key: str, raw: Any) -> str:
    """A Python regular expression (the function compiles it with `re`); empty means none."""
    if not isinstance(raw, str) or len(raw) > 512:
        raise ConfigError(key, "must be a regular expression of at most 512 characters", raw)
    try:
        re.compile(raw)
    except re.error as error:
        raise ConfigError(key, f"is not a valid regular expression: {error}", raw) from None
    return raw
