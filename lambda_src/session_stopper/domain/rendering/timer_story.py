"""The story of an expiry timer: armed for a new session, or why a session has none."""

from __future__ import annotations

from session_stopper.domain.rendering.story_parts import (
    arn_facts,
    context_of,
    error_facts,
    keywords,
    resources_of,
    session_thread,
)
from session_stopper.domain.rendering.story_types import Fact, Step, Story
from session_stopper.domain.rendering.words import instant, session_label, trigger_phrase
from session_stopper.models.timer import TimerMessage, TimerStatus

NEXT_SWEEP_COVERS_IT = Step("Nothing to do unless it repeats: the next sweep covers the session.")
TIMER_STEPS = {
    TimerStatus.ARMED: Step("Nothing to do; a warning comes before the deadline."),
    TimerStatus.EXEMPT: Step("Nothing to do: no automatic stop touches this project."),
}


def timer_story(message: TimerMessage) -> Story:
    arn = message.session_arn
    label = session_label(None, arn)
    status = message.status
    return Story(
        event_type=f"timer.{status.value}",
        subject=f"Timer {status.value} {label}",
        headline=_headline(message, label),
        correlation_id=message.correlation_id,
        facts=tuple(_facts(message)),
        next_steps=(TIMER_STEPS.get(status, NEXT_SWEEP_COVERS_IT),),
        keywords=keywords("timer", status.value, message.trigger.kind.value),
        resources=resources_of(arn, message.project_arn),
        thread=session_thread(arn or message.correlation_id),
        context=context_of(message.correlation_id, message.trigger.kind.value),
    )


def _headline(message: TimerMessage, label: str) -> str:
    headlines = {
        TimerStatus.ARMED: f"Session {label} has an expiry timer: it is stopped at "
        f"{instant(message.deadline)} unless its owner extends it.",
        TimerStatus.EXEMPT: f"Session {label} has no expiry timer: its project is exempt.",
        TimerStatus.UNMATCHED: "A CloudTrail record of a new session named no session the "
        "function could find: the next sweep arms its timer.",
        TimerStatus.NOT_ARMED: f"The expiry timer of session {label} could not be armed: the "
        "next sweep arms it.",
    }
    return headlines[message.status]


def _facts(message: TimerMessage) -> list[Fact]:
    return [
        *arn_facts("ARN", message.session_arn),
        *arn_facts("Project", message.project_arn),
        *([Fact("Deadline", instant(message.deadline))] if message.deadline else []),
        *([Fact("Warning at", instant(message.warning_at))] if message.warning_at else []),
        *_budget_facts(message),
        *error_facts(message.error),
        Fact("Asked by", trigger_phrase(message.trigger)),
        Fact("When", instant(message.occurred_at)),
    ]


def _budget_facts(message: TimerMessage) -> list[Fact]:
    if not message.budget_minutes:
        return []
    source = _SOURCES.get(message.budget_source or "default", "the default")
    return [Fact("Budget", f"{message.budget_minutes} min ({source})")]


_SOURCES = {
    "tag": "the project's tag",
    "clampedTag": "the project's tag, held within the operator's bounds",
    "default": "the default",
}
