"""The story of an extension: a session's deadline moved later."""

from __future__ import annotations

from session_stopper.domain.rendering.story_parts import (
    context_of,
    keywords,
    session_facts,
    session_subject,
    session_thread,
)
from session_stopper.domain.rendering.story_types import Fact, Step, Story
from session_stopper.domain.rendering.words import (
    clean,
    clock_time,
    instant,
    session_label,
    short_device,
    trigger_phrase,
)
from session_stopper.models.timer import ExtendedMessage


def extended_story(message: ExtendedMessage) -> Story:
    session = message.session
    label = session_label(session, message.session_arn)
    added = message.minutes_added
    deadline = clock_time(message.deadline)
    return Story(
        event_type="extended",
        subject=session_subject("EXTENDED", label, short_device(session.device))
        + f" +{added} min, to {deadline}",
        headline=f"The deadline of Device Farm session {label} moved {added} min later, "
        f"to {deadline}.",
        correlation_id=message.correlation_id,
        facts=tuple(_facts(message)),
        next_steps=(
            Step(
                "Nothing to do: it is stopped at the new deadline unless extended again "
                f"(at most until {clock_time(message.latest_deadline)})."
            ),
        ),
        keywords=keywords("extended", message.trigger.kind.value),
        resources=(clean(session.arn),),
        thread=session_thread(session.arn),
        context=context_of(message.correlation_id, message.trigger.kind.value),
    )


def _facts(message: ExtendedMessage) -> list[Fact]:
    return [
        *session_facts(message.session, message.session_arn),
        Fact("Deadline", instant(message.deadline)),
        Fact("Was", instant(message.previous_deadline)),
        Fact("Latest possible", instant(message.latest_deadline)),
        Fact("Asked by", trigger_phrase(message.trigger)),
        Fact("When", instant(message.occurred_at)),
    ]
