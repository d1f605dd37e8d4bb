"""Typed readers for cdk.json context values.

Values set in cdk.json arrive as JSON types, but `cdk synth -c key=value` delivers every value
as a string, so each reader accepts both forms. Every failure names the context key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from typing import Any

# Where a context value came from, as the message names it: the app compares the final context
# with cdk.json's (infra/context_keys.py, context_source), so a user knows which file or flag
# to fix.
CDK_JSON = "cdk.json"
COMMAND_LINE = "command-line (-c)"
CDK_CONTEXT_JSON = "cdk.context.json"


class ConfigError(ValueError):
    """A context value cannot be used; synth stops with this message.

    `source` says where the value came from (CDK_JSON, COMMAND_LINE, CDK_CONTEXT_JSON); readers
    do not know it, so they leave it to the app (`with_source`), and cdk.json is assumed.
    `default` is cdk.json's value, shown when another source overrode it."""

    def __init__(
        self,
        key: str,
        problem: str,
        value: Any = None,
        *,
        source: str = CDK_JSON,
        default: Any = None,
    ) -> None:
        self.key = key
        self.problem = problem
        self.value = value
        self.source = source
        self.default = default
        shown = "" if value is None else f"got {value!r}"
        if source != CDK_JSON and default is not None:
            shown += f"{', ' if shown else ''}overriding cdk.json's {default!r}"
        super().__init__(f"{source} context '{key}': {problem}{f' ({shown})' if shown else ''}")

    def with_source(self, source: str, default: Any = None) -> ConfigError:
        """The same error, naming where the bad value came from."""
        return ConfigError(self.key, self.problem, self.value, source=source, default=default)


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


def read_choice(key: str, raw: Any, choices: Collection[str], *, fold_case: bool = False) -> str:
    """One of `choices`; with `fold_case`, in any case (`debug` reads as `DEBUG`)."""
    if isinstance(raw, str) and fold_case:
        folded = {choice.casefold(): choice for choice in choices}
        if raw.strip().casefold() in folded:
            return folded[raw.strip().casefold()]
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
