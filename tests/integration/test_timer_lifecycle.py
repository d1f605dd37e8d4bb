"""What becomes of a session's timers after each outcome, and the edges of extending and warning.

A session that is over (STOPPED, ALREADY_ENDED, NOT_FOUND) keeps no timer; one that may still
run (FAILED, SKIPPED) keeps both, so its deadline and warning still come. An exempt project's
session cannot be extended (it has no deadline), an unmetered session's warning costs nothing,
and the operator's maximum extension is granted exactly.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from session_stopper.entrypoints import dependencies
from session_stopper.gateways.scheduler import scheduler_client
from tests.integration.timer_support import (
    Schedules,
    by_type,
    extend,
    fire,
    invoke,
    minutes,
    report_created,
)
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec


def _timers_of(schedules: Schedules, arn: str) -> list[tuple[str, datetime, dict[str, Any]]]:
    """The session's armed schedules, as the function wrote them (not moto's request ids)."""
    return [(each.name, each.at, each.input) for each in schedules.of(arn) if each is not None]


def _stop_by_event(arn: str) -> str:
    outcome: str = invoke({"arn": arn})["outcome"]
    return outcome


# -- timers after each outcome ---------------------------------------------------------------------


def test_a_stopped_session_keeps_no_timer(schedules: Schedules, session: dict[str, Any]) -> None:
    report_created(session)
    assert _stop_by_event(session["arn"]) == "STOPPED"
    assert schedules.of(session["arn"]) == (None, None)


def test_a_session_that_already_ended_keeps_no_timer(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    report_created(session)
    world.emulator.stop_session(session["arn"])
    assert _stop_by_event(session["arn"]) == "ALREADY_ENDED"
    assert schedules.of(session["arn"]) == (None, None)


def test_a_session_device_farm_no_longer_knows_keeps_no_timer(
    world: DeviceFarmWorld, schedules: Schedules, session: dict[str, Any]
) -> None:
    project_id = world.project("alpha").rsplit(":", 1)[1]
    vanished = session["arn"].replace(session["arn"].split("/")[1], str(uuid.uuid4()))
    assert project_id in vanished
    timers = dependencies.session_timers()
    assert timers is not None
    assert timers.arm_if_absent(vanished, datetime.now(UTC) + minutes(50), 60) is not None
    assert all(schedules.of(vanished))

    assert _stop_by_event(vanished) == "NOT_FOUND"
    assert schedules.of(vanished) == (None, None)


def test_a_failed_stop_keeps_both_timers_so_the_deadline_still_comes(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_created(session)
    armed = _timers_of(schedules, session["arn"])
    assert len(armed) == 2
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "1")
    reset_function_caches()
    world.emulator.faults.internal_failure_rate = 1.0

    assert _stop_by_event(session["arn"]) == "FAILED"

    world.emulator.faults.internal_failure_rate = 0.0
    assert _timers_of(schedules, session["arn"]) == armed
    assert world.status(session["arn"]) == "RUNNING"


def test_a_skipped_expiry_keeps_both_timers(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_created(session)
    armed = _timers_of(schedules, session["arn"])
    assert len(armed) == 2
    monkeypatch.setenv("SWEEP_DRY_RUN", "true")
    reset_function_caches()

    assert fire(schedules.expiry(session["arn"]))["outcome"] == "SKIPPED"

    assert _timers_of(schedules, session["arn"]) == armed
    assert world.status(session["arn"]) == "RUNNING"


def test_an_expiry_skipped_for_an_exempt_project_is_published(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})
    reset_function_caches()
    outcome_sink.published()

    fire(expiry)

    [skipped] = by_type(outcome_sink.published(), "outcome")
    assert (skipped["outcome"], skipped["reason"]) == ("SKIPPED", "EXEMPT")
    assert skipped["timer"]["budgetMinutes"] == 60


def test_an_expiry_whose_project_tags_cannot_be_read_is_published_failed(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "1")
    reset_function_caches()  # and the tag cache with it
    outcome_sink.published()
    world.emulator.faults.internal_failure_rate = 1.0

    answer = fire(expiry)

    world.emulator.faults.internal_failure_rate = 0.0
    assert (answer["outcome"], answer["error"]["code"]) == ("FAILED", "TAGS_UNREADABLE")
    [failed] = by_type(outcome_sink.published(), "outcome")
    assert failed["outcome"] == "FAILED"
    assert world.status(session["arn"]) == "RUNNING"


# -- extending: an exempt project, and the operator's maximum exactly ------------------------------


def test_extending_an_exempt_projects_session_is_refused_as_exempt(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    armed = _timers_of(schedules, session["arn"])
    assert len(armed) == 2
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:exempt": "true"})
    reset_function_caches()  # a new invocation environment: the tag cache starts empty

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 10})

    assert (status, body["error"]["code"]) == (409, "EXEMPT")
    assert _timers_of(schedules, session["arn"]) == armed


def test_extending_by_exactly_the_operators_maximum_is_granted_and_one_more_is_not(
    world: DeviceFarmWorld,
    schedules: Schedules,
    api_event: Callable[..., dict[str, Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", "20")
    reset_function_caches()
    first, second = world.populate(
        [SessionSpec("alpha", 10, "first"), SessionSpec("alpha", 10, "second")]
    )
    report_created(first)
    report_created(second)
    before = schedules.expiry(first["arn"])

    status, body = extend(api_event, {"arn": first["arn"], "minutes": 20})

    assert (status, body["minutesAdded"]) == (200, 20)
    assert schedules.expiry(first["arn"]).at - before.at == minutes(20)
    assert body["deadline"] == body["latestDeadline"]
    status, body = extend(api_event, {"arn": second["arn"], "minutes": 21})
    assert (status, body["error"]["code"]) == (422, "EXTENSION_LIMIT")
    assert "20 more minute(s)" in body["error"]["message"]


def test_extending_a_session_without_a_timer_arms_one_with_its_projects_budget(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    """Its creation was never reported (or Scheduler failed then): the extension arms the
    timer from the budget's deadline, and the timer carries the project's budget."""
    world.emulator.tag_resource(world.project("alpha"), {"session-stopper:max-minutes": "45"})
    assert schedules.of(session["arn"]) == (None, None)

    status, body = extend(api_event, {"arn": session["arn"], "minutes": 15})

    assert status == 200
    expiry = schedules.expiry(session["arn"])
    assert expiry.input["budgetMinutes"] == 45
    assert expiry.input["deadline"] == body["deadline"].replace("+00:00", "Z")


def test_an_extension_scheduler_refuses_is_answered_503_and_moves_nothing(
    schedules: Schedules, session: dict[str, Any], api_event: Callable[..., dict[str, Any]]
) -> None:
    report_created(session)
    armed = _timers_of(schedules, session["arn"])
    with Stubber(scheduler_client(True)) as scheduler:
        # Not retried (a throttle would be, and answered 429 once spent: test_timer_extend.py).
        scheduler.add_client_error("get_schedule", "ValidationException", "refused")
        status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
        scheduler.assert_no_pending_responses()
    assert (status, body["error"]["code"]) == (503, "SCHEDULER_UNAVAILABLE")
    assert "ValidationException" in body["error"]["message"]
    assert _timers_of(schedules, session["arn"]) == armed


def test_an_extension_device_farm_cannot_answer_is_answered_502(
    world: DeviceFarmWorld,
    schedules: Schedules,
    session: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    report_created(session)
    world.emulator.faults.internal_failure_rate = 1.0
    status, body = extend(api_event, {"arn": session["arn"], "minutes": 5})
    world.emulator.faults.internal_failure_rate = 0.0
    assert (status, body["error"]["code"]) == (502, "DEVICE_FARM_ERROR")


# -- warnings: the cost, and the extension they offer ----------------------------------------------


def test_the_warning_of_an_unmetered_session_costs_nothing(
    world: DeviceFarmWorld, schedules: Schedules, outcome_sink: OutcomeSink
) -> None:
    [free] = world.populate([SessionSpec("alpha", 10, "free", billing_method="UNMETERED")])
    report_created(free)
    warning = schedules.warning(free["arn"])
    outcome_sink.published()

    fire(warning)

    [warned] = by_type(outcome_sink.published(), "warning")
    assert warned["minutesSoFar"] > 40
    assert warned["costSoFarUsd"] == 0.0


def test_the_warning_offers_a_15_minute_step_within_the_room_left(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    report_created(session)
    warning = schedules.warning(session["arn"])
    outcome_sink.published()

    fire(warning)

    [warned] = by_type(outcome_sink.published(), "warning")
    assert warned["extend"]["body"] == {"arn": session["arn"], "minutes": 15}
    assert warned["extend"]["maxMinutes"] == 60


@pytest.mark.parametrize("room", [7, 1])
def test_the_warnings_step_is_never_more_than_the_room_left(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
    room: int,
) -> None:
    monkeypatch.setenv("MAX_EXTENSION_MINUTES", str(room))
    reset_function_caches()
    report_created(session)
    warning = schedules.warning(session["arn"])
    outcome_sink.published()

    fire(warning)

    [warned] = by_type(outcome_sink.published(), "warning")
    assert warned["extend"]["body"] == {"arn": session["arn"], "minutes": room}
    assert warned["extend"]["maxMinutes"] == room


def test_arming_a_session_far_from_its_deadline_warns_no_one_yet(
    schedules: Schedules, session: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    report_created(session)
    published = outcome_sink.published()
    assert [each.attributes["messageType"] for each in published] == ["timer"]
    assert schedules.warning(session["arn"]).at > datetime.now(UTC)


@pytest.mark.parametrize(("before", "left"), [(30, 0.5), (-60, 0.0)])
def test_a_late_warning_tells_the_time_truly_left(
    schedules: Schedules,
    session: dict[str, Any],
    outcome_sink: OutcomeSink,
    before: int,
    left: float,
) -> None:
    """Delivered late (Scheduler is at least once, not on time), the warning neither invents
    time nor counts below zero."""
    report_created(session)
    expiry = schedules.expiry(session["arn"])
    outcome_sink.published()

    fire(schedules.warning(session["arn"]), at=expiry.at - timedelta(seconds=before))

    [warned] = by_type(outcome_sink.published(), "warning")
    assert warned["minutesLeft"] == left
