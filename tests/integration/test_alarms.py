"""Alarm-driven auto-stop: both event shapes, every state, metric math and composite alarms."""

from __future__ import annotations

from typing import Any

import pytest

from session_stopper.handler import lambda_handler
from tests.support.aws import OutcomeSink
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

METRIC_ALARMS = [
    "alarm_action_metric.json",
    "alarm_action_metric_math.json",
    "alarm_state_change_metric.json",
    "alarm_state_change_metric_math.json",
]
COMPOSITE_ALARMS = ["alarm_action_composite.json", "alarm_state_change_composite.json"]


def alarm_arn(event: dict[str, Any]) -> str:
    return str(event["alarmArn"] if "alarmArn" in event else event["resources"][0])


def alarm_data(event: dict[str, Any]) -> dict[str, Any]:
    return dict(event["alarmData"] if "alarmData" in event else event["detail"])


def name_session(event: dict[str, Any], arn: str) -> None:
    """Point every SessionArn dimension of the alarm at a session that exists."""
    for query in alarm_data(event)["configuration"].get("metrics", []):
        dimensions = query.get("metricStat", {}).get("metric", {}).get("dimensions", {})
        if "SessionArn" in dimensions:
            dimensions["SessionArn"] = arn


@pytest.fixture
def sessions(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "^keep-")
    return world.populate(
        [
            SessionSpec("alpha", 5, "fresh"),
            SessionSpec("alpha", 30, "mid"),
            SessionSpec("beta", 2, "keep-me"),
            SessionSpec("beta", 40, "done", stopped=True),
        ]
    )


@pytest.mark.parametrize("fixture", METRIC_ALARMS)
def test_an_alarm_on_a_session_metric_stops_that_session(
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    event = load_event(fixture)
    target = sessions[0]["arn"]
    name_session(event, target)

    result = lambda_handler(event, FakeLambdaContext())

    assert result["action"] == "stop"
    [outcome] = result["outcomes"]
    assert outcome["outcome"] == "STOPPED"
    assert outcome["trigger"] == {"kind": "alarm", "id": alarm_arn(event)}
    assert world.status(target) == "STOPPING"
    assert world.status(sessions[1]["arn"]) == "RUNNING", "no other session is touched"
    assert world.emulator.call_counts["GetRemoteAccessSession"] == 1, "one read decides"
    assert [p.attributes["trigger"] for p in outcome_sink.published()] == ["alarm"]


@pytest.mark.parametrize("fixture", COMPOSITE_ALARMS)
def test_a_composite_alarm_pulls_the_kill_switch(
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    event = load_event(fixture)

    result = lambda_handler(event, FakeLambdaContext())

    assert result["action"] == "killSwitch"
    summary = result["summary"]
    assert summary["killSwitch"] is True
    assert summary["maxAgeMinutes"] is None
    assert summary["outcomes"] == {"STOPPED": 2, "SKIPPED": 1}, "young sessions too; keep-me kept"
    # "done" was stopped before the alarm and the emulator's clock stands still: still STOPPING.
    statuses = [world.status(s["arn"]) for s in sessions]
    assert statuses == ["STOPPING", "STOPPING", "RUNNING", "STOPPING"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 2
    assert summary["trigger"] == {"kind": "alarm", "id": alarm_arn(event)}


def test_an_alarm_without_a_session_dimension_pulls_the_kill_switch(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], load_event: Any
) -> None:
    event = load_event("alarm_action_metric.json")
    event["alarmData"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = {
        "ProjectName": "alpha"
    }

    result = lambda_handler(event, FakeLambdaContext())

    assert result["action"] == "killSwitch"
    assert result["summary"]["outcomes"]["STOPPED"] == 2


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
@pytest.mark.parametrize("fixture", METRIC_ALARMS + COMPOSITE_ALARMS)
def test_other_states_are_ignored(
    state: str,
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    event = load_event(fixture)
    alarm_data(event)["state"]["value"] = state

    result = lambda_handler(event, FakeLambdaContext())

    assert result == {"alarm": alarm_arn(event), "state": state, "action": "ignored"}
    assert world.emulator.call_counts.total() == 0
    assert outcome_sink.published() == []


def test_a_bad_session_dimension_is_rejected(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, load_event: Any
) -> None:
    event = load_event("alarm_action_metric.json")
    name_session(event, "i-0123456789abcdef0")

    result = lambda_handler(event, FakeLambdaContext())

    [outcome] = result["outcomes"]
    assert outcome["outcome"] == "REJECTED"
    assert outcome["error"]["code"] == "INVALID_ARN"
    assert world.emulator.call_counts.total() == 0


def test_a_malformed_alarm_event_is_rejected(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink
) -> None:
    event = {"source": "aws.cloudwatch", "alarmData": {"state": {"value": "ALARM"}}}

    result = lambda_handler(event, FakeLambdaContext())

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == "MISSING_FIELD"


@pytest.mark.parametrize(
    ("env", "reason"),
    [({"PROTECTED_NAME_PATTERN": "^fresh$"}, "PROTECTED"), ({"SWEEP_DRY_RUN": "true"}, "DRY_RUN")],
)
def test_an_alarm_naming_a_session_respects_protection_and_dry_run(
    env: dict[str, str],
    reason: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    load_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    event = load_event("alarm_action_metric.json")
    name_session(event, sessions[0]["arn"])

    [outcome] = lambda_handler(event, FakeLambdaContext())["outcomes"]

    assert (outcome["outcome"], outcome["reason"]) == ("SKIPPED", reason)
    assert world.status(sessions[0]["arn"]) == "RUNNING"
    assert world.emulator.call_counts == {"GetRemoteAccessSession": 1}, "one read decides"


def test_a_skip_by_an_alarm_does_not_stand_in_for_a_later_explicit_stop(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    load_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "^fresh$")
    event = load_event("alarm_action_metric.json")
    name_session(event, sessions[0]["arn"])
    [skipped] = lambda_handler(event, FakeLambdaContext())["outcomes"]

    explicit = lambda_handler({"arn": sessions[0]["arn"]}, FakeLambdaContext())

    assert (skipped["outcome"], explicit["outcome"]) == ("SKIPPED", "STOPPED")
    assert world.status(sessions[0]["arn"]) == "STOPPING"


def test_a_suppressed_alarm_does_nothing(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    event = load_event("alarm_state_change_composite_suppressed.json")

    result = lambda_handler(event, FakeLambdaContext())

    assert result["action"] == "ignored"
    assert world.emulator.call_counts.total() == 0
    assert outcome_sink.published() == []
