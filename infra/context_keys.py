"""Which context keys the app takes: exactly those cdk.json sets, each with its default there.

A key the app does not know is refused, naming the closest one it does: a misspelled safety
switch (`sweepDryrun`) would otherwise be ignored and its default deployed without a word.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path
from typing import Any

from infra.context_values import CDK_CONTEXT_JSON, CDK_JSON, COMMAND_LINE, ConfigError

# Names people guess for a setting, which spelling distance would send elsewhere: a "maximum
# age" of a session is its budget, maxSessionMinutes, not the sweep's floor sweepMinAgeMinutes
# that `sweepMaxAgeMinutes` is closest to. Compared in lower case.
GUESSED_NAMES = {
    "maxageminutes": "maxSessionMinutes",
    "sweepmaxageminutes": "maxSessionMinutes",
    "maxsessionageminutes": "maxSessionMinutes",
    "sessionmaxminutes": "maxSessionMinutes",
    "sessionbudgetminutes": "maxSessionMinutes",
    "maxminutes": "maxSessionMinutes",
}
# Keys the CDK CLI itself writes into the context (cdk.context.json) without a ':' or '@'.
_CDK_OWNED_KEYS = frozenset({"acknowledged-issue-numbers", "cli-telemetry"})


def read_context_defaults(cdk_json: Path) -> dict[str, Any]:
    """cdk.json's context block: the one place defaults live, also for `python app.py`."""
    document = json.loads(cdk_json.read_text(encoding="utf-8"))
    context = document.get("context", {})
    if not isinstance(context, dict):
        raise ConfigError("context", "cdk.json 'context' must be an object")
    return context


def read_cached_context(cdk_context_json: Path) -> dict[str, Any]:
    """cdk.context.json, which the CDK CLI also merges into the context; {} if absent or odd."""
    try:
        document = json.loads(cdk_context_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def context_source(
    key: str,
    context: Mapping[str, Any],
    defaults: Mapping[str, Any],
    cached: Mapping[str, Any] | None = None,
) -> str:
    """Where the final context's value of `key` came from: cdk.json when it is cdk.json's value
    (or the key is missing), cdk.context.json when it is that file's, else the command line.

    The CDK CLI hands the app one merged context (cdk.json, cdk.context.json, `-c`) and
    `python app.py` merges cdk.json with what tests pass; either way a value that differs from
    cdk.json's was given on top of it."""
    if key not in context or (key in defaults and context[key] == defaults[key]):
        return CDK_JSON
    if cached and key in cached and context[key] == cached[key]:
        return CDK_CONTEXT_JSON
    return COMMAND_LINE


def with_context_source(
    error: ConfigError,
    context: Mapping[str, Any],
    defaults: Mapping[str, Any],
    cached: Mapping[str, Any] | None = None,
) -> ConfigError:
    """`error`, saying where its value came from (and cdk.json's value, when overridden)."""
    source = context_source(error.key, context, defaults, cached)
    return error.with_source(source, default=defaults.get(error.key))


def check_context_keys(keys: Iterable[str], known: Collection[str]) -> None:
    """Refuse a context key not in `known`, naming the closest one that is.

    Keys the CDK itself uses are left alone: feature flags ('@aws-cdk/...'), its own settings
    ('aws:cdk:...', 'cdk...') and cached lookups in cdk.context.json (they all contain ':').
    """
    names = sorted(known)
    for key in sorted(keys):
        if key in known or _owned_by_cdk(key):
            continue
        guessed = GUESSED_NAMES.get(key.lower())
        close = [guessed] if guessed and guessed in known else []
        close = close or difflib.get_close_matches(key, names, n=1, cutoff=0.6)
        if not close:  # a case slip scores low on short keys: compare case-insensitively too
            lowered = {name.lower(): name for name in names}
            close = [lowered[m] for m in difflib.get_close_matches(key.lower(), lowered, n=1)]
        hint = f"did you mean '{close[0]}'?" if close else "see docs/deploy.md for the settings"
        raise ConfigError(key, f"is not a setting of this app; {hint}")


def _owned_by_cdk(key: str) -> bool:
    return ":" in key or key.startswith(("@", "aws:", "cdk")) or key in _CDK_OWNED_KEYS
