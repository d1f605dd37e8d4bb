"""CHAT_TOPIC_ARN and CHAT_OUTCOMES: off unless a topic is named, parsed as strictly as the
other settings."""

from __future__ import annotations

import pytest

from session_stopper.config import SETTING_VARIABLES, ConfigurationError, load_settings
from tests.unit.test_config import REQUIRED

TOPIC = "arn:aws:sns:eu-west-1:123456789012:session-stopper-dev-chat"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_chat_is_off_without_a_topic(env: pytest.MonkeyPatch) -> None:
    assert load_settings().chat is None


def test_a_topic_turns_chat_on_for_the_outcomes_that_need_a_person(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("CHAT_TOPIC_ARN", TOPIC)

    chat = load_settings().chat

    assert chat is not None
    assert chat.topic_arn == TOPIC
    assert chat.outcomes == {"STOPPED", "FAILED", "SKIPPED"}


def test_chat_outcomes_are_read_from_a_comma_separated_list(env: pytest.MonkeyPatch) -> None:
    env.setenv("CHAT_TOPIC_ARN", TOPIC)
    env.setenv("CHAT_OUTCOMES", " FAILED, NOT_FOUND ")

    chat = load_settings().chat

    assert chat is not None
    assert chat.outcomes == {"FAILED", "NOT_FOUND"}


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("CHAT_TOPIC_ARN", "session-stopper-dev-chat", "must be an SNS topic ARN"),
        ("CHAT_TOPIC_ARN", TOPIC + ",other", "must be an SNS topic ARN"),
        ("CHAT_TOPIC_ARN", TOPIC.replace("sns", "sqs"), "must be an SNS topic ARN"),
        ("CHAT_OUTCOMES", "STOPPED,stopped", "got 'stopped'"),
        ("CHAT_OUTCOMES", "STOPPED,,FAILED", "got ''"),
        ("CHAT_OUTCOMES", "STOPPED;FAILED", "got 'STOPPED;FAILED'"),
    ],
)
def test_a_bad_chat_setting_stops_the_function_with_a_clear_message(
    env: pytest.MonkeyPatch, name: str, value: str, problem: str
) -> None:
    env.setenv("CHAT_TOPIC_ARN", TOPIC)
    env.setenv(name, value)

    with pytest.raises(ConfigurationError, match=name) as raised:
        load_settings()
    assert problem in str(raised.value)


def test_bad_chat_outcomes_fail_even_before_a_topic_is_named(env: pytest.MonkeyPatch) -> None:
    env.setenv("CHAT_OUTCOMES", "STOPED")

    with pytest.raises(ConfigurationError, match="CHAT_OUTCOMES"):
        load_settings()


def test_the_chat_variables_are_settings_tests_start_without() -> None:
    assert {"CHAT_TOPIC_ARN", "CHAT_OUTCOMES"} <= set(SETTING_VARIABLES)
