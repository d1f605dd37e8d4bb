"""The operator's configuration is a ceiling no caller can lift: whatever a sweep command says, on
whichever path it comes (API, EventBridge, Scheduler, a direct invoke, a kill-switch alarm),
nothing is stopped while the deployment is in dry run. The sessions here are old enough that a
live sweep would stop them, as the second test shows.

Below the operator and apart from callers stand whoever names a session or tags a project: a
protected name or an exempt project keeps a session from every caller's sweep but not from a
kill switch (unless the operator spares them), and a project's budget tag moves a deadline only
within the operator's bounds."""

from __future__ import annotations

import json
import re
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
from tests.support.emulated import START_DELAY_MINUTES, SessionSpec
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


# -- whoever names a session or tags a project is below the operator, and above no caller ---------

PROTECTED = "keep-.*"
EXEMPT_TAG = {"session-stopper:exempt": "true"}
# Old enough for any sweep: a name the pattern matches whole, a session of a project tagged
# exempt, and a name that merely contains the protected word (which earns nothing).
GUARDED = [
    SessionSpec("alpha", 90, "keep-a"),
    SessionSpec("gamma", 120, "any-name"),
    SessionSpec("alpha", 100, "x-keep-a"),
    SessionSpec("beta", 140, "c"),
]


@settings(max_examples=examples(40))
@given(data=st.data())
def test_only_a_kill_switch_stops_protected_names_and_exempt_projects(
    operator: Harness, data: st.DataObject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Live deployment. No sweep a caller sends, on any path, stops a protected name or an
    exempt project's session; a kill switch stops them too, unless the operator spares them."""
    spares = data.draw(st.booleans(), label="killSwitchSparesExempt")
    monkeypatch.setenv("SWEEP_DRY_RUN", "false")
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", PROTECTED)
    monkeypatch.setenv("KILL_SWITCH_SPARES_EXEMPT", "true" if spares else "false")
    reset_function_caches()
    protected, exempt, lookalike, _ = operator.fresh(GUARDED)
    operator.world.emulator.tag_resource(operator.world.project("gamma"), EXEMPT_TAG)
    projects = operator.projects
    command = data.draw(
        mostly(well_typed_sweeps(projects), sweep_commands(projects), in_ten=3), label="command"
    )
    path = data.draw(st.sampled_from(PATHS), label="path")

    run = operator.run(path(command))

    kill_switch = path is as_kill_switch
    tally(f"{path.__name__}: {'spares' if spares else 'stops all'}")
    if kill_switch and not spares:
        assert {protected, exempt, lookalike} <= run.changed, "a kill switch means everything"
    else:
        assert not {protected, exempt} & run.changed
    if kill_switch:
        assert lookalike in run.changed, "a name that only contains the pattern is not protected"


def asked_minutes(tag: str) -> int | None:
    """What a budget tag asks for, if it is a whole number of minutes from 1 to 150."""
    value = tag.strip()
    if re.fullmatch(r"[0-9]{1,3}", value, re.ASCII) and 1 <= int(value) <= 150:
        return int(value)
    return None


# Half-minute ages: whatever the test's runtime, no session is within seconds of its deadline.
AGES = st.lists(st.integers(0, 148).map(lambda minutes: minutes + 0.5), min_size=1, max_size=6)
TAGS = st.integers(-5, 200).map(str) | st.sampled_from(["", " 1 ", "1e2", "\uff11\uff15"])


@settings(max_examples=examples(40))
@given(
    tag=TAGS,
    floor=st.sampled_from([0, 30, 45]),
    ceiling_over_floor=st.integers(0, 150),
    ages=AGES,
)
def test_a_project_tag_moves_a_deadline_only_within_the_operators_bounds(
    harness: Harness,
    monkeypatch: pytest.MonkeyPatch,
    tag: str,
    floor: int,
    ceiling_over_floor: int,
    ages: list[float],
) -> None:
    """A scheduled sweep (by deadline) stops exactly the sessions past created + the budget
    the operator allows the project's tag: never one younger than the floor however short the
    tag, never one older than the ceiling however long."""
    ceiling = min(max(floor, 1) + ceiling_over_floor, 150)
    monkeypatch.setenv("SWEEP_DRY_RUN", "false")
    monkeypatch.setenv("SWEEP_MIN_AGE_MINUTES", str(floor))
    monkeypatch.setenv("MAX_TAG_BUDGET_MINUTES", str(ceiling))
    reset_function_caches()
    arns = harness.fresh([SessionSpec("alpha", age) for age in ages])
    harness.world.emulator.tag_resource(
        harness.world.project("alpha"), {"session-stopper:max-minutes": tag}
    )
    asked = asked_minutes(tag)
    budget = 60 if asked is None else min(max(asked, floor), ceiling)  # the default budget: 60
    tally("tag ignored" if asked is None else "tag clamped" if budget != asked else "tag as asked")

    run = harness.run({"action": "sweep"})

    # A session's deadline counts from its creation, START_DELAY_MINUTES before it started.
    due = {arn for arn, age in zip(arns, ages, strict=True) if age + START_DELAY_MINUTES > budget}
    assert run.changed == due
