"""Late and repeated deliveries never override what the owner decided: a CreateRemoteAccessSession
record that arrives after an extension (or twice), a stale copy of a timer that was moved, and a
sweep all keep the latest deadline an accepted extension gave the session.

Through the real handler: Device Farm on the emulator over HTTP, Scheduler, SNS, SQS and
DynamoDB on moto; the shared set-up is tests/integration/conftest.py and timer_support.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.gateways.extension_ledger import ExtensionLedger
from tests.integration.timer_support import (
    GROUP,
    Schedules,
    by_type,
    created_at,
    extend,
    fire,
    frozen_clock,
    invoke,
    minutes,
    report_created,
    scheduled_sweep,
)
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec

BUDGET = 15


@pytest.fixture
def fresh(
    world: DeviceFarmWorld, schedules: Schedules, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """A session created a minute ago, in a deployment whose budget is 15 minutes."""
    monkeypatch.setenv("SWEEP_MAX_AGE_MINUTES", str(BUDGET))
    reset_function_caches()
    return world.populate([SessionSpec("alpha", 1, "needs-longer")])[0]


def _extended_at_t_plus_2(
    session: dict[str, Any], api_event: Callable[..., dict[str, Any]]
) -> datetime:
    """The owner asks for 30 more minutes two minutes in, before CloudTrail said anything; the
    deadline the answer promised."""
    with frozen_clock(created_at(session) + minutes(2)):
        status, body = extend(api_event, {"arn": session["arn"], "minutes": 30})
    assert status == 200
    return datetime.fromisoformat(body["deadline"])


def _record_arrives(session: dict[str, Any], after_minutes: float) -> Any:
    with frozen_clock(created_at(session) + minutes(after_minutes)):
        return report_created(session)


def test_a_record_arriving_after_an_extension_keeps_the_extended_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    promised = _extended_at_t_plus_2(fresh, api_event)
    assert promised - created_at(fresh) >= minutes(45)

    _record_arrives(fresh, 5)

    expiry, warning = schedules.of(fresh["arn"])
    assert expiry is not None
    assert warning is not None
    assert expiry.at == promised, "a late record never moves the deadline earlier"
    assert warning.at == promised - minutes(5), "nor the warning (which would come at T+10)"
    assert world.status(fresh["arn"]) == "RUNNING"


def test_a_record_twenty_minutes_late_does_not_stop_an_extended_session(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    promised = _extended_at_t_plus_2(fresh, api_event)
    outcome_sink.published()

    _record_arrives(fresh, 20)

    assert world.status(fresh["arn"]) == "RUNNING", "15 minutes passed, but 45 were promised"
    assert schedules.expiry(fresh["arn"]).at == promised
    assert by_type(outcome_sink.published(), "outcome") == []


def test_a_repeated_record_changes_nothing(
    schedules: Schedules, fresh: dict[str, Any], outcome_sink: OutcomeSink
) -> None:
    first = _record_arrives(fresh, 1)
    armed = [(s.at, s.input) for s in schedules.of(fresh["arn"]) if s]
    outcome_sink.published()

    again = _record_arrives(fresh, 3)

    assert first["status"] == "ARMED"
    assert "ignored" in again
    assert [(s.at, s.input) for s in schedules.of(fresh["arn"]) if s] == armed
    assert len(armed) == 2
    assert outcome_sink.published() == [], "the first record announced the timer already"


def test_the_recorded_extension_outlives_its_timer(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    """The timer is gone (Scheduler lost it, an operator deleted it) before the late record
    arrives: the extension, recorded apart from the timer, still holds."""
    promised = _extended_at_t_plus_2(fresh, api_event)
    for name in schedules.names():
        schedules.client.delete_schedule(GroupName=GROUP, Name=name)

    _record_arrives(fresh, 20)

    assert world.status(fresh["arn"]) == "RUNNING"
    assert schedules.expiry(fresh["arn"]).at == promised, "re-armed at the extended deadline"


def test_the_sweep_rearms_a_lost_timer_at_the_extended_deadline(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    promised = _extended_at_t_plus_2(fresh, api_event)
    for name in schedules.names():
        schedules.client.delete_schedule(GroupName=GROUP, Name=name)

    with frozen_clock(created_at(fresh) + minutes(20)):
        summary = scheduled_sweep()

    assert summary["outcomes"] == {}
    assert world.status(fresh["arn"]) == "RUNNING"
    assert schedules.expiry(fresh["arn"]).at == promised


def test_a_stale_copy_of_a_moved_timer_stops_nothing(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    """Scheduler retries an invocation for up to an hour: the T+15 timer's retry may arrive after
    the owner moved it to T+45."""
    _record_arrives(fresh, 1)
    stale = schedules.expiry(fresh["arn"])
    promised = _extended_at_t_plus_2(fresh, api_event)
    outcome_sink.published()

    answer = fire(stale)

    assert "ignored" in answer
    assert world.status(fresh["arn"]) == "RUNNING"
    assert schedules.expiry(fresh["arn"]).at == promised
    assert by_type(outcome_sink.published(), "outcome") == []


def test_a_record_for_a_session_someone_stopped_arms_nothing(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
) -> None:
    _extended_at_t_plus_2(fresh, api_event)
    assert invoke(api_event({"arn": fresh["arn"]}))["statusCode"] == 200
    assert schedules.names() == []

    late = _record_arrives(fresh, 20)

    assert "ignored" in late
    assert schedules.names() == []


def test_a_record_without_an_extension_still_stops_an_overdue_session_at_once(
    world: DeviceFarmWorld, schedules: Schedules, fresh: dict[str, Any]
) -> None:
    answer = _record_arrives(fresh, 20)
    assert answer["outcome"] == "STOPPED"
    assert world.status(fresh["arn"]) in {"STOPPING", "COMPLETED"}


def test_the_sweep_does_not_rearm_a_session_stopped_after_it_was_listed(
    world: DeviceFarmWorld,
    schedules: Schedules,
    fresh: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The sweep acts on a listing taken at its start; a person may stop a session (which
    deletes its timers) before the sweep reaches it."""
    listed = list(DeviceFarmGateway().session_pages(world.project("alpha")))
    world.emulator.stop_session(fresh["arn"])

    def as_listed_before(_self: DeviceFarmGateway, _project: str) -> Iterator[Any]:
        yield from listed

    monkeypatch.setattr(DeviceFarmGateway, "session_pages", as_listed_before)
    summary = scheduled_sweep()

    assert summary["timers"]["armed"] == 0
    assert schedules.names() == [], "a stopped session is never re-armed"


def test_a_stale_copy_of_a_moved_warning_warns_nobody(
    schedules: Schedules,
    fresh: dict[str, Any],
    api_event: Callable[..., dict[str, Any]],
    outcome_sink: OutcomeSink,
) -> None:
    _record_arrives(fresh, 1)
    stale = schedules.warning(fresh["arn"])
    _extended_at_t_plus_2(fresh, api_event)
    outcome_sink.published()

    assert "ignored" in fire(stale)
    assert by_type(outcome_sink.published(), "warning") == [], "it would name the old deadline"


def test_the_extension_record_only_moves_forwards(outcome_sink: OutcomeSink) -> None:
    """Two extensions answered at once may reach the table in either order: the later
    deadline is the one kept."""
    ledger = ExtensionLedger()
    arn = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
    now = datetime.now(UTC).replace(microsecond=0)
    assert ledger.latest(arn) is None

    ledger.record(arn, now + minutes(45), now + minutes(200))
    ledger.record(arn, now + minutes(30), now + minutes(200))

    assert ledger.latest(arn) == now + minutes(45)
