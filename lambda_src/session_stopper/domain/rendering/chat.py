"""A story as a custom notification of Amazon Q Developer in chat applications (formerly AWS
Chatbot), which posts it to the Slack channels and Microsoft Teams channels subscribed to the
chat topic.

The event format is AWS's (chatbot admin guide, "Custom notifications"): `version` must be
"1.0", `source` must be "custom", `textType` only "client-markdown"; `content` holds `title`,
`description`, `nextSteps` and `keywords`, `metadata` holds `threadId`, `summary`, `eventType`,
`relatedResources` and `additionalContext`. The length bounds below are this project's own,
kept well inside what Slack shows in one message (3,000 characters a text block) and inside
the limits of the service's custom-action variables (`additionalContext` values: printable
ASCII, at most 1,024 characters, keys of `A-Za-z0-9-_`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from session_stopper.domain.rendering.story_types import Step, Story
from session_stopper.domain.rendering.words import ascii_line, clean, clip
from session_stopper.models.outcome import OutcomeMessage
from session_stopper.models.sweep import SweepSummary
from session_stopper.models.timer import ExtendedMessage, WarningMessage

TITLE_MAX = 250
DESCRIPTION_MAX = 3_000
NEXT_STEPS_MAX = 5
NEXT_STEP_MAX = 500
KEYWORDS_MAX = 10
KEYWORD_MAX = 50
SUMMARY_MAX = 250
ID_MAX = 256
THREAD_ID_MAX = 128
EVENT_TYPE_MAX = 100
RELATED_MAX = 10
RELATED_ITEM_MAX = 2_048
CONTEXT_MAX = 10
CONTEXT_VALUE_MAX = 1_024
_EVENT_TYPE_PREFIX = "session-stopper."

# Text a caller or Device Farm chose must not mention (`<!channel>`, `@here`), link
# (`[x](https://...)`) or break out of code spans in a team's channel.
# Each becomes a look-alike that no chat client reads as markup: single angle quotation marks,
# fullwidth ampersand, at sign and brackets, and an apostrophe for the backtick.
_NEUTRAL = str.maketrans(
    {
        "<": "\u2039",
        ">": "\u203a",
        "&": "\uff06",
        "@": "\uff20",
        "`": "'",
        "[": "\uff3b",
        "]": "\uff3d",
    }
)


class _Model(BaseModel):
    model_config = ConfigDict(
        frozen=True, extra="forbid", populate_by_name=True, serialize_by_alias=True
    )


class ChatContent(_Model):
    text_type: Literal["client-markdown"] = Field("client-markdown", alias="textType")
    title: str = Field(min_length=1, max_length=TITLE_MAX)
    description: str = Field(min_length=1, max_length=DESCRIPTION_MAX)
    next_steps: list[str] = Field(
        default_factory=list,
        alias="nextSteps",
        max_length=NEXT_STEPS_MAX,
        json_schema_extra={"items": {"maxLength": NEXT_STEP_MAX}},
    )
    keywords: list[str] = Field(default_factory=list, max_length=KEYWORDS_MAX)


class ChatMetadata(_Model):
    thread_id: str = Field(alias="threadId", min_length=1, max_length=THREAD_ID_MAX)
    summary: str = Field(min_length=1, max_length=SUMMARY_MAX)
    event_type: str = Field(alias="eventType", min_length=1, max_length=EVENT_TYPE_MAX)
    related_resources: list[str] = Field(alias="relatedResources", max_length=RELATED_MAX)
    additional_context: dict[str, str] = Field(alias="additionalContext", max_length=CONTEXT_MAX)


class ChatNotification(_Model):
    version: Literal["1.0"] = "1.0"
    source: Literal["custom"] = "custom"
    id: str = Field(min_length=1, max_length=ID_MAX)
    content: ChatContent
    metadata: ChatMetadata


def wants_chat(message: BaseModel, outcomes: Collection[str]) -> bool:
    """The messages a channel wants: outcomes in CHAT_OUTCOMES, sweeps that stopped (or would
    have) something or could not list a project, warnings and extensions. Not `timer` notices:
    a timer armed per session would drown the rest."""
    if isinstance(message, OutcomeMessage):
        return message.outcome.value in outcomes
    if isinstance(message, SweepSummary):
        return message.needs_a_person
    return isinstance(message, WarningMessage | ExtendedMessage)


def chat_of(story: Story) -> ChatNotification:
    return ChatNotification(
        id=_event_id(story),
        content=ChatContent(
            title=clip(_neutral(story.subject), TITLE_MAX),
            description=clip(_description(story), DESCRIPTION_MAX),
            next_steps=[clip(_line(step), NEXT_STEP_MAX) for step in story.next_steps][
                :NEXT_STEPS_MAX
            ],
            keywords=[clip(_neutral(word), KEYWORD_MAX) for word in story.keywords][:KEYWORDS_MAX],
        ),
        metadata=ChatMetadata(
            thread_id=clip(story.thread or story.correlation_id, THREAD_ID_MAX),
            summary=clip(_neutral(story.headline), SUMMARY_MAX),
            event_type=clip(_EVENT_TYPE_PREFIX + story.event_type, EVENT_TYPE_MAX),
            related_resources=[clip(arn, RELATED_ITEM_MAX) for arn in story.resources][
                :RELATED_MAX
            ],
            additional_context={
                key: ascii_line(value, CONTEXT_VALUE_MAX).replace(" ", "_") or "-"
                for key, value in list(story.context.items())[:CONTEXT_MAX]
            },
        ),
    )


def _event_id(story: Story) -> str:
    """Unique per message, and still names the invocation: a sweep's summary and each of its
    outcomes share one correlation id."""
    what = "|".join((story.event_type, *story.resources, story.subject))
    digest = hashlib.sha256(what.encode("utf-8", "replace")).hexdigest()[:12]
    return clip(f"{clean(story.correlation_id)}/{digest}", ID_MAX)


def _description(story: Story) -> str:
    lines = [_neutral(story.headline), ""]
    for fact in story.facts:
        value = _code(fact.value) if fact.code else _neutral(fact.value)
        lines.append(f"{fact.label}: {value}")
    for listing in story.listings:
        lines += ["", f"{listing.heading}:"]
        lines += [f"• {_line(item)}" for item in listing.items]
    return "\n".join(lines)


def _line(step: Step) -> str:
    text = _neutral(step.text)
    return f"{text} {_code(step.code)}" if step.code else text


def _neutral(text: str) -> str:
    return clean(text).translate(_NEUTRAL)


def _code(text: str) -> str:
    return f"`{_neutral(text)}`"
