"""Publishing one message for machines and people alike.

The outcome topic is the record: its message carries the JSON contract for every subscriber and
the readable text for email, and only its failure is a failure. The chat notification comes
after it, for the messages a channel wants; a chat topic that refuses is logged and counted
(`ChatNotificationsFailed`), never raised, so it can neither fail an invocation nor lose an
outcome. Text that cannot be rendered (a bug) leaves the contract to go out alone.
"""

from __future__ import annotations

from pydantic import BaseModel

from session_stopper.config import ChatSettings, settings
from session_stopper.domain.outcomes import count
from session_stopper.domain.rendering import Story, chat_of, email_of, story_of, wants_chat
from session_stopper.gateways.outcomes import OutcomePublisher
from session_stopper.observability import logger

CHAT_FAILURE_METRIC = "ChatNotificationsFailed"


def publish_for_everyone(
    publisher: OutcomePublisher, message: BaseModel, attributes: dict[str, str]
) -> None:
    """Publish to the outcome topic (raises PublishError if SNS refuses), then tell the chat
    channels if they want to hear of it."""
    config = settings()
    story = _story(message, config.price_per_device_minute)
    email = email_of(story) if story else None
    publisher.publish(
        message,
        attributes,
        email=email.body if email else None,
        subject=email.subject if email else None,
    )
    if story and config.chat and wants_chat(message, config.chat.outcomes):
        _tell_chat(publisher, config.chat, story)


def _story(message: BaseModel, price_per_minute: float) -> Story | None:
    try:
        return story_of(message, price_per_minute)
    except Exception:  # the text is a courtesy: the contract must go out without it
        logger.exception("could not render the message for people; publishing the contract only")
        return None


def _tell_chat(publisher: OutcomePublisher, chat: ChatSettings, story: Story) -> None:
    try:
        publisher.publish_chat(chat.topic_arn, chat_of(story))
    except Exception as error:  # nothing about chat may fail the invocation
        count(CHAT_FAILURE_METRIC)
        logger.warning(
            "chat notification not sent (the outcome topic has the message)",
            extra={"error": str(error)[:500], "event_type": story.event_type},
        )
