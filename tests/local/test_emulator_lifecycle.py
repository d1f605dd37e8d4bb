"""Session lifecycle driven by the clock: states, timestamps, device minutes, concurrency."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock, NotFoundError, WallClock

ORDER = ["PENDING_CONCURRENCY", "PENDING", "PREPARING", "RUNNING", "STOPPING", "COMPLETED"]


@pytest.fixture
def emu() -> DeviceFarmEmulator:
    return DeviceFarmEmulator(clock=ManualClock(start=1_700_000_000.0))


@pytest.fixture
def project(emu: DeviceFarmEmulator) -> str:
    return str(emu.create_project("lifecycle")["arn"])


def _status(emu: DeviceFarmEmulator, arn: str) -> str:
    return str(emu.get_session(arn)["status"])


def test_a_new_session_goes_pending_preparing_running(
    emu: DeviceFarmEmulator, project: str
) -> None:
    session = emu.create_session(project, name="s")
    arn = session["arn"]
    assert (session["status"], session["result"]) == ("PENDING", "PENDING")
    assert "started" not in session
    assert "endpoints" not in session
    emu.clock.advance(seconds=9.9)
    assert _status(emu, arn) == "PENDING"
    emu.clock.advance(seconds=0.1)
    assert _status(emu, arn) == "PREPARING"
    emu.clock.advance(seconds=50)
    running = emu.get_session(arn)
    assert running["status"] == "RUNNING"
    assert running["started"] == session["created"] + 60
    assert set(running["endpoints"]) == {"remoteDriverEndpoint", "interactiveEndpoint"}


def test_stop_goes_stopping_then_completed_stopped(emu: DeviceFarmEmulator, project: str) -> None:
    arn = emu.create_session(project)["arn"]
    emu.clock.advance(minutes=11)
    stopping = emu.stop_session(arn)
    assert (stopping["status"], stopping["result"]) == ("STOPPING", "PENDING")
    assert "stopped" not in stopping
    emu.clock.advance(seconds=5)
    done = emu.get_session(arn)
    assert (done["status"], done["result"]) == ("COMPLETED", "STOPPED")
    assert done["stopped"] == stopping["created"] + 11 * 60 + 5
    assert done["deviceMinutes"]["total"] == pytest.approx(10.08, abs=0.01)
    emu.clock.advance(minutes=30)
    assert emu.get_session(arn)["deviceMinutes"] == done["deviceMinutes"]  # billing ended


def test_stop_on_an_ended_session_answers_it_unchanged(
    emu: DeviceFarmEmulator, project: str
) -> None:
    arn = emu.create_session(project)["arn"]
    emu.clock.advance(minutes=5)
    first = emu.stop_session(arn)
    emu.clock.advance(seconds=2)
    assert emu.stop_session(arn)["status"] == "STOPPING"  # a second stop does not restart it
    emu.clock.advance(seconds=3)
    completed = emu.get_session(arn)
    emu.clock.advance(minutes=1)
    assert emu.stop_session(arn) == completed
    assert completed["stopped"] == first["created"] + 5 * 60 + 5


def test_sessions_end_passed_after_150_minutes_of_running(
    emu: DeviceFarmEmulator, project: str
) -> None:
    arn = emu.create_session(project)["arn"]
    emu.clock.advance(seconds=60)
    started = emu.get_session(arn)["started"]
    emu.clock.advance(minutes=150, seconds=-0.5)
    assert _status(emu, arn) == "RUNNING"
    emu.clock.advance(seconds=0.5)
    ended = emu.get_session(arn)
    assert (ended["status"], ended["result"]) == ("COMPLETED", "PASSED")
    assert ended["stopped"] == started + 150 * 60
    assert ended["deviceMinutes"] == {"total": 150.0, "metered": 150.0, "unmetered": 0.0}
    assert "endpoints" not in ended


@pytest.mark.parametrize(
    ("billing", "expected"),
    [("METERED", {"total": 10.0, "metered": 10.0, "unmetered": 0.0}),
     ("UNMETERED", {"total": 10.0, "metered": 0.0, "unmetered": 10.0})],
)  # fmt: skip
def test_device_minutes_grow_with_running_time(
    emu: DeviceFarmEmulator, project: str, billing: str, expected: dict[str, float]
) -> None:
    arn = emu.create_session(project, billing_method=billing)["arn"]
    emu.clock.advance(seconds=60)
    assert emu.get_session(arn)["deviceMinutes"]["total"] == 0.0
    emu.clock.advance(minutes=10)
    assert emu.get_session(arn)["deviceMinutes"] == expected


def test_a_third_metered_session_waits_for_a_slot(emu: DeviceFarmEmulator, project: str) -> None:
    first, second, third = (emu.create_session(project)["arn"] for _ in range(3))
    emu.clock.advance(minutes=5)
    assert [_status(emu, a) for a in (first, second, third)] == [
        "RUNNING",
        "RUNNING",
        "PENDING_CONCURRENCY",
    ]
    assert "concurrency" in emu.get_session(third)["message"]
    emu.stop_session(second)
    emu.clock.advance(seconds=4.9)
    assert _status(emu, third) == "PENDING_CONCURRENCY"  # the slot frees when STOPPING ends
    emu.clock.advance(seconds=0.1)
    assert _status(emu, third) == "PENDING"
    emu.clock.advance(seconds=60)
    waited = emu.get_session(third)
    assert waited["status"] == "RUNNING"
    assert waited["started"] == waited["created"] + 5 * 60 + 5 + 60


def test_a_slot_also_frees_at_the_150_minute_limit(emu: DeviceFarmEmulator, project: str) -> None:
    emu.create_session(project)
    emu.clock.advance(minutes=1)
    emu.create_session(project)
    third = emu.create_session(project)["arn"]
    emu.clock.advance(minutes=150)
    assert _status(emu, third) == "PENDING"  # the first session ended at 151 minutes
    emu.clock.advance(minutes=150)
    assert emu.get_session(third)["result"] == "PENDING"
    emu.clock.advance(minutes=150)
    assert emu.get_session(third)["result"] == "PASSED"


def test_unmetered_sessions_neither_count_nor_wait(emu: DeviceFarmEmulator, project: str) -> None:
    unmetered = [emu.create_session(project, billing_method="UNMETERED")["arn"] for _ in range(3)]
    metered = [emu.create_session(project)["arn"] for _ in range(2)]
    late_unmetered = emu.create_session(project, billing_method="UNMETERED")["arn"]
    emu.clock.advance(minutes=2)
    assert {_status(emu, a) for a in [*unmetered, *metered, late_unmetered]} == {"RUNNING"}
    assert _status(emu, emu.create_session(project)["arn"]) == "PENDING_CONCURRENCY"


def test_stopping_a_queued_session_gives_its_turn_to_the_next(
    emu: DeviceFarmEmulator, project: str
) -> None:
    holders = [emu.create_session(project)["arn"] for _ in range(2)]
    queued, next_in_line = (emu.create_session(project)["arn"] for _ in range(2))
    emu.clock.advance(minutes=1)
    emu.stop_session(queued)
    emu.clock.advance(seconds=5)
    skipped = emu.get_session(queued)
    assert (skipped["status"], skipped["result"]) == ("COMPLETED", "STOPPED")
    assert "started" not in skipped
    assert skipped["deviceMinutes"]["total"] == 0.0
    emu.stop_session(holders[0])
    emu.clock.advance(seconds=5)
    assert _status(emu, next_in_line) == "PENDING"


def test_a_burst_of_metered_sessions_starts_one_pair_at_a_time(
    emu: DeviceFarmEmulator, project: str
) -> None:
    arns = [emu.create_session(project)["arn"] for _ in range(6)]
    for running_pair in range(3):
        emu.clock.advance(minutes=2)
        statuses = [_status(emu, arn) for arn in arns]
        assert statuses[2 * running_pair : 2 * running_pair + 2] == ["RUNNING", "RUNNING"]
        assert statuses[2 * running_pair + 2 :] == ["PENDING_CONCURRENCY"] * (4 - 2 * running_pair)
        emu.clock.advance(minutes=149)


def test_the_concurrency_limit_is_configurable() -> None:
    emu = DeviceFarmEmulator(metered_concurrency=1)
    project = emu.create_project("one")["arn"]
    first, second = (emu.create_session(project)["arn"] for _ in range(2))
    assert [_status(emu, first), _status(emu, second)] == ["PENDING", "PENDING_CONCURRENCY"]


def test_unknown_arns_and_projects_are_not_found(emu: DeviceFarmEmulator, project: str) -> None:
    with pytest.raises(NotFoundError):
        emu.get_session(project.replace("project", "session") + "/x/00000")
    with pytest.raises(NotFoundError):
        emu.create_session(project[:-4] + "ffff")
    with pytest.raises(NotFoundError):
        emu.create_session(project, device_arn="arn:aws:devicefarm:us-west-2::device:FFFF")


def test_clocks_only_move_forward() -> None:
    clock = ManualClock(start=100.0)
    assert clock.advance(minutes=1, seconds=1) == 161.0
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    wall = WallClock()
    assert wall.advance(minutes=60) - wall.now() == pytest.approx(0.0, abs=1.0)
    assert wall.now() > ManualClock().now() + 3599


# -- property: the queue and the states stay coherent whatever happens --------------------

actions = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(["METERED", "UNMETERED"])),
        st.tuples(st.just("advance"), st.floats(min_value=0, max_value=4 * 3600)),
        st.tuples(st.just("stop"), st.integers(min_value=0, max_value=30)),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(steps=actions, limit=st.integers(min_value=1, max_value=3))
def test_sessions_never_exceed_the_limit_nor_go_backwards(steps: list[Any], limit: int) -> None:
    emu = DeviceFarmEmulator(metered_concurrency=limit)
    project = emu.create_project("prop")["arn"]
    seen: dict[str, dict[str, Any]] = {}
    for kind, value in steps:
        if kind == "create":
            emu.create_session(project, billing_method=value)
        elif kind == "advance":
            emu.clock.advance(seconds=value)
        elif seen:
            emu.stop_session(sorted(seen)[value % len(seen)])
        sessions = emu.list_sessions(project)
        _check_coherence(sessions, seen, limit)
        now = emu.clock.now()
        seen.update({s["arn"]: {**s, "seenAt": now} for s in sessions})


def _check_coherence(sessions: list[dict[str, Any]], before: dict[str, Any], limit: int) -> None:
    metered = [s for s in sessions if s["billingMethod"] == "METERED"]
    holding = [s for s in metered if s["status"] in ("PENDING", "PREPARING", "RUNNING")]
    assert len(holding) <= limit
    waiting = [s for s in metered if s["status"] == "PENDING_CONCURRENCY"]
    if waiting:  # nobody waits while a slot is free
        assert len(holding) + sum(s["status"] == "STOPPING" for s in metered) >= limit
    for session in sessions:
        previous = before.get(session["arn"])
        if previous is not None:
            _check_no_rewrite_of_the_past(previous, session)


def _check_no_rewrite_of_the_past(previous: dict[str, Any], current: dict[str, Any]) -> None:
    assert ORDER.index(current["status"]) >= ORDER.index(previous["status"])
    assert current["deviceMinutes"]["total"] >= previous["deviceMinutes"]["total"]
    if "started" in previous:
        assert current["started"] == previous["started"]
    elif "started" in current:  # it cannot have started before we last saw it not started
        assert current["started"] > previous["seenAt"]
