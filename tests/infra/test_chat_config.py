"""slackChannels, teamsChannels and chatOutcomes: checked before any construct is built, in the
same error style as every context key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.chat_channels import MAX_CHANNELS, SlackChannel, TeamsChannel
from infra.context_values import ConfigError
from tests.infra.test_config import load

SLACK = {"workspaceId": "T07EA123LEP", "channelId": "C07EZ1ABC23"}
TEAMS = {
    "teamId": "5f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b",
    "tenantId": "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    "channelId": "19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2",
}


def test_no_chat_by_default() -> None:
    config = load()

    assert (config.slack_channels, config.teams_channels) == ((), ())
    assert config.has_chat is False
    assert config.chat_outcomes == ("STOPPED", "FAILED", "SKIPPED")


def test_channels_from_cdk_json_and_from_the_command_line() -> None:
    from_json = load(slackChannels=[SLACK], teamsChannels=[TEAMS])
    from_cli = load(slackChannels=json.dumps([SLACK]), teamsChannels=json.dumps([TEAMS]))

    for config in (from_json, from_cli):
        assert config.slack_channels == (SlackChannel("T07EA123LEP", "C07EZ1ABC23"),)
        assert config.teams_channels == (
            TeamsChannel(TEAMS["teamId"], TEAMS["tenantId"], TEAMS["channelId"]),
        )
        assert config.has_chat is True


def test_chat_outcomes_are_outcomes() -> None:
    assert load(chatOutcomes="FAILED,NOT_FOUND").chat_outcomes == ("FAILED", "NOT_FOUND")


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("slackChannels", "T07EA123LEP/C07EZ1ABC23", "must be a JSON list of objects"),
        ("slackChannels", {"workspaceId": "T1", "channelId": "C1"}, "must be a list of objects"),
        ("slackChannels", [{"workspaceId": "T07EA123LEP"}], "every entry must be an object"),
        ("slackChannels", [{**SLACK, "name": "qa"}], "every entry must be an object"),
        ("slackChannels", [{**SLACK, "workspaceId": "t07ea123lep"}], "Slack workspace id"),
        ("slackChannels", [{**SLACK, "channelId": "#qa-lab"}], "Slack channel id"),
        ("slackChannels", [{**SLACK, "channelId": 42}], "Slack channel id"),
        ("slackChannels", [SLACK, SLACK], "must not repeat a channel"),
        (
            "slackChannels",
            [{**SLACK, "channelId": f"C{n:010d}"} for n in range(MAX_CHANNELS + 1)],
            f"at most {MAX_CHANNELS} channels",
        ),
        ("teamsChannels", [{**TEAMS, "teamId": "qa-team"}], "Microsoft Teams team id"),
        ("teamsChannels", [{**TEAMS, "tenantId": TEAMS["teamId"][:-1]}], "tenant id"),
        ("teamsChannels", [{**TEAMS, "channelId": "19:abc@thread.tacv2"}], "URL-encoded"),
        ("teamsChannels", [{**TEAMS, "channelId": "x" * 250 + "%3a%40"}], "URL-encoded"),
        ("chatOutcomes", [], "at least one outcome"),
        ("chatOutcomes", ["STOPPED", "stopped"], "must be one of STOPPED"),
        ("chatOutcomes", ["STOPPED", "STOPPED"], "must not repeat"),
    ],
)
def test_a_bad_chat_value_fails_naming_its_key(key: str, value: Any, problem: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load(**{key: value})

    assert raised.value.key == key
    assert str(raised.value).startswith(f"cdk.json context '{key}': ")
    assert problem in str(raised.value)
