"""Alarm-driven auto-stop: both event shapes, every state, metric math, composite kill switches,
and the authority checks: only named alarms act, only while CloudWatch says they are in ALARM,
only on fresh events, and a session alarm is never widened into a kill switch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.gateways import alarms as alarm_gateway_module
from session_stopper.gateways.sweep_lock import SweepLock
from session_stopper.handler import lambda_handler
from session_stopper.models.sweep import RunningSweep
from tests.integration.alarm_events import (
    COMPOSITE_ALARMS,
    KILL_SWITCH_ALARM_NAME,
    METRIC_ALARMS,
    SESSION_ALARM_NAMES,
    aim,
    alarm_arn,
    alarm_data,
    alarm_name,
    dated,
    fresh_alarm,
    name_session,
)
from tests.support.aws import OutcomeSink, create_alarm
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

REGION = "eu-west-1"


@pytest.fixture
def sessions(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> list[dict[str, Any]]:
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    monkeypatch.setenv("SESSION_ALARM_NAMES", SESSION_ALARM_NAMES)
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    reset_function_caches()
    for name in SESSION_ALARM_NAMES.split(","):
        create_alarm(REGION, name)
    create_alarm(REGION, KILL_SWITCH_ALARM_NAME)
    return world.populate(
        [
            SessionSpec("alpha", 5, "fresh"),
            SessionSpec("alpha", 30, "mid"),
            SessionSpec("beta", 2, "keep-me"),
            SessionSpec("beta", 40, "done", stopped=True),
        ]
    )


def invoke(event: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(event, FakeLambdaContext())
    return result


@pytest.mark.parametrize("fixture", METRIC_ALARMS)
def test_a_session_alarm_stops_the_session_its_metric_names(
    fixture: str, world: DeviceFarmWorld, sessions: list[dict[str, Any]], outcome_sink: OutcomeSink
) -> None:
    event = fresh_alarm(fixture)
    target = sessions[0]["arn"]
    aim(event, target)

    result = invoke(event)

    assert result["action"] == "stop"
    [outcome] = result["outcomes"]
    assert outcome["outcome"] == "STOPPED"
    assert outcome["trigger"] == {"kind": "alarm", "id": alarm_arn(event)}
    assert world.status(target) == "STOPPING"
    assert world.status(sessions[1]["arn"]) == "RUNNING", "no other session is touched"
    assert world.emulator.call_counts["GetRemoteAccessSession"] == 1, "one read decides"
    assert [p.attributes["trigger"] for p in outcome_sink.published()] == ["alarm"]


@pytest.mark.parametrize("fixture", COMPOSITE_ALARMS)
def test_a_kill_switch_alarm_sweeps_every_active_session(
    fixture: str, world: DeviceFarmWorld, sessions: list[dict[str, Any]]
) -> None:
    event = fresh_alarm(fixture)

    result = invoke(event)

    assert result["action"] == "killSwitch"
    summary = result["summary"]
    assert (summary["killSwitch"], summary["maxAgeMinutes"]) == (True, None)
    assert summary["outcomes"] == {"STOPPED": 3}, "young sessions too, and keep-me"
    # "done" was stopped before the alarm and the emulator's clock stands still: still STOPPING.
    statuses = [world.status(s["arn"]) for s in sessions]
    assert statuses == ["STOPPING", "STOPPING", "STOPPING", "STOPPING"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 3
    assert summary["trigger"] == {"kind": "alarm", "id": alarm_arn(event)}


def test_a_kill_switch_stops_protected_names_and_exempt_projects_too(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]]
) -> None:
    """Whoever names a session (keep-me) or may tag a project (alpha, exempt) does not outrank
    the operator's emergency stop."""
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})

    summary = invoke(fresh_alarm("alarm_action_composite.json"))["summary"]

    assert (summary["outcomes"], summary["skipped"]) == ({"STOPPED": 3}, {})
    assert [world.status(s["arn"]) for s in sessions[:3]] == ["STOPPING"] * 3


def test_the_operator_may_let_a_kill_switch_spare_protected_names_and_exempt_projects(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KILL_SWITCH_SPARES_EXEMPT", "true")
    reset_function_caches()
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})

    summary = invoke(fresh_alarm("alarm_action_composite.json"))["summary"]

    assert summary["skipped"] == {"EXEMPT": 2, "PROTECTED": 1}
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0
    assert [world.status(s["arn"]) for s in sessions[:3]] == ["RUNNING"] * 3


def test_the_kill_switch_honours_the_operators_dry_run(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEEP_DRY_RUN", "true")
    reset_function_caches()

    summary = invoke(fresh_alarm("alarm_action_composite.json"))["summary"]

    assert (summary["dryRun"], summary["outcomes"]) == (True, {"SKIPPED": 3})
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0


@pytest.mark.parametrize(
    ("dimensions", "why"),
    [
        ({"ProjectName": "alpha"}, "needs a SessionArn dimension"),
        ({"SessionArn": ""}, "32 to 1011 characters"),
        ({"SessionArn": "i-0123456789abcdef0"}, "32 to 1011 characters"),
        (
            {"SessionArn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000\n"},
            "printable ASCII",
        ),
    ],
)
def test_a_session_alarm_without_a_good_session_dimension_is_rejected_not_widened(
    dimensions: dict[str, str],
    why: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    event = fresh_alarm("alarm_action_metric.json")
    event["alarmData"]["configuration"]["metrics"][0]["metricStat"]["metric"]["dimensions"] = (
        dimensions
    )

    result = invoke(event)

    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", "INVALID_ARN")
    assert why in result["error"]["message"]
    assert world.emulator.call_counts.total() == 0, "nothing listed, nothing stopped"
    [published] = outcome_sink.published()
    assert published.body["outcome"] == "REJECTED"


@pytest.mark.parametrize("fixture", METRIC_ALARMS + COMPOSITE_ALARMS)
def test_an_alarm_the_operator_did_not_name_does_nothing(
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SESSION_ALARM_NAMES", "")
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", "")
    reset_function_caches()
    event = fresh_alarm(fixture)
    name_session(event, sessions[0]["arn"])

    result = invoke(event)

    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", "ALARM_NOT_ALLOWED")
    assert world.emulator.call_counts.total() == 0


def test_a_session_alarm_matched_by_the_prefix_acts(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SESSION_ALARM_NAMES", "")
    monkeypatch.setenv("SESSION_ALARM_NAME_PREFIX", "session-")
    reset_function_caches()
    event = fresh_alarm("alarm_action_metric.json")
    aim(event, sessions[0]["arn"])

    assert invoke(event)["outcomes"][0]["outcome"] == "STOPPED"


@pytest.mark.parametrize("state", ["OK", "INSUFFICIENT_DATA"])
@pytest.mark.parametrize("fixture", METRIC_ALARMS + COMPOSITE_ALARMS)
def test_other_states_are_ignored(
    state: str,
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    event = fresh_alarm(fixture)
    alarm_data(event)["state"]["value"] = state

    result = invoke(event)

    assert result == {"alarm": alarm_arn(event), "state": state, "action": "ignored"}
    assert world.emulator.call_counts.total() == 0
    assert outcome_sink.published() == []


@pytest.mark.parametrize("fixture", ["alarm_action_metric.json", "alarm_action_composite.json"])
def test_an_alarm_that_cleared_since_it_fired_does_nothing(
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    event = fresh_alarm(fixture)
    name_session(event, sessions[0]["arn"])
    create_alarm(REGION, alarm_name(event), state="OK")

    result = invoke(event)

    assert (result["action"], result["stateNow"]) == ("ignored", "OK")
    assert world.emulator.call_counts.total() == 0
    assert outcome_sink.published() == []


@pytest.mark.parametrize("fixture", ["alarm_state_change_metric.json", *COMPOSITE_ALARMS])
def test_an_old_alarm_event_is_dropped_and_says_why(
    fixture: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    event = fresh_alarm(fixture, minutes_ago=11)  # ALARM_MAX_AGE_MINUTES defaults to 10
    name_session(event, sessions[0]["arn"])

    result = invoke(event)

    assert (result["outcome"], result["reason"]) == ("SKIPPED", "ALARM_EXPIRED")
    assert result["sessionArn"] is None
    assert world.emulator.call_counts.total() == 0
    [published] = outcome_sink.published()
    assert published.body == result
    assert "11 minutes ago" in published.body["error"]["message"]


# An alarm event changed one way: refused before any Device Farm call, whatever it claims.
Change = Callable[[dict[str, Any], list[str]], None]


def _future(event: dict[str, Any], _sessions: list[str]) -> None:
    dated(event, datetime.now(UTC) + timedelta(minutes=30))


def _without_zone(event: dict[str, Any], _sessions: list[str]) -> None:
    event["time"] = "2026-11-28T00:00:00"


def _other_accounts_alarm(event: dict[str, Any], _sessions: list[str]) -> None:
    event["alarmArn"] = event["alarmArn"].replace("123456789012", "210987654321")


def _arn_naming_another_alarm(event: dict[str, Any], _sessions: list[str]) -> None:
    event["resources"] = ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:something-else"]


def _from_another_account(event: dict[str, Any], _sessions: list[str]) -> None:
    event["account"] = "210987654321"


def _another_accounts_session(event: dict[str, Any], sessions: list[str]) -> None:
    name_session(event, sessions[0].replace("123456789012", "210987654321"))


def _other_sessions_than_the_alarms(event: dict[str, Any], sessions: list[str]) -> None:
    """The alarm in CloudWatch names one session, the (forged) event another."""
    aim(event, sessions[0])
    name_session(event, sessions[1])


REFUSED: list[tuple[str, Change, str]] = [
    ("alarm_action_composite.json", _future, "INVALID_VALUE"),
    ("alarm_action_metric.json", _without_zone, "INVALID_VALUE"),
    ("alarm_state_change_metric.json", _without_zone, "INVALID_VALUE"),
    ("alarm_action_composite.json", _other_accounts_alarm, "ALARM_NOT_FOUND"),
    ("alarm_state_change_composite.json", _arn_naming_another_alarm, "INVALID_ALARM"),
    ("alarm_state_change_composite.json", _from_another_account, "OUT_OF_SCOPE"),
    ("alarm_state_change_metric.json", _another_accounts_session, "OUT_OF_SCOPE"),
    ("alarm_action_metric.json", _other_sessions_than_the_alarms, "INVALID_ALARM"),
]


@pytest.mark.parametrize(
    ("fixture", "change", "code"),
    REFUSED,
    ids=[f"{change.__name__[1:]}-{fixture.split('.')[0]}" for fixture, change, _ in REFUSED],
)
def test_an_alarm_event_that_is_not_what_it_claims_is_rejected(
    fixture: str,
    change: Change,
    code: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
) -> None:
    event = fresh_alarm(fixture)
    change(event, [session["arn"] for session in sessions])

    result = invoke(event)

    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", code)
    assert world.emulator.call_counts.total() == 0


def test_when_cloudwatch_cannot_say_the_alarm_fails_visibly_and_stops_nothing(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = alarm_gateway_module.cloudwatch_client()
    monkeypatch.setattr(alarm_gateway_module, "cloudwatch_client", lambda: client)
    event = fresh_alarm("alarm_action_composite.json")

    with Stubber(client) as stub:
        stub.add_client_error("describe_alarms", "Throttling", "Rate exceeded")
        result = invoke(event)

    assert (result["outcome"], result["error"]["code"]) == ("FAILED", "Throttling")
    assert world.emulator.call_counts.total() == 0
    assert [p.body["outcome"] for p in outcome_sink.published()] == ["FAILED"]


@pytest.mark.parametrize(
    ("composite", "types"),
    [(True, ["CompositeAlarm", "MetricAlarm"]), (False, ["MetricAlarm"])],
)
def test_cloudwatch_is_asked_for_composite_alarms_only_for_kill_switches(
    composite: bool, types: list[str], outcome_sink: OutcomeSink
) -> None:
    """DescribeAlarms returns only metric alarms unless asked, and answers for composite ones
    only to a grant on every alarm, which the stack gives only with kill switches. moto answers
    both types anyway, so botocore's Stubber checks the call."""
    client = alarm_gateway_module.cloudwatch_client()
    with Stubber(client) as stub:
        stub.add_response(
            "describe_alarms",
            {"CompositeAlarms": [], "MetricAlarms": []},
            {"AlarmNames": ["x"], "AlarmTypes": types},
        )
        gateway = alarm_gateway_module.AlarmGateway(client)
        assert gateway.current("x", composite=composite) is None


def test_a_malformed_alarm_event_is_rejected(world: DeviceFarmWorld) -> None:
    event = {"source": "aws.cloudwatch", "alarmData": {"state": {"value": "ALARM"}}}

    result = invoke(event)

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == "MISSING_FIELD"


@pytest.mark.parametrize(
    ("env", "reason"),
    [({"PROTECTED_NAME_PATTERN": "^fresh$"}, "PROTECTED"), ({"SWEEP_DRY_RUN": "true"}, "DRY_RUN")],
)
def test_a_session_alarm_respects_protection_and_dry_run(
    env: dict[str, str],
    reason: str,
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reset_function_caches()
    event = fresh_alarm("alarm_action_metric.json")
    aim(event, sessions[0]["arn"])

    [outcome] = invoke(event)["outcomes"]

    assert (outcome["outcome"], outcome["reason"]) == ("SKIPPED", reason)
    assert world.status(sessions[0]["arn"]) == "RUNNING"
    assert world.emulator.call_counts == {"GetRemoteAccessSession": 1}, "one read decides"


def test_a_skip_by_an_alarm_does_not_stand_in_for_a_later_explicit_stop(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "^fresh$")
    reset_function_caches()
    event = fresh_alarm("alarm_action_metric.json")
    aim(event, sessions[0]["arn"])
    [skipped] = invoke(event)["outcomes"]

    explicit = invoke({"arn": sessions[0]["arn"]})

    assert (skipped["outcome"], explicit["outcome"]) == ("SKIPPED", "STOPPED")
    assert world.status(sessions[0]["arn"]) == "STOPPING"


def test_a_suppressed_alarm_does_nothing(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]], outcome_sink: OutcomeSink
) -> None:
    result = invoke(fresh_alarm("alarm_state_change_composite_suppressed.json"))

    assert result["action"] == "ignored"
    assert world.emulator.call_counts.total() == 0
    assert outcome_sink.published() == []


def test_a_session_alarm_meeting_a_stop_in_progress_reports_it(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    stop_in_progress: Callable[[str], None],
) -> None:
    arn = sessions[0]["arn"]
    stop_in_progress(arn)
    event = fresh_alarm("alarm_action_metric.json")
    aim(event, arn)

    result = invoke(event)

    assert result["outcomes"] == [{"sessionArn": arn, "outcome": "IN_PROGRESS"}]


def test_a_kill_switch_meeting_a_stop_in_progress_counts_it(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    stop_in_progress: Callable[[str], None],
) -> None:
    stop_in_progress(sessions[0]["arn"])

    summary = invoke(fresh_alarm("alarm_action_composite.json"))["summary"]

    assert summary["outcomes"] == {"IN_PROGRESS": 1, "STOPPED": 2}
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 2


def test_an_alarm_that_entered_alarm_long_ago_is_dropped_even_if_the_event_looks_fresh(
    world: DeviceFarmWorld,
    sessions: list[dict[str, Any]],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """An event's `time` is what the sender says; CloudWatch's StateTransitionedTimestamp is
    when the alarm really entered ALARM."""
    event = fresh_alarm("alarm_action_composite.json")
    client = alarm_gateway_module.cloudwatch_client()
    monkeypatch.setattr(alarm_gateway_module, "cloudwatch_client", lambda: client)
    described = {
        "AlarmName": KILL_SWITCH_ALARM_NAME,
        "AlarmArn": alarm_arn(event),
        "StateValue": "ALARM",
        "StateTransitionedTimestamp": datetime.now(UTC) - timedelta(minutes=45),
    }

    with Stubber(client) as stub:
        stub.add_response("describe_alarms", {"CompositeAlarms": [described]})
        result = invoke(event)

    assert (result["outcome"], result["reason"]) == ("SKIPPED", "ALARM_EXPIRED")
    assert "45 minutes ago" in result["error"]["message"]
    assert world.emulator.call_counts.total() == 0


def test_a_kill_switch_takes_over_from_a_routine_sweep_but_not_from_another_kill_switch(
    world: DeviceFarmWorld, sessions: list[dict[str, Any]]
) -> None:
    """An alarm fires once: a kill switch must not be lost behind a preview or a schedule."""
    routine = RunningSweep(
        sweep_id="preview",
        trigger_kind="api",
        trigger_id="request-1",
        started_at="2026-11-28T00:00:00+00:00",
    )
    assert SweepLock().acquire(routine, lease_seconds=300) is None

    first = invoke(fresh_alarm("alarm_action_composite.json"))["summary"]
    emergency = RunningSweep(
        sweep_id="kill",
        trigger_kind="alarm",
        trigger_id="alarm-1",
        started_at="2026-11-28T00:00:00+00:00",
        kill_switch=True,
    )
    assert SweepLock().acquire(emergency, lease_seconds=300) is None
    second = invoke(fresh_alarm("alarm_state_change_composite.json"))["summary"]

    assert (first["yieldedTo"], first["outcomes"]) == (None, {"STOPPED": 3})
    assert second["yieldedTo"]["sweepId"] == "kill"
