"""Sweeps through the real handler against the Device Farm emulator over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from session_stopper.handler import lambda_handler
from tests.support.aws import OutcomeSink, Published
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


def split(published: list[Published]) -> tuple[list[Published], list[Published]]:
    outcomes = [p for p in published if p.attributes["messageType"] == "outcome"]
    summaries = [p for p in published if p.attributes["messageType"] == "sweepSummary"]
    return outcomes, summaries


@pytest.fixture
def mixed(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Two projects with young, old, ended and protected sessions (max age 60 by default)."""
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "^keep-")
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


def test_a_sweep_short_of_time_leaves_the_work_to_the_next_one(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink
) -> None:
    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext(timeout_seconds=20))

    assert sorted(summary["leftUndone"]) == sorted(mixed[n] for n in ("old-a", "old-b", "old-c"))
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0
    assert summary["outcomes"] == {"SKIPPED": 1}


def test_post_sweeps_answers_with_the_summary(
    world: DeviceFarmWorld, mixed: dict[str, str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    event = api_event({"maxAgeMinutes": 100}, path="/sweeps", resource="/sweeps")

    response = lambda_handler(event, FakeLambdaContext())

    assert response["statusCode"] == 200
    summary = json.loads(response["body"])
    assert summary["trigger"]["kind"] == "api"
    assert summary["outcomes"] == {"SKIPPED": 1}  # only keep-demo (120 min) is old enough


@pytest.mark.parametrize(
    ("event", "code"),
    [
        ({"action": "sweep", "maxAgeMinutes": -1}, "INVALID_VALUE"),
        ({"action": "sweep", "maxAgeMinutes": "soon"}, "INVALID_TYPE"),
        ({"action": "sweep", "projectArns": ["arn:aws:s3:::b"]}, "INVALID_ARN"),
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
