"""The operator's dry run is a ceiling no caller can lift: whatever a sweep command says, on
whichever path it comes (API, EventBridge, Scheduler, a direct invoke, a kill-switch alarm),
nothing is stopped while the deployment is in dry run. The sessions here are old enough that a
live sweep would stop them, as the last test shows."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import event as tally
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import load_fixture
from tests.integration.alarm_events import KILL_SWITCH_ALARM_NAME, fresh_alarm
from tests.properties.conftest import Harness, api_request
from tests.properties.strategies import mostly, sweep_commands, well_typed_sweeps
from tests.support.aws import create_alarm
from tests.support.caches import reset_function_caches
from tests.support.emulated import SessionSpec
from tests.support.hypothesis_profiles import examples

pytestmark = pytest.mark.property

OLD = [SessionSpec("alpha", 90, "a"), SessionSpec("alpha", 120, "b"), SessionSpec("beta", 140, "c")]


def over_api(command: dict[str, Any]) -> dict[str, Any]:
    return api_request("/sweeps", "POST", "application/json", json.dumps(command), False)


def as_constant_input(command: dict[str, Any]) -> dict[str, Any]:
    return {**command, "action": command.get("action", "sweep")}


def as_sweep_command_event(command: dict[str, Any]) -> dict[str, Any]:
    event = load_fixture("eventbridge_stop_command.json")
    return {**event, "detail-type": "Sweep Remote Access Sessions", "detail": command}


def as_scheduler_event(command: dict[str, Any]) -> dict[str, Any]:
    return {**load_fixture("scheduler_event.json"), "detail": json.dumps(command)}


def as_kill_switch(_command: dict[str, Any]) -> dict[str, Any]:
    return fresh_alarm("alarm_state_change_composite.json")


PATHS: list[Callable[[dict[str, Any]], dict[str, Any]]] = [
    over_api,
    as_constant_input,
    as_sweep_command_event,
    as_scheduler_event,
    as_kill_switch,
]


@pytest.fixture
def operator(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    create_alarm(harness.sink.region, KILL_SWITCH_ALARM_NAME)
    reset_function_caches()
    return harness


@settings(max_examples=examples(150))
@given(data=st.data())
def test_no_sweep_stops_anything_while_the_operator_keeps_dry_run(
    operator: Harness, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SWEEP_DRY_RUN", "true")
    reset_function_caches()
    operator.fresh(OLD)
    projects = operator.projects
    command = data.draw(
        mostly(well_typed_sweeps(projects), sweep_commands(projects), in_ten=3), label="command"
    )
    path = data.draw(st.sampled_from(PATHS), label="path")

    run = operator.run(path(command))

    answer = json.loads(run.result["body"]) if "statusCode" in run.result else run.result
    summary = answer if answer.get("messageType") == "sweepSummary" else answer.get("summary")
    tally(f"{path.__name__}: {'sweep' if summary else 'refused'}")
    if summary:
        assert summary["dryRun"] is True
    assert (run.stops, run.changed) == (0, set())


@pytest.mark.parametrize("path", PATHS, ids=lambda path: path.__name__)
def test_the_same_sweeps_stop_sessions_once_the_operator_goes_live(
    path: Callable[[dict[str, Any]], dict[str, Any]],
    operator: Harness,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_DRY_RUN", "false")
    reset_function_caches()
    sessions = operator.fresh(OLD)

    run = operator.run(path({"maxAgeMinutes": 60}))

    assert run.changed == set(sessions)
