"""Alarm events from the fixtures, dated now, and helpers to read and change them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.conftest import load_fixture
from tests.support.aws import create_alarm

METRIC_ALARMS = [
    "alarm_action_metric.json",
    "alarm_action_metric_math.json",
    "alarm_state_change_metric.json",
    "alarm_state_change_metric_math.json",
]
COMPOSITE_ALARMS = ["alarm_action_composite.json", "alarm_state_change_composite.json"]
SESSION_ALARM_NAMES = "session-idle-too-long,session-cost-rate"
KILL_SWITCH_ALARM_NAME = "devicefarm-spend-kill-switch"


def alarm_arn(event: dict[str, Any]) -> str:
    return str(event["alarmArn"] if "alarmArn" in event else event["resources"][0])


def alarm_data(event: dict[str, Any]) -> dict[str, Any]:
    return dict(event["alarmData"] if "alarmData" in event else event["detail"])


def alarm_name(event: dict[str, Any]) -> str:
    return str(alarm_data(event)["alarmName"])


def dated(event: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The event as if the alarm fired at `moment` (both shapes carry `time`)."""
    stamp = moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")
    event["time"] = stamp if "alarmData" in event else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    alarm_data(event)["state"]["timestamp"] = stamp
    return event


def fresh_alarm(name: str, minutes_ago: float = 0.5) -> dict[str, Any]:
    """A fixture alarm event that fired `minutes_ago`."""
    event = load_fixture(name)
    return dated(event, datetime.now(UTC) - timedelta(minutes=minutes_ago))


def aim(event: dict[str, Any], arn: str, region: str = "eu-west-1") -> None:
    """Point the event's SessionArn dimensions and the alarm itself (in moto) at `arn`."""
    name_session(event, arn)
    create_alarm(region, alarm_name(event), sessions=[arn])


def name_session(event: dict[str, Any], arn: str) -> None:
    """Point every SessionArn dimension of the event's alarm at `arn` (the event only)."""
    for query in alarm_data(event)["configuration"].get("metrics", []):
        dimensions = query.get("metricStat", {}).get("metric", {}).get("dimensions", {})
        if "SessionArn" in dimensions:
            dimensions["SessionArn"] = arn
