"""Timers kept true to the sessions: a stop deletes the session's timers, the sweep arms the
timers that are missing, and the sweep stops each session by its own deadline.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.timer_support import (
    Schedules,
    cloudtrail_event,
    created_at,
    extend,
    frozen_clock,
    invoke,
    minutes,
    post,
    report_created,
    scheduled_sweep,
)
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec

# -- disarming -------------------------------------------------------------------------------------


def test_a_stop_through_the_api_deletes_the_sessions_timers(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    assert len(schedules.names()) == 2
    answer = invoke(api_event({"arn": session["arn"]}))
    assert answer["statusCode"] == 200
    assert schedules.names() == []


def test_a_stop_by_someone_else_reported_by_cloudtrail_deletes_the_timers(
    schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)
    stopped = cloudtrail_event("StopRemoteAccessSession", {"arn": session["arn"]})
    assert invoke(stopped) == {"disarmed": session["arn"]}
    assert schedules.names() == []


# -- the sweep as reconciler -----------------------------------------------------------------------


def test_the_sweep_arms_missing_timers_and_stops_sessions_past_their_tag_budget(
    world: DeviceFarmWorld,
    schedules: Schedules,
    outcome_sink: OutcomeSink,
) -> None:
    young, overdue = world.populate(
        [SessionSpec("alpha", 10, "young"), SessionSpec("beta", 40, "overdue")]
    )
    world.emulator.tag_resource(world.project("beta"), {"session-stopper:max-minutes": "30"})

    summary = scheduled_sweep()

    # The overdue session is past its deadline, so the sweep itself selects it.
    assert summary["timers"] == {"armed": 1, "failed": 0, "stoppedOverdue": 0}
    assert summary["outcomes"] == {"STOPPED": 1}
    assert schedules.of(young["arn"])[0] is not None
    assert world.status(overdue["arn"]) in {"STOPPING", "COMPLETED"}
    assert schedules.of(overdue["arn"]) == (None, None)


def test_a_second_sweep_arms_nothing_new(
    world: DeviceFarmWorld,
    schedules: Schedules,
) -> None:
    world.populate([SessionSpec("alpha", 10, "young")])
    scheduled_sweep()
    assert scheduled_sweep()["timers"]["armed"] == 0


def test_a_dry_run_sweep_arms_no_timer(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    world.populate([SessionSpec("alpha", 10, "young")])
    status, _ = post(api_event, "/sweeps", {"dryRun": True})
    assert status == 200
    assert schedules.names() == []


def test_the_sweep_skips_the_sessions_of_an_exempt_project(
    world: DeviceFarmWorld,
    schedules: Schedules,
) -> None:
    [old] = world.populate([SessionSpec("alpha", 90, "old-but-exempt")])
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})
    summary = scheduled_sweep()
    assert summary["outcomes"] == {"SKIPPED": 1}
    assert world.status(old["arn"]) == "RUNNING"
    assert schedules.names() == []


# -- the sweep keeps each session's deadline -------------------------------------------------------


def test_a_default_sweep_stops_by_each_sessions_deadline_not_by_one_age(
    world: DeviceFarmWorld,
    schedules: Schedules,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The operator lets tags set 10 to 150 minutes.
    monkeypatch.setenv("SWEEP_MIN_AGE_MINUTES", "10")
    monkeypatch.setenv("MAX_TAG_BUDGET_MINUTES", "150")
    reset_function_caches()
    long_budget, past_long, short_budget = world.populate(
        [
            SessionSpec("perf", 90, "profiling"),
            SessionSpec("perf", 125, "profiling-forgotten"),
            SessionSpec("checkout", 20, "quick-check"),
        ]
    )
    world.emulator.tag_resource(world.project("perf"), {"session-stopper:max-minutes": "120"})
    world.emulator.tag_resource(world.project("checkout"), {"session-stopper:max-minutes": "15"})

    summary = scheduled_sweep()

    assert summary["selection"] == "deadline"
    assert world.status(long_budget["arn"]) == "RUNNING", "90 minutes of a 120-minute budget"
    assert world.status(past_long["arn"]) in {"STOPPING", "COMPLETED"}
    assert world.status(short_budget["arn"]) in {"STOPPING", "COMPLETED"}
    assert summary["outcomes"] == {"STOPPED": 2}


def test_a_default_sweep_holds_tag_budgets_within_the_operators_bounds(
    world: DeviceFarmWorld,
    schedules: Schedules,
) -> None:
    """The defaults: tags from the floor (sweepMinAgeMinutes, 30) to maxTagBudgetMinutes (the
    default budget, 60). A 15-minute tag does not end a 20-minute-old session; a 120-minute tag
    does not keep one running past 60."""
    long_tag, short_tag = world.populate(
        [SessionSpec("perf", 90, "profiling"), SessionSpec("checkout", 20, "quick-check")]
    )
    world.emulator.tag_resource(world.project("perf"), {"session-stopper:max-minutes": "120"})
    world.emulator.tag_resource(world.project("checkout"), {"session-stopper:max-minutes": "15"})

    summary = scheduled_sweep()

    assert summary["outcomes"] == {"STOPPED": 1}
    assert world.status(long_tag["arn"]) in {"STOPPING", "COMPLETED"}, "past the 60 ceiling"
    assert world.status(short_tag["arn"]) == "RUNNING", "20 minutes is within the 30 floor"


def test_a_default_sweep_leaves_an_extended_session_to_its_new_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    near = world.populate([SessionSpec("alpha", 50, "needs-more-time")])[0]
    report_created(near, with_arn=True)
    assert extend(api_event, {"arn": near["arn"], "minutes": 30})[0] == 200

    with frozen_clock(created_at(near) + minutes(75)):
        summary = scheduled_sweep()
    assert summary["outcomes"] == {}
    assert world.status(near["arn"]) == "RUNNING"

    with frozen_clock(created_at(near) + minutes(91)):
        summary = scheduled_sweep()
    assert summary["outcomes"] == {"STOPPED": 1}


def test_a_sweep_that_names_an_age_stops_by_that_age_whatever_the_budgets(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    [session] = world.populate([SessionSpec("perf", 90, "profiling")])
    world.emulator.tag_resource(world.project("perf"), {"session-stopper:max-minutes": "120"})
    _, body = post(api_event, "/sweeps", {"maxAgeMinutes": 60})
    assert (body["selection"], body["outcomes"]) == ("age", {"STOPPED": 1})
    assert world.status(session["arn"]) in {"STOPPING", "COMPLETED"}


def test_a_sweep_by_age_stops_a_session_without_a_timer_that_is_past_its_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    [overdue] = world.populate([SessionSpec("beta", 40, "overdue")])
    world.emulator.tag_resource(world.project("beta"), {"session-stopper:max-minutes": "30"})
    _, body = post(api_event, "/sweeps", {"maxAgeMinutes": 90})
    assert body["timers"] == {"armed": 0, "failed": 0, "stoppedOverdue": 1}
    assert world.status(overdue["arn"]) in {"STOPPING", "COMPLETED"}
