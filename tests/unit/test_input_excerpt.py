"""Refused caller text as others see it: an escaped excerpt of at most EXCERPT_MAX characters,
in the outcome's `input` and inside every rejection message (models/excerpt.py)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from session_stopper.models.excerpt import EXCERPT_MAX, InputExcerpt, excerpt_of, quoted
from session_stopper.models.rejection import LOGGED_DETAILS, Rejection, rejection_of
from session_stopper.models.requests import StopCommand

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"


@pytest.mark.parametrize(
    ("sent", "excerpt"),
    [
        ("plain text", "plain text"),
        ("a\nb\r\tc", "a\\nb\\r\\tc"),
        ("back\\slash", "back\\\\slash"),
        ("\x00\x1b[31m\x7f\u0085", "\\x00\\x1b[31m\\x7f\\x85"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("caf\u00e9 \U0001f600", "caf\\xe9 \\U0001f600"),
        ("\ud800", "\\ud800"),
    ],
)
def test_every_character_but_printable_ascii_is_escaped(sent: str, excerpt: str) -> None:
    assert excerpt_of(sent) == InputExcerpt(excerpt=excerpt, truncated=False, length=len(sent))


def test_a_long_text_is_cut_at_a_whole_escape_and_says_how_long_it_was() -> None:
    sent = "x" * (EXCERPT_MAX - 3) + "\u202e" + "y" * 2000

    excerpt = excerpt_of(sent)

    assert excerpt == InputExcerpt(
        excerpt="x" * (EXCERPT_MAX - 3), truncated=True, length=len(sent)
    )
    assert excerpt_of("z" * EXCERPT_MAX).truncated is False
    assert excerpt_of("z" * (EXCERPT_MAX + 1)).excerpt == "z" * EXCERPT_MAX


def test_caller_text_inside_a_sentence_is_quoted_and_marked_when_cut() -> None:
    assert quoted("us-east-1") == "'us-east-1'"
    assert quoted("r" * 100) == "'" + "r" * EXCERPT_MAX + "'..."


def _rejection(payload: object) -> Rejection:
    with pytest.raises(ValidationError) as raised:
        StopCommand.model_validate(payload)
    return rejection_of(raised.value.errors())


@pytest.mark.parametrize(
    "payload",
    [
        {"arn": ARN.replace("us-west-2", "us-" + "WEST" * 200 + "-2")},
        {"arn": ARN.replace(":session:", ":" + "session" * 100 + ":")},
        {"arn": ARN, "k" * 2000: 1},
        {"arn": "x" * 2000},
    ],
    ids=["region", "resource-type", "unknown-key", "no-arn-at-all"],
)
def test_a_rejection_repeats_no_more_of_the_input_than_an_excerpt(payload: object) -> None:
    """pydantic puts the input in str(error); our messages quote at most an excerpt of it."""
    rejection = _rejection(payload)

    for text in [rejection.message, *(d.message for d in rejection.details)]:
        longest = max((len(run) for run in text.replace("'", " ").split()), default=0)
        assert longest <= EXCERPT_MAX + 3, text  # an excerpt and its "..." marker
        assert "input_value" not in text


def test_a_rejection_is_logged_with_a_bounded_number_of_details() -> None:
    rejection = _rejection({"arn": ARN, **{f"key{n}": n for n in range(100)}})

    logged = rejection.logged()

    assert len(rejection.details) == 100
    assert len(logged["details"]) == LOGGED_DETAILS
    assert (logged["code"], logged["message"]) == ("UNKNOWN_FIELD", "'key0' is not a known field")
