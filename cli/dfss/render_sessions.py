"""`dfss sessions` and `dfss status`: the active sessions, each with the short id the other
commands accept, its deadline and the time left until it; `dfss status` adds the pending
warning's time and the session's extensions.

Time left is the API's deadline minus this machine's clock, in whole minutes; negative when the
deadline has passed (a sweep stops such a session unless `reason` says why not).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from dfss.render import (
    MISSING,
    Column,
    device_of,
    field,
    list_of,
    listing_failure_lines,
    mapping_of,
    moment,
    number,
    session_table,
    text,
    texts,
    usd,
)
from dfss.targets import short_ids


def time_left(deadline: Any, now: datetime) -> str:
    """`1h05m`, `12m`, `0m`, `-35m` (past it); "-" when there is no deadline."""
    if not isinstance(deadline, str):
        return MISSING
    try:
        moment_ = datetime.fromisoformat(deadline)
    except ValueError:
        return MISSING
    if moment_.tzinfo is None:
        moment_ = moment_.replace(tzinfo=UTC)
    seconds = int((moment_ - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    hours, minutes = divmod(abs(seconds) // 60, 60)
    return f"{sign}{hours}h{minutes:02d}m" if hours else f"{sign}{minutes}m"


def session_columns(sessions: Sequence[Mapping[str, Any]], now: datetime) -> tuple[Column, ...]:
    ids = short_ids([str(s.get("arn") or "") for s in sessions])

    def short_id(session: Mapping[str, Any]) -> str:
        return text(ids.get(str(session.get("arn") or "")))

    def left(session: Mapping[str, Any]) -> str:
        return time_left(session.get("deadline"), now)

    return (
        ("id", short_id),
        ("session", field("name")),
        ("status", field("status")),
        ("device", device_of),  # a name, or the device's fields
        ("platform", field("platform")),
        ("age (min)", field("ageMinutes", number)),
        ("cost", field("costSoFarUsd", usd)),
        ("billing", field("billingMethod")),
        ("budget (min)", field("budgetMinutes")),
        ("deadline (UTC)", field("deadline", moment)),
        ("left", left),
        ("sweep stops", field("sweepWouldStop")),
        ("reason", field("reason")),
    )


def _incomplete(body: Mapping[str, Any]) -> bool:
    return bool(
        list_of(body.get("listingFailures"))
        or list_of(body.get("projectsFailed"))
        or list_of(body.get("projectsNotReached"))
    )


def _none_listed(body: Mapping[str, Any]) -> str:
    """What an empty table means: nothing is running only when every project was listed."""
    count = body.get("count")
    if not _incomplete(body):
        return "no active session" if count in (0, None) else f"{text(count)} active, none listed"
    listed = body.get("projectsListed")
    if listed in (0, None):
        return "no session could be listed (see below)"
    return f"no active session in the {text(listed)} project(s) listed; others could not be (below)"


def sessions_lines(body: Mapping[str, Any], now: datetime | None = None) -> list[str]:
    """One row per active session: its id, age, cost, budget, deadline, time left, and what a
    sweep would do."""
    sessions = [mapping_of(session) for session in list_of(body.get("sessions"))]
    count = body.get("count", len(sessions))
    columns = session_columns(sessions, now or datetime.now(UTC))
    if sessions:
        lines = [*session_table(columns, sessions), "", f"{text(count)} active session(s)"]
    else:
        lines = [_none_listed(body)]
    if body.get("dryRun"):
        lines.append("the deployment is in dry run: its sweeps stop nothing")
    failed = list_of(body.get("projectsFailed"))
    if failed:
        lines.append(f"projects that could not be listed: {texts(failed)}")
    not_reached = list_of(body.get("projectsNotReached"))
    if not_reached:
        lines.append(f"projects not reached (out of time): {texts(not_reached)}")
    return lines + listing_failure_lines(body) + extensions_unread_lines(body)


def warning(session: Mapping[str, Any]) -> str:
    """When the owner is warned; "-" from a deployment whose answer predates the field."""
    if "warningAt" not in session:
        return MISSING
    at = session.get("warningAt")
    return moment(at) if at is not None else "none pending"


def extension(session: Mapping[str, Any]) -> str:
    """`never`, `15 min past the budget, to 2026-12-06T12:25:00Z`, or `unknown`."""
    if "extendedMinutes" not in session:
        return MISSING
    minutes = session.get("extendedMinutes")
    if minutes is None:
        return "unknown (see below)"
    if not isinstance(minutes, int | float) or isinstance(minutes, bool):
        return text(minutes)
    to = session.get("extendedTo")
    if minutes == 0 and to is None:
        return "never"
    past = f"{minutes:g} min past the budget"
    return f"{past}, to {moment(to)}" if to is not None else past


# What `dfss status` shows, in order; a field the answer lacks prints as "-".
STATUS_FIELDS: tuple[tuple[str, Callable[[Mapping[str, Any]], str]], ...] = (
    ("name", field("name")),
    ("arn", field("arn")),
    ("project", field("projectArn")),
    ("status", field("status")),
    ("device", device_of),
    ("platform", field("platform")),
    ("billing", field("billingMethod")),
    ("age (min)", field("ageMinutes", number)),
    ("cost so far", field("costSoFarUsd", usd)),
    ("budget (min)", field("budgetMinutes")),
    ("deadline (UTC)", field("deadline", moment)),
    ("warning (UTC)", warning),
    ("extended", extension),
    ("timer armed", field("timerArmed")),
    ("sweep stops", field("sweepWouldStop")),
    ("reason", field("reason")),
)


def extensions_unread_lines(body: Mapping[str, Any]) -> list[str]:
    """Why the answer's extensions are unknown (null), when they are."""
    unread = mapping_of(body.get("extensionsUnread"))
    if not unread:
        return []
    return [
        f"extensions unknown for {text(unread.get('sessions'))} session(s): "
        f"{text(unread.get('operation'))} {text(unread.get('code'))}: {text(unread.get('message'))}"
    ]


def status_lines(
    session: Mapping[str, Any], all_sessions: Sequence[Mapping[str, Any]], now: datetime
) -> list[str]:
    """One session, one field a line; its id is the one `dfss sessions` shows."""
    ids = short_ids([str(s.get("arn") or "") for s in all_sessions])
    rows = [("id", text(ids.get(str(session.get("arn") or ""))))]
    rows += [(label, show(session)) for label, show in STATUS_FIELDS]
    after_deadline = [label for label, _ in rows].index("deadline (UTC)") + 1
    rows.insert(after_deadline, ("time left", time_left(session.get("deadline"), now)))
    width = max(len(label) for label, _ in rows)
    return [f"{label.ljust(width)}  {value}" for label, value in rows]
