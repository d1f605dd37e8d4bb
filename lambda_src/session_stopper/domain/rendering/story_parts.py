"""Pieces more than one story uses: a session's facts, an error, the requests a person can send,
and the keywords, thread and context every story carries."""

from __future__ import annotations

import json

from session_stopper.domain.rendering.story_types import Fact, Step
from session_stopper.domain.rendering.words import clean, device_label, instant, thread_of
from session_stopper.models.outcome import OutcomeError, SessionSummary

EXTEND_REQUEST = "POST /sessions/extend"
STOP_REQUEST = "POST /sessions/stop"
GO_LIVE = "make deploy CONTEXT='-c sweepDryRun=false'"


def session_facts(session: SessionSummary | None, arn: str | None) -> list[Fact]:
    facts = []
    if session and session.name:
        facts.append(Fact("Session", clean(session.name)))
    if arn or session:
        facts.append(Fact("ARN", clean(arn or (session.arn if session else "")), code=True))
    if session:
        facts.append(Fact("Device", device_label(session.device)))
        if session.status:
            status = clean(session.status)
            result = f", result {clean(session.result)}" if session.result else ""
            facts.append(Fact("Status", status + result))
        if session.created or session.started:
            facts.append(Fact("Started", instant(session.started or session.created)))
    return facts


def arn_facts(label: str, arn: str | None) -> list[Fact]:
    """The ARN as a fact, when there is one."""
    return [Fact(label, clean(arn), code=True)] if arn else []


def error_facts(error: OutcomeError | None) -> list[Fact]:
    return [Fact("Error", clean(f"{error.code}: {error.message}"))] if error else []


def session_subject(head: str, label: str, device: str | None) -> str:
    """`STOPPED checkout-flow (Pixel 8)`: what happened, to which session, on what."""
    return f"{head} {label}" + (f" ({device})" if device else "")


def stop_request_step(intro: str, arn: str | None) -> Step:
    """`intro (POST /sessions/stop):` and the body that stops the session."""
    return Step(f"{intro} ({STOP_REQUEST}):", json.dumps({"arn": clean(arn or "")}))


def resources_of(*arns: str | None) -> tuple[str, ...]:
    return tuple(clean(arn) for arn in arns if arn)


def keywords(*words: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean(word) for word in words if word))


def session_thread(key: str) -> str:
    return thread_of("session", key)


def context_of(correlation_id: str, trigger: str, sweep_id: str | None = None) -> dict[str, str]:
    context = {"correlationId": correlation_id, "trigger": trigger}
    if sweep_id:
        context["sweepId"] = sweep_id
    return context
