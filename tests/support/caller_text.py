"""Checks that refused caller text reaches others only as a bounded excerpt (models/excerpt.py)."""

from __future__ import annotations

import contextlib
import json
import unicodedata
from collections.abc import Iterator
from typing import Any

from session_stopper.models.excerpt import EXCERPT_MAX, excerpt_of


def strings_in(value: Any) -> Iterator[str]:
    """Every string in a JSON value, keys included; a string that holds JSON (an SNS envelope's
    Message) is opened too."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from strings_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings_in(item)
    elif isinstance(value, str):
        yield value
        if value[:1] in "{[":
            with contextlib.suppress(ValueError):
                yield from strings_in(json.loads(value))


def longest_run_of(sent: str, texts: list[str]) -> int:
    """The longest piece of `sent` that any of `texts` repeats verbatim (0: none)."""
    longest = 0
    for start in range(len(sent)):
        size = longest + 1
        while start + size <= len(sent) and any(sent[start : start + size] in t for t in texts):
            longest = size
            size += 1
    return longest


def unsafe_characters(text: str) -> set[str]:
    """Control, format (bidi overrides among them), and other invisible characters in `text`."""
    return {char for char in text if unicodedata.category(char)[0] in "CZ" and char != " "}


def assert_only_an_excerpt(sent: str, published: Any, *, lines: bool = False) -> None:
    """`published` repeats at most EXCERPT_MAX characters of `sent` in any one place, and holds
    no control or bidi character (`lines`: text laid out in lines, each line checked).

    The excerpt itself is read as one piece: the characters our own words put after it may
    happen to be the ones the caller sent next (64 zeros and a space, then " (excerpt of ..."),
    which lengthens the run without repeating one more character of the caller's."""
    shown = excerpt_of(sent).excerpt
    assert len(shown) <= EXCERPT_MAX
    texts = [
        line for text in strings_in(published) for line in (text.split("\n") if lines else [text])
    ]
    stand_in = next(char for char in _STAND_INS if char not in sent)
    apart = [text.replace(shown, stand_in) for text in texts] if shown else texts
    assert longest_run_of(sent, apart) <= EXCERPT_MAX, texts
    assert set().union(*map(unsafe_characters, texts)) == set(), texts


# What stands for the excerpt where it is shown: a noncharacter the caller did not send.
_STAND_INS = "\uffff\ufffe\U0010ffff"
