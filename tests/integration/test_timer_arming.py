"""Arming expiry and warning timers: from CloudTrail's record of a CreateRemoteAccessSession
call (or, when that fails, from the next sweep), with the budget the project's tags give.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.domain.timers.schedules import schedule_names
from session_stopper.gateways.scheduler import scheduler_client
from tests.integration.timer_support import (
    OTHER_ACCOUNT,
    ROLE_ARN,
    TARGET_ARN,
    Schedules,
    by_type,
    created_at,
    created_event,
    frozen_clock,
    invoke,
    minutes,
    report_created,
    scheduled_sweep,
)
from tests.support.aws import OutcomeSink
from tests.support.emulated import DeviceFarmWorld, SessionSpec


@pytest.mark.parametrize("with_arn", [True, False], ids=["arn-in-record", "arn-found-by-listing"])
def test_a_created_session_gets_an_expiry_and_a_warning_timer(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink, with_arn: bool
) -> None:
    answer = report_created(session, with_arn=with_arn)

    expiry, warning = schedules.of(session["arn"])
    assert expiry is not None
    assert warning is not None
    deadline = created_at(session) + minutes(60)
    assert expiry.at == deadline.replace(microsecond=0) + timedelta(
        seconds=1 if deadline.microsecond else 0
    )
    assert warning.at == expiry.at - minutes(5)
    assert expiry.input["action"] == "expire"
    assert warning.input["action"] == "warn"
    assert expiry.input["arn"] == session["arn"]
    assert expiry.input["budgetMinutes"] == 60
    assert expiry.input["scheduleArn"] == "<aws.scheduler.schedule-arn>"
    raw = expiry.raw
    assert raw["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert raw["ActionAfterCompletion"] == "DELETE"
    assert raw["ScheduleExpressionTimezone"] == "UTC"
    assert raw["Target"]["Arn"] == TARGET_ARN
    assert raw["Target"]["RoleArn"] == ROLE_ARN
    assert answer["status"] == "ARMED"
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "ARMED"
    assert timer["sessionArn"] == session["arn"]
    assert timer["budgetSource"] == "default"
    assert timer["trigger"]["kind"] == "cloudtrail"


def test_the_project_tag_sets_the_budget_within_the_operators_bounds(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": "40"})
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    assert expiry.input["budgetMinutes"] == 40
    assert abs((expiry.at - created_at(session)) - minutes(40)) <= timedelta(seconds=1)


@pytest.mark.parametrize(("value", "budget"), [("1", 30), ("29", 30), ("61", 60), ("150", 60)])
def test_a_tag_outside_the_operators_bounds_arms_the_bound_and_says_so(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    value: str,
    budget: int,
) -> None:
    """Bounds by default: the floor sweepMinAgeMinutes (30) to maxTagBudgetMinutes (the default
    budget, 60). Whoever tags a project cannot stop a colleague's session a minute in."""
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": value})

    report_created(session)

    expiry = schedules.expiry(session["arn"])
    assert expiry.input["budgetMinutes"] == budget
    assert abs((expiry.at - created_at(session)) - minutes(budget)) <= timedelta(seconds=1)
    [timer] = by_type(outcome_sink.published(), "timer")
    assert (timer["budgetMinutes"], timer["budgetSource"]) == (budget, "clampedTag")


@pytest.mark.parametrize("value", ["0", "151", "twenty", "\uff12\uff10", "-5"])
def test_a_budget_tag_that_is_not_1_to_150_minutes_leaves_the_default(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any], value: str
) -> None:
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": value})
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    assert expiry.input["budgetMinutes"] == 60


def test_an_exempt_project_gets_no_timer_and_says_so(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})
    report_created(session)
    assert schedules.names() == []
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "EXEMPT"


def test_a_record_that_matches_no_session_is_reported_not_dropped(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    event = created_event(session)
    event["detail"]["requestParameters"]["name"] = "someone-else"
    invoke(event)
    assert schedules.names() == []
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "UNMATCHED"
    assert "no session of" in timer["error"]["message"]


def test_a_failed_create_call_arms_nothing_and_publishes_nothing(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    event = created_event(session)
    event["detail"]["errorCode"] = "LimitExceededException"
    assert "ignored" in invoke(event)
    assert schedules.names() == []
    assert outcome_sink.published() == []


def test_a_record_from_another_account_is_rejected(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    event = created_event(session)
    event["account"] = OTHER_ACCOUNT
    assert invoke(event)["outcome"] == "REJECTED"
    assert schedules.names() == []


def test_a_session_already_past_its_deadline_is_stopped_on_arrival(
    world: DeviceFarmWorld, schedules: Schedules, outcome_sink: OutcomeSink
) -> None:
    old = world.populate([SessionSpec("alpha", 70, "late-news")])[0]
    answer = report_created(old, with_arn=True)
    assert answer["outcome"] == "STOPPED"
    assert answer["timer"]["budgetMinutes"] == 60
    assert answer["timer"]["overshootSeconds"] > 0
    assert world.status(old["arn"]) in {"STOPPING", "COMPLETED"}
    assert schedules.names() == []


def test_a_session_inside_its_warning_time_is_warned_at_once(
    world: DeviceFarmWorld, schedules: Schedules, outcome_sink: OutcomeSink
) -> None:
    near = world.populate([SessionSpec("alpha", 57, "nearly-done")])[0]
    report_created(near, with_arn=True)
    expiry, warning = schedules.of(near["arn"])
    assert expiry is not None
    assert warning is None
    [warned] = by_type(outcome_sink.published(), "warning")
    assert 0 < warned["minutesLeft"] <= 5


def test_a_scheduler_failure_is_reported_and_the_sweep_arms_the_timer_later(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    with Stubber(scheduler_client(False)) as scheduler:
        # Arming reads the session's timer first: it has none.
        scheduler.add_client_error("get_schedule", "ResourceNotFoundException", "none", 404)
        scheduler.add_client_error("create_schedule", "ServiceQuotaExceededException", "full")
        report_created(session)
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "NOT_ARMED"
    assert timer["error"]["code"] == "ServiceQuotaExceededException"
    assert schedules.names() == []

    summary = scheduled_sweep()
    assert summary["timers"] == {"armed": 1, "failed": 0, "stoppedOverdue": 0}
    assert schedules.of(session["arn"])[0] is not None


def test_a_session_that_ended_before_its_creation_was_reported_gets_no_timer(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    world.emulator.stop_session(session["arn"])
    assert "ignored" in report_created(session, with_arn=True)
    assert schedules.names() == []


def test_a_tag_changed_after_the_cache_window_is_read_again(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)  # reads alpha's tags: no budget tag
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": "30"})
    later = world.populate([SessionSpec("alpha", 2, "later")])[0]
    with frozen_clock(created_at(later) + minutes(6)):
        report_created(later)
    expiry = schedules.expiry(later["arn"])
    assert expiry.input["budgetMinutes"] == 30


def test_schedule_names_fit_schedulers_limit_and_differ_per_session() -> None:
    long_arn = "arn:aws:devicefarm:us-west-2:123456789012:session:" + "a" * 128 + "/b/00000"
    expiry, warning = schedule_names(long_arn)
    assert len(expiry) <= 64
    assert len(warning) <= 64
    assert expiry != warning
    assert schedule_names(long_arn.replace("/b/", "/c/")) != (expiry, warning)
