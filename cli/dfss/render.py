"""Tables a person reads: one per answer, from whatever fields the answer has.

Every reader here takes the body as plain JSON and looks fields up with a default: a field the
API adds later is ignored, one it leaves out prints as "-". Every string from the answer goes
through `text` (or `moment`), which sanitizes it before the columns are measured: a name with
terminal escapes or bidi controls shows them as visible escapes and keeps its row's width.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from dfss.safe_text import sanitize

MISSING = "-"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Columns padded to their widest cell, a rule under the headers (the demo's style)."""
    widths = [len(header) for header in headers]
    for row in rows:
        for index, value in enumerate(row):
            widths[index] = max(widths[index], len(value))

    def line(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))

    rule = ["-" * width for width in widths]
    return [line(headers).rstrip(), line(rule).rstrip(), *(line(row).rstrip() for row in rows)]


def text(value: Any) -> str:
    if value is None or value == "":
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return sanitize(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, int):
        return str(value)
    return sanitize(json.dumps(value, sort_keys=True))


def texts(values: Any) -> str:
    """A list from the answer, comma-separated, each item as `text` shows it."""
    return ", ".join(text(value) for value in list_of(values))


def number(value: Any, places: int = 1) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return text(value)
    return f"{value:.{places}f}"


def usd(value: Any) -> str:
    return (
        f"${value:.2f}"
        if isinstance(value, int | float) and not isinstance(value, bool)
        else text(value)
    )


def moment(value: Any) -> str:
    """An ISO time as UTC to the second, `2026-11-27T06:43:10Z`; anything else as it came."""
    if not isinstance(value, str):
        return text(value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return text(value)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(UTC)
    return parsed.strftime("%Y-%m-%dT%H:%M:%SZ")


def mapping_of(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def list_of(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def device_of(session: Mapping[str, Any]) -> str:
    device = session.get("device")
    if isinstance(device, Mapping):
        return text(device.get("name") or device.get("model"))
    return text(device)


def _problem(body: Mapping[str, Any]) -> str:
    error = mapping_of(body.get("error"))
    if error:
        return text(error.get("code"))
    return text(body.get("reason"))


# A column of a session table: its header, and how a session's cell reads.
Column = tuple[str, Callable[[Mapping[str, Any]], str]]


def field(key: str, show: Callable[[Any], str] = text) -> Callable[[Mapping[str, Any]], str]:
    return lambda session: show(session.get(key))


def session_table(columns: Sequence[Column], sessions: Sequence[Mapping[str, Any]]) -> list[str]:
    """One row per session, one cell per column."""
    rows = [[cell(session) for _, cell in columns] for session in sessions]
    return table([header for header, _ in columns], rows)


# -- stop --------------------------------------------------------------------------------------


def stop_lines(body: Mapping[str, Any]) -> list[str]:
    """The outcome message: what happened to which session."""
    session = mapping_of(body.get("session"))
    minutes = mapping_of(session.get("deviceMinutes")).get("total")
    row = [
        text(body.get("outcome")),
        text(session.get("name")),
        text(session.get("status")),
        device_of(session),
        number(minutes),
        _problem(body),
    ]
    lines = table(["outcome", "session", "status", "device", "minutes", "error / reason"], [row])
    lines.append("")
    if body.get("sessionArn"):
        lines.append(f"arn: {text(body['sessionArn'])}")
    if body.get("replay"):
        trigger = mapping_of(body.get("trigger"))
        lines.append(
            "replay: asked again within the idempotency window; this is the first outcome "
            f"(its trigger: {text(trigger.get('kind'))})"
        )
    return lines


# -- extend ------------------------------------------------------------------------------------


def extend_lines(body: Mapping[str, Any]) -> list[str]:
    """The `extended` message: the new deadline, the old one, and how far it may still go."""
    session = mapping_of(body.get("session"))
    minutes = mapping_of(session.get("deviceMinutes")).get("total")
    added = body.get("minutesAdded")
    row = [
        "EXTENDED",
        text(session.get("name")),
        text(session.get("status")),
        device_of(session),
        number(minutes),
        f"+{added}" if isinstance(added, int) else text(added),
        moment(body.get("deadline")),
        moment(body.get("previousDeadline")),
        moment(body.get("latestDeadline")),
    ]
    headers = [
        "outcome",
        "session",
        "status",
        "device",
        "minutes",
        "added",
        "deadline (UTC)",
        "was",
        "latest allowed",
    ]
    lines = [*table(headers, [row]), ""]
    if body.get("sessionArn"):
        lines.append(f"arn: {text(body['sessionArn'])}")
    return lines


# -- sweep -------------------------------------------------------------------------------------


def _counts(counts: Any) -> str:
    pairs = sorted(mapping_of(counts).items())
    return ", ".join(f"{text(key)} {text(value)}" for key, value in pairs) or "none"


def listing_failure_lines(body: Mapping[str, Any]) -> list[str]:
    failures = [mapping_of(failure) for failure in list_of(body.get("listingFailures"))]
    if not failures:
        return []
    rows = [
        [
            text(failure.get("operation")),
            text(failure.get("projectArn")) if failure.get("projectArn") else "(every project)",
            text(failure.get("code")),
            text(failure.get("message")),
        ]
        for failure in failures
    ]
    return ["", "listing failures:", *table(["operation", "project", "code", "message"], rows)]


SWEEP_COLUMNS: tuple[Column, ...] = (
    ("action", field("action")),
    ("reason", field("reason")),
    ("session", field("name")),
    ("age (min)", field("ageMinutes", number)),
    ("cost", field("costSoFarUsd", usd)),
    ("device", field("device")),
    ("status", field("status")),
)


def sweep_lines(body: Mapping[str, Any]) -> list[str]:
    """The summary's counts, then each session acted on (would be, in a dry run)."""
    inventory = mapping_of(body.get("inventory"))
    scope = list_of(body.get("scope"))
    mode = "dry run (nothing stopped)" if body.get("dryRun") else "live"
    if body.get("killSwitch"):
        mode += ", kill switch"
    selection = text(body.get("selection"))
    if selection == "age" and body.get("maxAgeMinutes") is not None:
        selection = f"older than {number(body.get('maxAgeMinutes'), 0)} min"
    lines = [
        f"sweep {text(body.get('sweepId'))}: {mode}; selection: {selection}; "
        f"scope: {texts(scope) if scope else 'every project'}",
        f"projects: {text(inventory.get('projectsListed'))} listed, "
        f"{len(list_of(inventory.get('projectsFailed')))} failed, "
        f"{len(list_of(inventory.get('projectsNotReached')))} not reached; "
        f"sessions: {text(inventory.get('sessionsSeen'))} seen, "
        f"{text(inventory.get('sessionsActive'))} active, "
        f"{text(inventory.get('sessionsSelected'))} selected",
        f"outcomes: {_counts(body.get('outcomes'))}; skipped by reason: "
        f"{_counts(body.get('skipped'))}",
        f"device minutes stopped: {number(body.get('deviceMinutesStopped'))}; "
        f"estimated savings: {usd(body.get('estimatedSavingsUsd'))}; "
        f"took {number(body.get('durationSeconds'), 2)} s",
    ]
    timers = mapping_of(body.get("timers"))
    if timers:
        lines.append(
            f"timers: {text(timers.get('armed'))} armed, {text(timers.get('failed'))} failed, "
            f"{text(timers.get('stoppedOverdue'))} stopped overdue"
        )
    left = body.get("leftUndoneCount")
    if isinstance(left, int) and left:
        lines.append(f"left undone: {left} session(s), for the next sweep")
    yielded = mapping_of(body.get("yieldedTo"))
    if yielded:
        lines.append(
            f"yielded to sweep {text(yielded.get('sweepId'))} "
            f"({text(yielded.get('triggerKind'))}, started {moment(yielded.get('startedAt'))}): "
            "this one did nothing"
        )
    sessions = [mapping_of(session) for session in list_of(body.get("sessions"))]
    lines.append("")
    if sessions:
        lines.extend(session_table(SWEEP_COLUMNS, sessions))
        more = body.get("sessionsNotListed")
        if isinstance(more, int) and more:
            lines.append(f"... and {more} more, not listed")
    else:
        lines.append("no session to act on")
    return lines + listing_failure_lines(body)
