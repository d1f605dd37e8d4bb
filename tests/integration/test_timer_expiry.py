"""Timers firing: the expiry timer stops its session (or says why not), the warning tells the
time left and how to extend, and an event that is not exactly a timer of ours is rejected.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.integration.timer_support import (
    GROUP,
    Schedules,
    by_type,
    fire,
    frozen_clock,
    invoke,
    minutes,
    report_created,
)
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld


def test_the_expiry_timer_stops_the_session_and_reports_the_overshoot(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    outcome_sink.published()

    answer = fire(expiry, at=expiry.at + timedelta(seconds=7))

    assert answer["outcome"] == "STOPPED"
    assert answer["trigger"]["kind"] == "expiry"
    assert answer["trigger"]["id"].endswith(f"schedule/{GROUP}/{expiry.name}")
    assert answer["timer"]["overshootSeconds"] == 7.0
    assert answer["timer"]["budgetMinutes"] == 60
    assert world.status(session["arn"]) in {"STOPPING", "COMPLETED"}
    assert schedules.names() == [], "a stopped session keeps no timer"
    [outcome] = by_type(outcome_sink.published(), "outcome")
    assert outcome["timer"]["deadline"].startswith(expiry.input["deadline"][:19])


def test_a_timer_for_a_session_that_already_ended_says_so_without_stopping(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    world.emulator.stop_session(session["arn"])
    assert fire(expiry)["outcome"] == "ALREADY_ENDED"


def test_under_a_dry_run_the_timer_reports_what_it_would_have_stopped(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    monkeypatch.setenv("SWEEP_DRY_RUN", "true")
    reset_function_caches()
    answer = fire(expiry)
    assert (answer["outcome"], answer["reason"]) == ("SKIPPED", "DRY_RUN")
    assert world.status(session["arn"]) == "RUNNING"


def test_an_exemption_tagged_after_arming_is_honoured_when_the_timer_fires(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "TRUE"})
    reset_function_caches()  # a new invocation environment: the tag cache starts empty
    answer = fire(expiry)
    assert (answer["outcome"], answer["reason"]) == ("SKIPPED", "EXEMPT")
    assert world.status(session["arn"]) == "RUNNING"


def test_an_expiry_event_long_before_its_deadline_stops_nothing(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    answer = fire(expiry, at=expiry.at - minutes(45))
    assert answer["outcome"] == "REJECTED"
    assert answer["error"]["code"] == "TOO_EARLY"
    assert world.status(session["arn"]) == "RUNNING"
    # Within Scheduler's minute of precision it is the timer firing.
    assert fire(expiry, at=expiry.at - timedelta(seconds=30))["outcome"] == "STOPPED"


# -- warnings --------------------------------------------------------------------------------------


def test_the_warning_names_the_time_left_the_cost_and_how_to_extend(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    report_created(session)
    warning = schedules.warning(session["arn"])
    outcome_sink.published()

    fire(warning)

    [warned] = by_type(outcome_sink.published(), "warning")
    assert warned["minutesLeft"] == 5.0
    assert warned["session"]["arn"] == session["arn"]
    assert warned["costSoFarUsd"] == pytest.approx(warned["minutesSoFar"] * 0.17, abs=0.01)
    assert warned["extend"]["request"] == "POST /sessions/extend"
    assert warned["extend"]["maxMinutes"] == 60
    assert warned["extend"]["body"]["arn"] == session["arn"]


def test_a_warning_for_an_ended_session_publishes_nothing(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    report_created(session)
    warning = schedules.warning(session["arn"])
    world.emulator.stop_session(session["arn"])
    outcome_sink.published()
    assert "ignored" in fire(warning)
    assert outcome_sink.published() == []


# -- events that are not a timer of ours -----------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        {"action": "explode"},
        {"budgetMinutes": "60"},
        {"budgetMinutes": 151},
        {"deadline": "2026-11-28 03:00:00"},
        {"deadline": "2026-02-30T03:00:00Z"},
        {"arn": "arn:aws:devicefarm:us-west-2:123456789012:session:a/b/c\n"},
        {"extra": 1},
    ],
)
def test_a_timer_event_that_is_not_exactly_ours_is_rejected(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    change: dict[str, Any],
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    event = {**expiry.input, **change}
    with frozen_clock(expiry.at):
        answer = invoke(event)
    assert answer["outcome"] == "REJECTED"
    assert world.status(session["arn"]) == "RUNNING"


@pytest.mark.parametrize("action", [[], {}, ["expire"], None, 1])
def test_an_action_of_any_json_type_is_answered_not_raised(
    schedules: Schedules, action: Any
) -> None:
    assert invoke({"action": action})["outcome"] == "REJECTED"
