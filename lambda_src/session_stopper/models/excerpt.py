"""Refused caller text as other people may see it: a short, escaped excerpt, marked as such.

Input that was refused (a claimed ARN that is none, an unknown key, an alarm name) is reported
to every subscriber of the outcome topic, to chat channels, mailboxes and logs. None of them
asked for the caller's text, so it travels only as an excerpt: printable ASCII, every other
character (and the backslash) written as its escape (`\\n`, `\\x00`, `\\u202e`), at most
EXCERPT_MAX characters cut at a whole escape, with the length the caller sent.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

EXCERPT_MAX = 64
_NAMED_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escaped(char: str) -> str:
    """`char` as printable ASCII: itself, or its escape."""
    if char in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[char]
    if " " <= char <= "~":
        return char
    code = ord(char)
    if code <= 0xFF:
        return f"\\x{code:02x}"
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


class InputExcerpt(BaseModel):
    """What a caller sent, as far as it may be repeated (`input` in a REJECTED outcome)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    excerpt: str = Field(
        max_length=EXCERPT_MAX,
        description="the start of the caller's text, printable ASCII: any other character, and "
        "the backslash, as its escape",
    )
    truncated: bool = Field(description="true: the caller sent more than the excerpt shows")
    length: int = Field(ge=0, description="how many characters the caller sent")


def excerpt_of(text: str) -> InputExcerpt:
    """The longest run of whole escapes from the start of `text` that fits EXCERPT_MAX."""
    pieces: list[str] = []
    used = 0
    for char in text:
        piece = _escaped(char)
        if used + len(piece) > EXCERPT_MAX:
            return InputExcerpt(excerpt="".join(pieces), truncated=True, length=len(text))
        pieces.append(piece)
        used += len(piece)
    return InputExcerpt(excerpt="".join(pieces), truncated=False, length=len(text))


def quoted(text: str) -> str:
    """Caller text inside one of our sentences: `'<excerpt>'`, `...` after it when cut."""
    excerpt = excerpt_of(text)
    return f"'{excerpt.excerpt}'" + ("..." if excerpt.truncated else "")
