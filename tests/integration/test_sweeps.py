"""Sweeps through the real handler against the Device Farm emulator over HTTP."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from session_stopper.config import settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.service import register_lambda_context
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.sweep import Sweeper
from session_stopper.entrypoints import api
from session_stopper.entrypoints.dependencies import stop_service
from session_stopper.gateways.budgets import API_GATEWAY_TIMEOUT_SECONDS
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.gateways.sweep_lock import SweepLock
from session_stopper.handler import lambda_handler
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.sweep import RunningSweep, SweepPolicy
from tests.support.aws import OutcomeSink, Published
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

ARN_OF_A_SESSION = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"


def split(published: list[Published]) -> tuple[list[Published], list[Published]]:
    outcomes = [p for p in published if p.attributes["messageType"] == "outcome"]
    summaries = [p for p in published if p.attributes["messageType"] == "sweepSummary"]
    return outcomes, summaries


@pytest.fixture
def mixed(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two projects with young, old, ended and protected sessions (max age 60 by default)."""
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    names = ["young", "old-a", "old-b", "ended", "keep-demo", "old-c"]
    specs = [
        SessionSpec("alpha", 10, "young"),
        SessionSpec("alpha", 70, "old-a"),
        SessionSpec("alpha", 95, "old-b"),
        SessionSpec("alpha", 80, "ended", stopped=True),
        SessionSpec("beta", 120, "keep-demo"),
        SessionSpec("beta", 61.5, "old-c", billing_method="UNMETERED"),
    ]
    created = world.populate(specs)
    return {name: session["arn"] for name, session in zip(names, created, strict=True)}


def test_a_scheduled_sweep_stops_exactly_the_old_active_sessions(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    summary = lambda_handler(load_event("scheduled_event.json"), FakeLambdaContext())

    outcomes, [published_summary] = split(outcome_sink.published())
    by_arn = {p.body["sessionArn"]: p.body for p in outcomes}
    assert {by_arn[mixed[n]]["outcome"] for n in ("old-a", "old-b", "old-c")} == {"STOPPED"}
    assert by_arn[mixed["keep-demo"]]["outcome"] == "SKIPPED"
    assert by_arn[mixed["keep-demo"]]["reason"] == "PROTECTED"
    assert set(by_arn) == {mixed[n] for n in ("old-a", "old-b", "old-c", "keep-demo")}
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 3
    assert world.status(mixed["young"]) == "RUNNING"
    assert {world.status(mixed[n]) for n in ("old-a", "old-b", "old-c")} == {"STOPPING"}

    assert published_summary.body == summary
    assert summary["outcomes"] == {"STOPPED": 3, "SKIPPED": 1}
    assert summary["inventory"] == {
        "projectsListed": 2,
        "projectsFailed": [],
        "projectsNotReached": [],
        "sessionsSeen": 6,
        "sessionsActive": 5,
        "sessionsSelected": 4,
    }
    trigger = {
        "kind": "schedule",
        "id": "arn:aws:events:eu-west-1:123456789012:rule/session-stopper-sweep",
    }
    assert summary["trigger"] == trigger
    assert all(p.body["trigger"] == trigger for p in outcomes)
    assert all(p.body["sweepId"] == summary["sweepId"] for p in outcomes)
    # Only the metered sessions count: (150 - 70) + (150 - 95) minutes left, give or take seconds.
    assert summary["estimatedSavingsUsd"] == pytest.approx((80 + 55) * 0.17, abs=0.1)
    assert summary["deviceMinutesStopped"] == pytest.approx(70 + 95 + 61.5, abs=1)


def test_a_dry_run_stops_nothing_and_says_what_it_would_stop(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink
) -> None:
    summary = lambda_handler({"action": "sweep", "dryRun": True}, FakeLambdaContext())

    outcomes, _ = split(outcome_sink.published())
    reasons = {p.body["sessionArn"]: p.body["reason"] for p in outcomes}
    assert reasons == {
        mixed["old-a"]: "DRY_RUN",
        mixed["old-b"]: "DRY_RUN",
        mixed["old-c"]: "DRY_RUN",
        mixed["keep-demo"]: "PROTECTED",
    }
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0
    assert summary["dryRun"] is True
    assert summary["trigger"]["kind"] == "schedule"


@pytest.mark.parametrize(
    ("fixture", "kind"), [("scheduler_event.json", "schedule"), ("sweep_command", "eventbridge")]
)
def test_other_sweep_shapes(
    fixture: str,
    kind: str,
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    load_event: Any,
) -> None:
    if fixture == "sweep_command":
        event = load_event("eventbridge_stop_command.json")
        event["detail-type"] = "Sweep Remote Access Sessions"
        event["detail"] = {"maxAgeMinutes": 90, "projectArns": [world.project("alpha")]}
    else:
        event = load_event(fixture)

    summary = lambda_handler(event, FakeLambdaContext())

    assert summary["trigger"]["kind"] == kind
    stopped = 1 if fixture == "sweep_command" else 3  # only old-b is over 90 minutes in alpha
    assert summary["outcomes"].get("STOPPED") == stopped
    assert world.emulator.call_counts["ListProjects"] == (0 if fixture == "sweep_command" else 1)


def test_a_project_that_cannot_be_listed_is_reported_and_the_rest_goes_on(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink
) -> None:
    missing = world.project("alpha").replace(world.project("alpha")[-8:], "00000000")
    event = {"action": "sweep", "projectArns": [missing, world.project("alpha")]}

    summary = lambda_handler(event, FakeLambdaContext())

    assert summary["inventory"]["projectsFailed"] == [missing]
    assert summary["outcomes"] == {"FAILED": 1, "STOPPED": 2}
    outcomes, _ = split(outcome_sink.published())
    [failed] = [p.body for p in outcomes if p.body["outcome"] == "FAILED"]
    assert failed["projectArn"] == missing
    assert failed["error"]["code"] == "NotFoundException"


def test_a_sweep_out_of_time_before_listing_reaches_no_project(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink
) -> None:
    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext(timeout_seconds=20))

    assert sorted(summary["inventory"]["projectsNotReached"]) == sorted(world.projects.values())
    assert summary["outcomes"] == {}
    assert world.emulator.call_counts.total() == 1, "only ListProjects"


class CountdownDeadline(Deadline):
    """Expires after a given number of checks: runs out of time at a chosen point."""

    def __init__(self, checks: int) -> None:
        self.left = checks
        super().__init__(remaining_seconds=self._tick, reserve_seconds=0)

    def _tick(self) -> float:
        self.left -= 1
        return 1.0 if self.left >= 0 else 0.0


def test_a_sweep_running_out_of_time_midway_leaves_the_rest_to_the_next(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink
) -> None:
    world.populate([SessionSpec("alpha", 90 + n / 100) for n in range(250)])
    register_lambda_context(FakeLambdaContext())  # what the handler does first
    sweeper = Sweeper(settings(), DeviceFarmGateway(), stop_service(), SweepLock())
    origin = Origin.of(TriggerKind.DIRECT, "test")
    policy = SweepPolicy(max_age_minutes=60, project_arns=(), dry_run=False)
    # One read for the lock's lease, one per project, one per page of 50 sessions, one per stop.
    deadline = CountdownDeadline(checks=1 + 1 + 5 + 10)

    summary = sweeper.run(policy, origin, deadline)

    assert summary.outcomes == {"STOPPED": 10}
    assert summary.left_undone_count == 240
    assert len(summary.left_undone) == 200
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 10
    stopped = {p.body["sessionArn"] for p in split(outcome_sink.published())[0]}
    assert stopped.isdisjoint(summary.left_undone)


def test_post_sweeps_answers_with_the_summary(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    event = api_event({"maxAgeMinutes": 100}, path="/sweeps", resource="/sweeps")

    response = lambda_handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    summary = json.loads(response["body"])
    assert summary["trigger"]["kind"] == "api"
    assert summary["outcomes"] == {"SKIPPED": 1}  # only keep-demo (120 min) is old enough


@pytest.mark.parametrize("asked", [{"dryRun": False}, {}])
def test_no_sweep_command_lowers_the_operators_dry_run(
    asked: dict[str, bool],
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_DRY_RUN", "true")
    reset_function_caches()

    summary = lambda_handler({"action": "sweep", "maxAgeMinutes": 60, **asked}, FakeLambdaContext())

    assert (summary["dryRun"], summary["skipped"]) == (True, {"DRY_RUN": 3, "PROTECTED": 1})
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0
    assert {world.status(mixed[n]) for n in ("old-a", "old-b", "old-c")} == {"RUNNING"}


def test_max_age_below_the_operators_floor_is_refused_and_equal_to_it_accepted(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_MIN_AGE_MINUTES", "45")
    reset_function_caches()

    below = lambda_handler({"action": "sweep", "maxAgeMinutes": 44.5}, FakeLambdaContext())
    assert (below["outcome"], below["error"]["code"]) == ("REJECTED", "INVALID_VALUE")
    assert world.emulator.call_counts.total() == 0

    at = lambda_handler({"action": "sweep", "maxAgeMinutes": 45}, FakeLambdaContext())
    assert (at["maxAgeMinutes"], at["outcomes"]) == (45, {"STOPPED": 3, "SKIPPED": 1})
    assert world.status(mixed["young"]) == "RUNNING"


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"action": "sweep", "maxAgeMinutes": -1}, "INVALID_VALUE"),
        ({"action": "sweep", "maxAgeMinutes": "soon"}, "INVALID_TYPE"),
        ({"action": "sweep", "projectArns": ["arn:aws:s3:::b"]}, "INVALID_ARN"),
        ({"action": "sweep", "projectArns": ["arn:aws:devicefarm:::project:"]}, "INVALID_ARN"),
        ({"action": "sweep", "projectArns": [ARN_OF_A_SESSION]}, "INVALID_ARN"),
        ({"action": "sweep", "dryRun": "perhaps"}, "INVALID_TYPE"),
        ({"action": "sweep", "olderThan": 5}, "UNKNOWN_FIELD"),
    ],
)
def test_bad_sweep_input_is_rejected(
    event: dict[str, Any], code: str, world: DeviceFarmWorld, outcome_sink: OutcomeSink
) -> None:
    result = lambda_handler(event, FakeLambdaContext())

    assert result["outcome"] == "REJECTED"
    assert result["error"]["code"] == code
    assert world.emulator.call_counts.total() == 0


def test_a_sweep_meeting_a_stop_in_progress_counts_it_and_goes_on(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    stop_in_progress: Callable[[str], None],
) -> None:
    stop_in_progress(mixed["old-a"])

    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    assert summary["outcomes"] == {"IN_PROGRESS": 1, "STOPPED": 2, "SKIPPED": 1}
    outcomes, _ = split(outcome_sink.published())
    assert mixed["old-a"] not in {p.body["sessionArn"] for p in outcomes}, "its stopper reports it"


def test_a_second_sweep_while_one_runs_yields_and_says_to_whom(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    running = RunningSweep(
        sweep_id="sweep-1",
        trigger_kind="schedule",
        trigger_id="rule/sweep",
        started_at="2026-11-28T00:00:00+00:00",
    )
    assert SweepLock().acquire(running, lease_seconds=60) is None

    event_answer = lambda_handler({"action": "sweep"}, FakeLambdaContext())
    api_answer = lambda_handler(
        api_event({}, path="/sweeps", resource="/sweeps"), FakeLambdaContext()
    )

    assert event_answer["yieldedTo"]["sweepId"] == "sweep-1"
    assert event_answer["outcomes"] == {}
    assert api_answer["statusCode"] == 409
    assert json.loads(api_answer["body"])["error"]["code"] == "SWEEP_IN_PROGRESS"
    assert world.emulator.call_counts.total() == 0, "no second stream of Device Farm calls"
    [summary] = [p.body for p in outcome_sink.published()]  # the event's, not the API's
    assert summary["yieldedTo"]["sweepId"] == "sweep-1"


def test_a_finished_sweep_gives_the_lock_back(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink
) -> None:
    first = lambda_handler({"action": "sweep"}, FakeLambdaContext())
    second = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    assert (first["yieldedTo"], second["yieldedTo"]) == (None, None)


def test_an_api_sweep_stops_starting_work_in_time_for_api_gateway(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    api_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each Device Farm call takes 0.3 s here and 0.9 s of API Gateway's 29 s are left for
    starting work: listing the projects and the first project's sessions fits, the second
    project's list ends after it, so that project is left for the next sweep and no stop
    starts late (on a slower machine the first project may be left too)."""
    world.populate([SessionSpec(project, 90) for project in ("alpha", "beta")])
    world.emulator.faults.latency_ms = 300
    monkeypatch.setattr(api, "API_SWEEP_RESERVE_SECONDS", API_GATEWAY_TIMEOUT_SECONDS - 0.9)

    response = lambda_handler(
        api_event({}, path="/sweeps", resource="/sweeps"), FakeLambdaContext()
    )

    assert response["statusCode"] == 200
    summary = json.loads(response["body"])
    assert len(summary["inventory"]["projectsNotReached"]) >= 1
    assert summary["outcomes"] == {}, "nothing is started once the time is up"
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0


def test_callers_may_narrow_the_operators_projects_but_never_widen_them(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_PROJECT_ARNS", world.project("alpha"))
    reset_function_caches()
    beta = {"projectArns": [world.project("beta")]}

    api = lambda_handler(api_event(beta, path="/sweeps", resource="/sweeps"), FakeLambdaContext())
    event = lambda_handler({"action": "sweep", **beta}, FakeLambdaContext())
    stop = lambda_handler({"arn": mixed["keep-demo"]}, FakeLambdaContext())  # a beta session
    narrowed = lambda_handler(
        {"action": "sweep", "projectArns": [world.project("alpha")]}, FakeLambdaContext()
    )

    assert (api["statusCode"], json.loads(api["body"])["error"]["code"]) == (403, "OUT_OF_SCOPE")
    assert (event["outcome"], event["error"]["code"]) == ("REJECTED", "OUT_OF_SCOPE")
    assert (stop["outcome"], stop["error"]["code"]) == ("REJECTED", "OUT_OF_SCOPE")
    assert narrowed["outcomes"] == {"STOPPED": 2}
    assert world.status(mixed["old-c"]) == "RUNNING", "beta's sessions are out of reach"
