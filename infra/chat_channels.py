"""The chat channels of cdk.json context (`slackChannels`, `teamsChannels`), read and checked.

Each is a list of objects naming where Amazon Q Developer in chat applications (formerly AWS
Chatbot) posts; the id patterns are the service's own (botocore's chatbot model: SlackTeamId,
SlackChannelId, UUID, TeamsChannelId), so a typo fails the synth, not the deploy.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from infra.context_values import ConfigError

# As many channels of each kind as one deployment reasonably posts to.
MAX_CHANNELS = 10
_SLACK_WORKSPACE = (r"[0-9A-Z]{1,255}", "must be a Slack workspace id (e.g. T07EA123LEP)")
_SLACK_CHANNEL = (r"[A-Za-z0-9]{1,255}", "must be a Slack channel id (e.g. C07EZ1ABC23)")
_UUID = r"[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
_TEAM = (_UUID, "must be a Microsoft Teams team id (a UUID)")
_TENANT = (_UUID, "must be a Microsoft Entra tenant id (a UUID)")
_TEAMS_CHANNEL = (
    r"(?=.{1,255}$)[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*",
    "must be a Teams channel id as its link shows it, URL-encoded "
    "(e.g. 19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2)",
)


@dataclass(frozen=True)
class SlackChannel:
    workspace_id: str
    channel_id: str


@dataclass(frozen=True)
class TeamsChannel:
    team_id: str
    tenant_id: str
    channel_id: str


def read_slack_channels(raw: Any) -> list[SlackChannel]:
    fields = {"workspaceId": _SLACK_WORKSPACE, "channelId": _SLACK_CHANNEL}
    return [
        SlackChannel(workspace_id=item["workspaceId"], channel_id=item["channelId"])
        for item in _read_objects("slackChannels", raw, fields)
    ]


def read_teams_channels(raw: Any) -> list[TeamsChannel]:
    fields = {"teamId": _TEAM, "tenantId": _TENANT, "channelId": _TEAMS_CHANNEL}
    return [
        TeamsChannel(
            team_id=item["teamId"], tenant_id=item["tenantId"], channel_id=item["channelId"]
        )
        for item in _read_objects("teamsChannels", raw, fields)
    ]


def _read_objects(key: str, raw: Any, fields: dict[str, tuple[str, str]]) -> list[dict[str, str]]:
    """A list of objects with exactly `fields`, each value matching its pattern; from the CLI
    (`-c key='[{...}]'`) the same as a JSON string."""
    shape = "{" + ", ".join(f'"{name}": "..."' for name in fields) + "}"
    items = _as_list(key, raw, shape)
    if len(items) > MAX_CHANNELS:
        raise ConfigError(key, f"must list at most {MAX_CHANNELS} channels", raw)
    for item in items:
        if not isinstance(item, dict) or set(item) != set(fields):
            raise ConfigError(key, f"every entry must be an object {shape}", item)
        for name, (pattern, hint) in fields.items():
            value = item[name]
            if not isinstance(value, str) or not re.fullmatch(pattern, value, re.ASCII):
                raise ConfigError(key, f"'{name}' {hint}", value)
    unique = {tuple(sorted(item.items())) for item in items}
    if len(unique) != len(items):
        raise ConfigError(key, "must not repeat a channel", raw)
    return items


def _as_list(key: str, raw: Any, shape: str) -> list[Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            raise ConfigError(key, f"must be a JSON list of objects {shape}", raw) from None
    if not isinstance(raw, list):
        raise ConfigError(key, f"must be a list of objects {shape}", raw)
    return raw
