"""Expiry timers through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS,
SQS and DynamoDB on moto."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.domain.timers import schedule_names
from session_stopper.gateways.scheduler import scheduler_client
from tests.integration.timer_support import (
    GROUP,
    OTHER_ACCOUNT,
    ROLE_ARN,
    TARGET_ARN,
    Schedules,
    by_type,
    cloudtrail_event,
    created_at,
    created_event,
    extend,
    fire,
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

# -- arming ------------------------------------------------------------------------------------


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


def test_the_project_tag_sets_the_budget_within_the_hard_limit(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": "20"})
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    assert expiry.input["budgetMinutes"] == 20
    assert abs((expiry.at - created_at(session)) - minutes(20)) <= timedelta(seconds=1)


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
        scheduler.add_client_error("create_schedule", "ServiceQuotaExceededException", "full")
        report_created(session)
    [timer] = by_type(outcome_sink.published(), "timer")
    assert timer["status"] == "NOT_ARMED"
    assert timer["error"]["code"] == "ServiceQuotaExceededException"
    assert schedules.names() == []

    summary = scheduled_sweep()
    assert summary["timers"] == {"armed": 1, "failed": 0, "stoppedOverdue": 0}
    assert schedules.of(session["arn"])[0] is not None


# -- firing ------------------------------------------------------------------------------------


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


# -- disarming ---------------------------------------------------------------------------------


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


# -- extending ---------------------------------------------------------------------------------


def test_extend_moves_the_deadline_and_the_warning_and_says_so(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    before = schedules.expiry(session["arn"])
    outcome_sink.published()

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert status == 200
    after, warning = schedules.of(session["arn"])
    assert after is not None
    assert warning is not None
    assert after.at - before.at == minutes(15)
    assert warning.at == after.at - minutes(5)
    assert after.input["deadline"] == body["deadline"].replace("+00:00", "Z")
    assert body["minutesAdded"] == 15
    assert body["messageType"] == "extended"
    [published] = by_type(outcome_sink.published(), "extended")
    assert published["deadline"] == body["deadline"]


def test_extend_is_bounded_by_the_operators_maximum(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", "20")
    reset_function_caches()
    report_created(session)
    assert extend(api_event, {"arn": session["arn"], "minutes": 15})[0] == 200
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 10})
    assert status == 422
    assert body["error"]["code"] == "EXTENSION_LIMIT"
    assert "5 more minute(s)" in body["error"]["message"]


def test_extend_never_passes_device_farms_150_minute_limit(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_MAX_AGE_MINUTES", "140")
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", "150")
    reset_function_caches()
    long = world.populate([SessionSpec("alpha", 10, "long")])[0]
    report_created(long)
    # The deadline is rounded up to the second, the limit down: 9 whole minutes are left.
    status, body = extend(api_event, {"arn": long["arn"], "minutes": 10})
    assert status == 422
    assert "9 more minute(s)" in body["error"]["message"]
    assert extend(api_event, {"arn": long["arn"], "minutes": 9})[0] == 200


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"arn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000", "minutes": 5},
            404,
            "NOT_FOUND",
        ),
        (
            {
                "arn": f"arn:aws:devicefarm:us-west-2:{OTHER_ACCOUNT}:session:p/s/00000",
                "minutes": 5,
            },
            403,
            "OUT_OF_SCOPE",
        ),
        ({"minutes": 5}, 400, None),
        ({"arn": "SESSION", "minutes": "5"}, 400, None),
        ({"arn": "SESSION", "minutes": 0}, 400, None),
        ({"arn": "SESSION", "minutes": 5, "reason": "demo"}, 400, None),
    ],
)
def test_extend_refuses_what_it_cannot_do(
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    body: dict[str, Any],
    status: int,
    code: str | None,
) -> None:
    if body.get("arn") == "SESSION":
        body = {**body, "arn": session["arn"]}
    answered, answer = extend(api_event, body)
    assert answered == status
    if code:
        assert answer["error"]["code"] == code


def test_extend_refuses_an_ended_session(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    world.emulator.stop_session(session["arn"])
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
    assert (status, body["error"]["code"]) == (409, "SESSION_ENDED")


def test_extend_without_timers_says_the_deployment_has_none(
    outcome_sink: OutcomeSink,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
    assert (status, body["error"]["code"]) == (409, "TIMERS_OFF")


# -- the sweep as reconciler -------------------------------------------------------------------


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


def test_schedule_names_fit_schedulers_limit_and_differ_per_session() -> None:
    long_arn = "arn:aws:devicefarm:us-west-2:123456789012:session:" + "a" * 128 + "/b/00000"
    expiry, warning = schedule_names(long_arn)
    assert len(expiry) <= 64
    assert len(warning) <= 64
    assert expiry != warning
    assert schedule_names(long_arn.replace("/b/", "/c/")) != (expiry, warning)


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


@pytest.mark.parametrize("action", [[], {}, ["expire"], None, 1])
def test_an_action_of_any_json_type_is_answered_not_raised(
    schedules: Schedules, action: Any
) -> None:
    assert invoke({"action": action})["outcome"] == "REJECTED"


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


# -- the sweep keeps each session's deadline ---------------------------------------------------


def test_a_default_sweep_stops_by_each_sessions_deadline_not_by_one_age(
    world: DeviceFarmWorld,
    schedules: Schedules,
) -> None:
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


def test_extending_an_overdue_session_counts_from_now_not_from_the_passed_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
) -> None:
    [overdue] = world.populate([SessionSpec("alpha", 70, "overdue-but-wanted")])
    now = datetime.now(UTC).replace(microsecond=0)
    with frozen_clock(now):
        status, body = extend(api_event, {"arn": overdue["arn"], "minutes": 15})
    assert status == 200
    assert datetime.fromisoformat(body["deadline"]) == now + minutes(15)
    expiry = schedules.expiry(overdue["arn"])
    assert expiry.at == now + minutes(15), "never a timer in the past"
