"""A story as an email: a Subject line and plain text a person reads at a glance."""

from __future__ import annotations

from dataclasses import dataclass

from session_stopper.domain.rendering.story_types import Step, Story
from session_stopper.domain.rendering.words import ascii_line, clip

# SNS: a Subject is "less than 100 characters", with no line breaks or control characters.
SUBJECT_MAX = 99
# The text rides in the same publish as the JSON contract (256 KiB for both, and the contract
# comes first): a long sweep summary is cut here, never the contract.
TEXT_MAX = 20_000
CUT = "\n\n[cut here: the whole message is the JSON on the topic]"


@dataclass(frozen=True)
class EmailText:
    subject: str
    body: str


def email_of(story: Story) -> EmailText:
    lines = [clip(story.headline, 1_000), ""]
    width = max((len(fact.label) for fact in story.facts), default=0) + 1
    lines += [f"{(fact.label + ':').ljust(width)} {fact.value}" for fact in story.facts]
    for listing in story.listings:
        lines += ["", f"{listing.heading}:"]
        for item in listing.items:
            lines += _item(item)
    if story.next_steps:
        lines += ["", "What to do next:"]
        for step in story.next_steps:
            lines += _item(step)
    lines += [
        "",
        f"Correlation id {story.correlation_id}: every log line of the function's invocation "
        "carries it.",
    ]
    return EmailText(
        subject=ascii_line(story.subject, SUBJECT_MAX), body=clip("\n".join(lines), TEXT_MAX, CUT)
    )


def _item(step: Step) -> list[str]:
    return [f"  - {step.text}"] + ([f"      {step.code}"] if step.code else [])
