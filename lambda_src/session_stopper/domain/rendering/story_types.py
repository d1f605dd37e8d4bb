"""The shape of a story: what `email.py` and `chat.py` lay out, whatever message it tells."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    code: bool = False  # an ARN, an id: shown verbatim (in chat, as code)


@dataclass(frozen=True)
class Step:
    """Something to do next; `code` is the exact command or request body to use."""

    text: str
    code: str | None = None


@dataclass(frozen=True)
class Listing:
    heading: str
    items: tuple[Step, ...]  # each: what it is, and the ARN (or id) it is about


@dataclass(frozen=True)
class Story:
    event_type: str  # what kind of news: outcome.STOPPED, sweepSummary, warning, ...
    subject: str  # one line: what happened, to what
    headline: str  # the first sentence a person reads
    correlation_id: str
    facts: tuple[Fact, ...] = ()
    listings: tuple[Listing, ...] = ()
    next_steps: tuple[Step, ...] = ()
    keywords: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()  # the ARNs it is about
    thread: str = ""  # every message about one session (or sweep) shares it
    context: dict[str, str] = field(default_factory=dict)
