"""What people read: the same message, told as email text and as a chat notification.

Pure functions of the message models (no AWS, no settings): `story_of` decides what to say
about a message (what happened, to which session, why, what to do next), `email_of` and
`chat_of` lay that story out for a mailbox and for Amazon Q Developer in chat applications.
The JSON contract machines read is untouched: it stays the message itself.
"""

from session_stopper.domain.rendering.chat import ChatNotification, chat_of, wants_chat
from session_stopper.domain.rendering.email import EmailText, email_of
from session_stopper.domain.rendering.story import Story, story_of

__all__ = [
    "ChatNotification",
    "EmailText",
    "Story",
    "chat_of",
    "email_of",
    "story_of",
    "wants_chat",
]
