"""Properties of sweeps over many sessions, projects and pages, against the emulator."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from local.devicefarm_emulator import EmulatorServer
from session_stopper.handler import lambda_handler
from tests.integration.test_sweeps import split
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.hypothesis_profiles import examples
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.property

session_specs = st.builds(
    SessionSpec,
    project=st.sampled_from(["alpha", "beta", "gamma"]),
    age_minutes=st.integers(min_value=0, max_value=149).map(float),
    name=st.sampled_from(["keep-1", "ci-run", "manual", None]),
    stopped=st.booleans(),
    billing_method=st.sampled_from(["METERED", "UNMETERED"]),
)


def expected_outcomes(specs: list[SessionSpec], max_age: float, dry_run: bool) -> Counter[str]:
    expected: Counter[str] = Counter()
    for spec in specs:
        if spec.stopped or spec.age_minutes <= max_age:
            continue
        if spec.name and spec.name.startswith("keep-"):
            expected["SKIPPED:PROTECTED"] += 1
        else:
            expected["SKIPPED:DRY_RUN" if dry_run else "STOPPED"] += 1
    return expected


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    specs=st.lists(session_specs, max_size=20),
    # Half-minute thresholds keep every age clear of the boundary whatever the test's runtime.
    max_age=st.integers(min_value=0, max_value=149).map(lambda minutes: minutes + 0.5),
    dry_run=st.booleans(),
    operator_dry_run=st.booleans(),
    floor=st.sampled_from([0, 30, 60]),
)
def test_a_sweep_acts_on_exactly_the_sessions_its_policy_selects(
    specs: list[SessionSpec],
    max_age: float,
    dry_run: bool,
    operator_dry_run: bool,
    floor: int,
    outcome_sink: OutcomeSink,
    devicefarm_session_server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = DeviceFarmWorld.create(page_size=7)
    devicefarm_session_server.emulator = world.emulator
    monkeypatch.setenv("AWS_ENDPOINT_URL_DEVICE_FARM", devicefarm_session_server.url)
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    monkeypatch.setenv("SWEEP_DRY_RUN", "true" if operator_dry_run else "false")
    monkeypatch.setenv("SWEEP_MIN_AGE_MINUTES", str(floor))
    reset_function_caches()
    created = world.populate(specs)
    before = {session["arn"]: world.status(session["arn"]) for session in created}

    event = {"action": "sweep", "maxAgeMinutes": max_age, "dryRun": dry_run}
    summary = lambda_handler(event, FakeLambdaContext())

    if max_age < floor:  # the caller may not go below the operator's floor
        assert (summary["outcome"], summary["error"]["code"]) == ("REJECTED", "INVALID_VALUE")
        assert world.emulator.call_counts.total() == 0
        assert [p.body["outcome"] for p in outcome_sink.published()] == ["REJECTED"]
        return
    dry_run = dry_run or operator_dry_run  # the operator's dry run is a ceiling
    outcomes, summaries = split(outcome_sink.published())
    assert len(summaries) == 1, "exactly one summary per sweep"
    arns = [p.body["sessionArn"] for p in outcomes]
    assert len(arns) == len(set(arns)), "at most one outcome per session"
    seen = Counter(
        f"{p.body['outcome']}:{p.body['reason']}" if p.body["reason"] else p.body["outcome"]
        for p in outcomes
    )
    assert seen == expected_outcomes(specs, max_age, dry_run)
    assert world.emulator.call_counts["StopRemoteAccessSession"] == seen["STOPPED"]
    stopped_arns = {p.body["sessionArn"] for p in outcomes if p.body["outcome"] == "STOPPED"}
    after = {arn: world.status(arn) for arn in before}
    assert {arn for arn in before if after[arn] != before[arn]} == stopped_arns
    assert {after[arn] for arn in stopped_arns} <= {"STOPPING"}
    assert summary["inventory"]["sessionsSeen"] == len(specs)


def test_hundreds_of_sessions_across_projects_and_pages(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink
) -> None:
    projects = ["p1", "p2", "p3", "p4"]
    specs = [SessionSpec(projects[i % 4], age_minutes=10.5 + i % 120) for i in range(320)]
    world.populate(specs)

    summary: dict[str, Any] = lambda_handler(
        {"action": "sweep", "maxAgeMinutes": 60}, FakeLambdaContext()
    )

    old = sum(1 for spec in specs if spec.age_minutes > 60)
    assert summary["outcomes"] == {"STOPPED": old}
    assert summary["inventory"]["sessionsSeen"] == 320
    outcomes, _ = split(outcome_sink.published())
    assert len({p.body["sessionArn"] for p in outcomes}) == old == len(outcomes)
    pages_per_project = math.ceil(80 / 50)
    assert world.emulator.call_counts["ListRemoteAccessSessions"] == 4 * pages_per_project
    assert world.emulator.call_counts["StopRemoteAccessSession"] == old
    assert world.emulator.call_counts["GetRemoteAccessSession"] == old
