"""Small pieces of text as people read them: times, minutes, money, sessions, devices, triggers.

Everything a caller or Device Farm chose (a session's name, an error message, a claimed ARN)
goes through `clean` first: one line, no control or format characters, so a session named
"x\\nOUTCOME: STOPPED" cannot fake a line of the message it appears in.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime

from session_stopper.models.outcome import DeviceSummary, SessionSummary, Trigger, TriggerKind

ELLIPSIS = "…"


def clean(value: object) -> str:
    """One line of printable text: newlines, tabs, bidi overrides and other invisible or control
    characters become spaces."""
    return "".join(char if char.isprintable() else " " for char in str(value)).strip()


def clip(text: str, limit: int, marker: str = ELLIPSIS) -> str:
    """At most `limit` characters; a cut is marked, so nobody reads a truncated ARN as whole."""
    if len(text) <= limit:
        return text
    return text[: max(0, limit - len(marker))] + marker


def ascii_line(text: str, limit: int) -> str:
    """Printable ASCII only (what every mail client shows in a Subject), at most `limit`."""
    decomposed = unicodedata.normalize("NFKD", clean(text))
    letters = (char for char in decomposed if not unicodedata.combining(char))
    ascii_text = "".join(char if " " <= char <= "~" else "?" for char in letters)
    return clip(" ".join(ascii_text.split()), limit, "...")


def instant(moment: datetime | None) -> str:
    if moment is None:
        return "unknown"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def clock_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%H:%M UTC")


def minutes(value: float) -> str:
    return f"{value:,.1f} min"


def money(value: float) -> str:
    return f"${value:,.2f}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def arn_tail(arn: str) -> str:
    """The ids after `:session:` or `:project:` (what tells one session from another)."""
    for marker in (":session:", ":project:"):
        if marker in arn:
            return arn.split(marker, 1)[1]
    return arn


def arn_region(arn: str) -> str:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else "us-west-2"


def resource_name(arn: str) -> str:
    """The last part of an ARN: a rule's, alarm's or schedule's name."""
    return arn.rsplit("/", 1)[-1].rsplit(":", 1)[-1] or arn


def thread_of(kind: str, key: str) -> str:
    """A short, stable id for every message about the same session (or sweep)."""
    return f"{kind}-{hashlib.sha256(key.encode('utf-8', 'replace')).hexdigest()[:20]}"


def session_label(session: SessionSummary | None, arn: str | None) -> str:
    if session and session.name:
        return clean(session.name)
    if arn:
        return clean(arn_tail(arn))
    return "(no session)"


def device_label(device: DeviceSummary | None) -> str:
    """`Google Pixel 8 (ANDROID 14)`: what the tester picked."""
    if device is None:
        return "unknown device"
    name = device.name or device.model or "device"
    platform = " ".join(part for part in (device.platform, device.os) if part)
    return clean(f"{name} ({platform})" if platform else name)


def short_device(device: DeviceSummary | None) -> str | None:
    """`Pixel 8`: short enough for a subject line."""
    if device is None:
        return None
    value = device.model or device.name or device.platform
    return clean(value) if value else None


_TRIGGERS = {
    TriggerKind.API: "an API request (request id {id})",
    TriggerKind.EVENTBRIDGE: "an EventBridge command (event id {id})",
    TriggerKind.DIRECT: "a direct invocation (request id {id})",
    TriggerKind.SCHEDULE: "the sweep schedule ({name})",
    TriggerKind.ALARM: "the CloudWatch alarm {name}",
    TriggerKind.EXPIRY: "its expiry timer ({name})",
    TriggerKind.CLOUDTRAIL: "CloudTrail's record of its creation (event {id})",
}


def trigger_phrase(trigger: Trigger, sweep_id: str | None = None) -> str:
    """Who asked, in words: `the CloudWatch alarm qa-lab-budget`."""
    phrase = _TRIGGERS[trigger.kind].format(
        id=clean(trigger.id), name=clean(resource_name(trigger.id))
    )
    return f"a sweep ({clean(sweep_id)}) started by {phrase}" if sweep_id else phrase


REASONS = {
    "DRY_RUN": "the deployment is in dry run (sweepDryRun): it reports what it would stop and "
    "stops nothing",
    "PROTECTED": "its name matches the protected-name pattern (protectedNamePattern), which no "
    "automatic stop touches",
    "EXEMPT": "its project is tagged session-stopper:exempt=true, which no automatic stop touches",
    "ALARM_EXPIRED": "the alarm event was older than alarmMaxAgeMinutes: acting on it could stop "
    "sessions after the alarm cleared",
}


def reason_phrase(reason: str | None) -> str:
    if reason is None:
        return "no reason given"
    return REASONS.get(reason, clean(reason))
