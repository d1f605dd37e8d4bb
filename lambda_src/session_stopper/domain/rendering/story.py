"""What to tell a person about a message: what happened, to which session, why, what next.

One `Story` per message, whatever will carry it; `email.py` and `chat.py` only lay it out.
Each kind of message has its own teller (`outcome_story.py`, `sweep_story.py`,
`timer_story.py`, `warning_story.py`, `extended_story.py`); `story_parts.py` holds what they
share.
"""

from __future__ import annotations

from pydantic import BaseModel

from session_stopper.domain.rendering.extended_story import extended_story
from session_stopper.domain.rendering.outcome_story import outcome_story
from session_stopper.domain.rendering.story_types import Fact, Listing, Step, Story
from session_stopper.domain.rendering.sweep_story import sweep_story
from session_stopper.domain.rendering.timer_story import timer_story
from session_stopper.domain.rendering.warning_story import warning_story
from session_stopper.models.outcome import OutcomeMessage
from session_stopper.models.sweep import SweepSummary
from session_stopper.models.timer import ExtendedMessage, TimerMessage, WarningMessage

__all__ = ["Fact", "Listing", "Step", "Story", "story_of"]


def story_of(message: BaseModel, price_per_minute: float) -> Story:
    """The story of any message the function publishes. `price_per_minute` (USD) prices the
    metered minutes of an outcome's session."""
    if isinstance(message, OutcomeMessage):
        return outcome_story(message, price_per_minute)
    if isinstance(message, SweepSummary):
        return sweep_story(message)
    if isinstance(message, TimerMessage):
        return timer_story(message)
    if isinstance(message, WarningMessage):
        return warning_story(message)
    if isinstance(message, ExtendedMessage):
        return extended_story(message)
    raise TypeError(f"no story for {type(message).__name__}")
