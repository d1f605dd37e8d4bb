"""Chat notifications against AWS's documented custom-notification format, and which messages
a channel gets.

The schema below is written from the Amazon Q Developer in chat applications admin guide
("Custom notifications", event schema and parameter details), independently of the models that
build the notifications: `version` must be "1.0", `source` must be "custom", `textType` only
"client-markdown"; `content` holds title, description, nextSteps and keywords, `metadata`
threadId, summary, eventType, relatedResources and additionalContext (string to string).
`additionalContext` keys and values also follow the documented limits of custom-action
variables, which are read from it (API reference, CustomActionAttachment: keys of A-Za-z0-9-_
up to 100, values of printable ASCII up to 1,024). The length and count bounds marked "ours" are
this project's own, conservative ones (the renderer's constants must stay within them).
"""

from __future__ import annotations

import copy
import json
from typing import Any

import jsonschema
import pytest
from pydantic import BaseModel

from session_stopper.domain.rendering import chat_of, story_of, wants_chat
from session_stopper.models.outcome import Outcome
from tests.unit.message_samples import (
    ARN,
    CORRELATION,
    every_message,
    outcome,
    session,
    sweep_summary,
)

_TEXT: dict[str, Any] = {"type": "string", "minLength": 1}
CUSTOM_NOTIFICATION: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["version", "source", "content"],
    "additionalProperties": False,
    "properties": {
        "version": {"const": "1.0"},
        "source": {"const": "custom"},
        "id": {**_TEXT, "maxLength": 256},  # ours
        "content": {
            "type": "object",
            "required": ["description"],
            "additionalProperties": False,
            "properties": {
                "textType": {"const": "client-markdown"},
                "title": {**_TEXT, "maxLength": 250},  # ours
                "description": {**_TEXT, "maxLength": 3_000},  # ours (Slack: 3,000 a block)
                "nextSteps": {
                    "type": "array",
                    "maxItems": 5,  # ours
                    "items": {**_TEXT, "maxLength": 500},  # ours
                },
                "keywords": {
                    "type": "array",
                    "maxItems": 10,  # ours
                    "items": {**_TEXT, "maxLength": 50},  # ours
                },
            },
        },
        "metadata": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "threadId": {**_TEXT, "maxLength": 128},  # ours
                "summary": {**_TEXT, "maxLength": 250},  # ours
                "eventType": {**_TEXT, "maxLength": 100},  # ours
                "relatedResources": {"type": "array", "maxItems": 10, "items": _TEXT},  # ours
                "additionalContext": {
                    "type": "object",
                    "maxProperties": 10,  # ours
                    "propertyNames": {"pattern": "^[A-Za-z0-9_-]{1,100}$"},
                    "additionalProperties": {
                        "type": "string",
                        "pattern": "^[\\x21-\\x7f]{1,1024}$",
                    },
                },
            },
        },
    },
}
MESSAGES = every_message()


def notification(message: BaseModel) -> dict[str, Any]:
    published: dict[str, Any] = json.loads(
        chat_of(story_of(message, 0.17)).model_dump_json(exclude_none=True)
    )
    return published


def _broken(path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A real notification with one field set to `value` (or added, when absent)."""
    broken = copy.deepcopy(notification(MESSAGES["stopped-by-alarm"]))
    *parents, last = path
    place = broken
    for key in parents:
        place = place[key]
    place[last] = value
    return broken


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("version",), "1.1"),
        (("source",), "aws.devicefarm"),
        (("unknown",), "x"),
        (("content", "textType"), "markdown"),
        (("content", "description"), ""),
        (("content", "description"), "d" * 3_001),
        (("content", "nextSteps"), ["step"] * 6),
        (("metadata", "additionalContext"), {"bad key": "v"}),
        (("metadata", "additionalContext"), {"key": "tab\tin it"}),
    ],
)
def test_the_schema_refuses_what_the_documented_format_refuses(
    path: tuple[str, ...], value: Any
) -> None:
    """The oracle has teeth: the schema is valid, and a notification made wrong in one field is
    refused by it (the real one, before the change, is accepted)."""
    jsonschema.Draft202012Validator.check_schema(CUSTOM_NOTIFICATION)
    jsonschema.validate(notification(MESSAGES["stopped-by-alarm"]), CUSTOM_NOTIFICATION)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(_broken(path, value), CUSTOM_NOTIFICATION)


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_makes_a_notification_of_the_documented_format(name: str) -> None:
    published = notification(MESSAGES[name])

    jsonschema.validate(published, CUSTOM_NOTIFICATION)
    assert published["content"]["textType"] == "client-markdown"
    assert published["content"]["title"]
    assert published["metadata"]["additionalContext"]["correlationId"]
    assert "\u2039" not in json.dumps(published)  # our own words never need neutralising


def test_a_stop_says_what_which_and_why() -> None:
    published = notification(MESSAGES["stopped-by-alarm"])

    assert published["content"]["title"] == "STOPPED checkout-flow (Pixel 8)"
    description = published["content"]["description"]
    for words in ["was stopped", f"`{ARN}`", "Google Pixel 8 (ANDROID 14)", "qa-lab-budget"]:
        assert words in description, words
    assert published["metadata"]["relatedResources"] == [ARN]
    assert published["metadata"]["eventType"] == "session-stopper.outcome.STOPPED"


def test_a_warning_carries_the_exact_extend_request_as_a_next_step() -> None:
    steps = notification(MESSAGES["warning"])["content"]["nextSteps"]

    assert any("POST /sessions/extend" in step for step in steps)
    assert any(f"`{json.dumps({'arn': ARN, 'minutes': 15})}`" in step for step in steps)


def test_one_session_keeps_one_thread_and_every_message_its_own_id() -> None:
    about_one_session = [MESSAGES[name] for name in ("warning", "extended", "stopped")]
    published = [notification(message) for message in about_one_session]

    assert len({p["metadata"]["threadId"] for p in published}) == 1
    assert len({p["id"] for p in published}) == 3
    assert all(p["id"].startswith(MESSAGES["stopped"].correlation_id) for p in published)  # type: ignore[attr-defined]


def test_a_session_name_cannot_mention_link_or_escape_code_in_a_channel() -> None:
    name = "<!channel> @here [win](https://evil.example) `rm -rf` &amp;"
    published = notification(outcome(Outcome.STOPPED, session=session(name)))

    text = json.dumps(published["content"])
    for markup in ["<!channel>", "@here", "](https://", "`rm", "&amp;"]:
        assert markup not in text, markup
    assert "win" in published["content"]["description"]  # still readable


def test_a_huge_sweep_fits_the_bounds() -> None:
    summary = sweep_summary(dry_run=True)
    summary = summary.model_copy(update={"sessions": summary.sessions * 50})

    jsonschema.validate(notification(summary), CUSTOM_NOTIFICATION)


DEFAULT_OUTCOMES = frozenset({"STOPPED", "FAILED", "SKIPPED"})


@pytest.mark.parametrize(
    ("name", "wanted"),
    [
        ("stopped", True),
        ("failed", True),
        ("failed-listing", True),
        ("skipped-dry-run", True),
        ("already-ended", False),
        ("not-found", False),
        ("rejected", False),
        ("sweep-live", True),
        ("sweep-dry-run", True),
        ("timer-armed", False),
        ("timer-not_armed", False),
        ("warning", True),
        ("extended", True),
    ],
)
def test_a_channel_gets_what_needs_a_person(name: str, wanted: bool) -> None:
    assert wants_chat(MESSAGES[name], DEFAULT_OUTCOMES) is wanted


def test_chat_outcomes_choose_the_outcomes() -> None:
    assert wants_chat(MESSAGES["already-ended"], {"ALREADY_ENDED"})
    assert not wants_chat(MESSAGES["stopped"], {"FAILED"})


def test_a_sweep_that_did_nothing_worth_saying_stays_out_of_the_channel() -> None:
    quiet = sweep_summary(dry_run=False).model_copy(
        update={
            "outcomes": {"SKIPPED": 1},
            "skipped": {"PROTECTED": 1},
            "listing_failures": [],
            "inventory": sweep_summary(dry_run=False).inventory.model_copy(
                update={"projects_failed": []}
            ),
        }
    )

    assert not wants_chat(quiet, DEFAULT_OUTCOMES)


def test_the_additional_context_carries_the_messages_own_values() -> None:
    """Custom actions read these as variables: they must be the values, not placeholders."""
    context = notification(MESSAGES["stopped-by-alarm"])["metadata"]["additionalContext"]
    assert context == {"correlationId": CORRELATION, "trigger": "alarm"}
