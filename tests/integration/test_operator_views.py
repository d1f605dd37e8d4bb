"""What operators see before anything is stopped: GET /sessions, the sweep's listing of the
sessions it acts on (or would), and a sweep that could not list saying so in its status."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from unittest.mock import ANY

import pytest

from session_stopper.handler import lambda_handler
from tests.integration.timer_support import cloudtrail_event, enable_timers
from tests.support.aws import ACCOUNT_ID, OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


def call(api_event: Callable[..., dict[str, Any]], path: str, body: Any = None) -> Any:
    method = "GET" if body is None else "POST"
    event = api_event(body, path=path, resource=path, httpMethod=method)
    if body is None:
        event["body"] = None
    answer = lambda_handler(event, FakeLambdaContext())
    return answer["statusCode"], json.loads(answer["body"])


@pytest.fixture
def mixed(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    reset_function_caches()
    names = ["young", "old", "keep-baseline", "ended", "unmetered-old"]
    created = world.populate(
        [
            SessionSpec("alpha", 10, "young"),
            SessionSpec("alpha", 70, "old"),
            SessionSpec("beta", 90, "keep-baseline"),
            SessionSpec("beta", 80, "ended", stopped=True),
            SessionSpec("beta", 65, "unmetered-old", billing_method="UNMETERED"),
        ]
    )
    return {name: session["arn"] for name, session in zip(names, created, strict=True)}


def by_name(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {row["name"]: row for row in rows}


def test_get_sessions_shows_every_active_session_and_what_a_sweep_would_do(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    status, view = call(api_event, "/sessions")

    assert status == 200
    rows = by_name(view["sessions"])
    assert set(rows) == {"young", "old", "keep-baseline", "unmetered-old"}, "ended is not active"
    assert view["count"] == 4
    assert view["projectsListed"] == 2
    assert (rows["young"]["sweepWouldStop"], rows["young"]["reason"]) == (False, "WITHIN_BUDGET")
    assert (rows["old"]["sweepWouldStop"], rows["old"]["reason"]) == (True, "PAST_DEADLINE")
    assert rows["keep-baseline"]["reason"] == "PROTECTED"
    assert rows["old"]["budgetMinutes"] == 60
    assert rows["old"]["costSoFarUsd"] == pytest.approx(70 * 0.17, abs=0.05)
    assert rows["unmetered-old"]["costSoFarUsd"] == 0.0
    assert rows["old"]["timerArmed"] is False
    assert outcome_sink.published() == [], "looking publishes nothing"
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0


def test_get_sessions_shows_the_timers_deadline_and_an_exempt_project(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    enable_timers(monkeypatch, outcome_sink.region)
    young = world.emulator.get_session(mixed["young"])
    request = {"projectArn": world.project("alpha"), "deviceArn": young["device"]["arn"]}
    response = {"remoteAccessSession": {"arn": mixed["young"]}}
    lambda_handler(
        cloudtrail_event("CreateRemoteAccessSession", request, response=response),
        FakeLambdaContext(),
    )
    world.emulator.tag_resource(world.project("beta"), {"session-stopper:exempt": "true"})

    status, view = call(api_event, "/sessions")

    rows = by_name(view["sessions"])
    assert status == 200
    assert rows["young"]["timerArmed"] is True
    assert rows["young"]["deadline"] is not None
    assert (rows["keep-baseline"]["budgetMinutes"], rows["keep-baseline"]["reason"]) == (
        None,
        "EXEMPT",
    )


def test_a_dry_run_sweep_lists_what_it_would_stop_and_counts_skips_by_reason(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    status, summary = call(api_event, "/sweeps", {"dryRun": True})

    assert status == 200
    rows = by_name(summary["sessions"])
    assert set(rows) == {"old", "keep-baseline", "unmetered-old"}
    assert (rows["old"]["action"], rows["old"]["reason"]) == ("skip", "DRY_RUN")
    assert rows["keep-baseline"]["reason"] == "PROTECTED"
    assert rows["old"]["device"]
    assert rows["old"]["platform"]
    assert rows["old"]["ageMinutes"] == pytest.approx(70, abs=0.5)
    assert summary["skipped"] == {"DRY_RUN": 2, "PROTECTED": 1}
    assert summary["sessionsNotListed"] == 0
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 0


def test_a_live_sweep_lists_what_it_stopped(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    load_event: Callable[[str], dict[str, Any]],
) -> None:
    summary = lambda_handler(load_event("scheduled_event.json"), FakeLambdaContext())
    rows = by_name(summary["sessions"])
    assert (rows["old"]["action"], rows["old"]["reason"]) == ("stop", "SELECTED")
    assert summary["skipped"] == {"PROTECTED": 1}


@pytest.mark.parametrize(
    ("fault", "status", "code"),
    [
        ("internal_failure_rate", 502, "InternalFailure"),
        ("throttle_rate", 429, "LimitExceededException"),
    ],
)
@pytest.mark.parametrize(("path", "body"), [("/sweeps", {"dryRun": True}), ("/sessions", None)])
def test_a_sweep_or_view_that_could_list_nothing_says_so_in_its_status(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
    fault: str,
    status: int,
    code: str,
    path: str,
    body: Any,
) -> None:
    setattr(world.emulator.faults, fault, 1.0)
    answered, answer = call(api_event, path, body)
    assert answered == status, answer
    assert answer["listingFailures"] == [
        {
            "operation": "ListProjects",
            "projectArn": None,
            "account": ACCOUNT_ID,
            "code": code,
            "message": ANY,
        }
    ]


@pytest.mark.parametrize(("path", "body"), [("/sweeps", {"dryRun": True}), ("/sessions", None)])
def test_a_sweep_or_view_that_could_list_some_projects_answers_207(
    world: DeviceFarmWorld,
    mixed: dict[str, str],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
    path: str,
    body: Any,
) -> None:
    alpha = world.project("alpha")
    missing = alpha[:-8] + "00000000"
    monkeypatch.setenv("SWEEP_PROJECT_ARNS", f"{missing},{alpha}")
    reset_function_caches()
    answered, answer = call(api_event, path, body)
    assert answered == 207, answer
    [failure] = answer["listingFailures"]
    assert (failure["projectArn"], failure["code"]) == (missing, "NotFoundException")
    assert failure["operation"] == "ListRemoteAccessSessions"


def test_a_summary_says_in_its_attributes_whether_a_person_should_read_it(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    load_event: Callable[[str], dict[str, Any]],
) -> None:
    """Email's filter policy reads attributes only: a sweep that stopped something is
    `needsAPerson` true, one that found nothing to do is false (and stays out of inboxes)."""
    world.populate([SessionSpec("alpha", 70, "old"), SessionSpec("alpha", 5, "young")])
    lambda_handler(load_event("scheduled_event.json"), FakeLambdaContext())
    lambda_handler(load_event("scheduled_event.json"), FakeLambdaContext())
    summaries = [p for p in outcome_sink.published() if p.body["messageType"] == "sweepSummary"]
    assert [p.attributes["needsAPerson"] for p in summaries] == ["true", "false"]
    assert [p.body["outcomes"] for p in summaries] == [{"STOPPED": 1}, {}]
