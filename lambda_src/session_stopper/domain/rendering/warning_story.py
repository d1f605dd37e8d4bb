"""The story of a warning: a session is stopped soon, unless its owner extends it."""

from __future__ import annotations

import json

from session_stopper.domain.rendering.story_parts import (
    EXTEND_REQUEST,
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
    minutes,
    money,
    session_label,
    short_device,
)
from session_stopper.models.timer import ExtendHint, WarningMessage


def warning_story(message: WarningMessage) -> Story:
    session = message.session
    label = session_label(session, message.session_arn)
    left = f"{message.minutes_left:g} min"
    return Story(
        event_type="warning",
        subject=session_subject("WARNING", label, short_device(session.device))
        + f" stops in {left}",
        headline=f"Device Farm session {label} will be stopped in {left}, at "
        f"{clock_time(message.deadline)}.",
        correlation_id=message.correlation_id,
        facts=tuple(_facts(message, left)),
        next_steps=tuple(_extend_steps(message.extend)),
        keywords=keywords(
            "warning",
            message.trigger.kind.value,
            session.device.platform if session.device else None,
        ),
        resources=(clean(session.arn),),
        thread=session_thread(session.arn),
        context=context_of(message.correlation_id, message.trigger.kind.value),
    )


def _facts(message: WarningMessage, left: str) -> list[Fact]:
    so_far = minutes(message.minutes_so_far) + (
        f", about {money(message.cost_so_far_usd)}" if message.cost_so_far_usd else ""
    )
    return [
        *session_facts(message.session, message.session_arn),
        Fact("Deadline", f"{instant(message.deadline)} ({left} from now)"),
        Fact("So far", so_far),
        Fact("When", instant(message.occurred_at)),
    ]


def _extend_steps(hint: ExtendHint | None) -> list[Step]:
    if hint is None:
        return [
            Step(
                "It cannot be extended (Device Farm's 150-minute limit, or the operator's "
                "maximum): save your work before the deadline."
            )
        ]
    body = json.dumps(hint.body)
    command = f"dfss extend {hint.body['arn']} --minutes {hint.body['minutes']}"
    return [
        Step(
            f"To keep it longer, extend it (by at most {hint.max_minutes} min): "
            f"{EXTEND_REQUEST} with the body",
            body,
        ),
        Step("or with the project's command-line tool (the caller policy allows it):", command),
        Step("Otherwise nothing to do: it is stopped at the deadline."),
    ]
