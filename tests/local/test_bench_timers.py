"""The timer benchmark (bench/timers/) on a small plan: what it measures holds by construction.

Ten forgotten sessions through the real function on the local stack, once per run of the bench.
The assertions are structural (every session stopped, by whom, within which bounds on the
emulator's clock), never wall-clock limits. One set of runs serves the module: each run starts
a local stack and walks four hours of emulator time.
"""

from __future__ import annotations

import json
import random

import pytest

from bench import timers
from local.devicefarm_emulator import Timings
from local.scheduler_runner import _Schedule

SESSIONS = 10
SEED = timers.SEED
MAX_DELAY = timers.FIRING_DELAY_MAX_SECONDS
SWEEP_INTERVAL = timers.SWEEP_INTERVAL_MINUTES * 60


@pytest.fixture(scope="module")
def plan() -> timers.Plan:
    return timers.make_plan(SESSIONS, SEED, MAX_DELAY)


@pytest.fixture(scope="module")
def records(plan: timers.Plan) -> dict[str, timers.RunRecord]:
    return {mode.key: timers.run_mode(plan, mode) for mode in timers.MODES}


def test_the_plan_is_seeded_and_spans_budgets_on_both_sides_of_the_default(
    plan: timers.Plan,
) -> None:
    assert timers.make_plan(SESSIONS, SEED, MAX_DELAY) == plan
    assert timers.make_plan(SESSIONS, SEED + 1, MAX_DELAY) != plan
    budgets = {session.budget_minutes for session in plan.sessions}
    assert min(budgets) < timers.DEFAULT_BUDGET_MINUTES < max(budgets)
    offsets = [session.created_offset_seconds for session in plan.sessions]
    assert len(set(offsets)) == len(offsets)
    assert all(0 < offset < timers.SPREAD_MINUTES * 60 for offset in offsets)


def test_every_run_stops_every_session_and_its_records_agree(
    records: dict[str, timers.RunRecord],
) -> None:
    for record in records.values():
        assert len(record.sessions) == SESSIONS, record.mode.key
        assert all(s.stop_called is not None for s in record.sessions), record.mode.key
        assert record.failures == []
        # The stop the outcome reports is the one the emulator recorded.
        assert record.stop_mismatches == []
        # Timers are armed for every session when they are on, and for none when off.
        assert record.armed == (SESSIONS if record.mode.timers else 0), record.mode.key
        assert record.deadline_mismatches == []
        # Every sweep selects by deadline: the scheduled one names no maxAgeMinutes.
        assert record.sweep_selections == ({"deadline": record.sweeps} if record.sweeps else {})
        assert record.sweeps > 0 if record.mode.sweeps else record.sweeps == 0


def test_no_run_stops_a_session_before_its_deadline(
    records: dict[str, timers.RunRecord],
) -> None:
    for record in records.values():
        for session in record.sessions:
            assert session.overshoot_seconds >= 0, (record.mode.key, session.name)
        assert timers.summarize(record)["checks"]["stopped_before_deadline"] == 0


def test_the_timer_stops_each_session_within_the_modelled_firing_delay(
    records: dict[str, timers.RunRecord],
) -> None:
    record = records[timers.TIMERS.key]
    assert {s.stopped_by for s in record.sessions} == {"expiry"}
    assert record.sweeps == 0
    # Warning and expiry for each session, no other firing.
    assert record.fired == 2 * SESSIONS
    for session in record.sessions:
        assert 0 <= session.overshoot_seconds < MAX_DELAY, session.name
        # Billed until the stop call plus the emulator's STOPPING phase, nothing more.
        billed_past = session.minutes_billed_past_deadline * 60
        stopping = Timings().stopping
        assert billed_past == pytest.approx(session.overshoot_seconds + stopping, abs=0.7)


def test_the_sweep_alone_stops_each_session_at_the_first_tick_past_its_own_deadline(
    records: dict[str, timers.RunRecord], plan: timers.Plan
) -> None:
    record = records[timers.SWEEP_ONLY.key]
    assert {s.stopped_by for s in record.sessions} == {"schedule"}
    assert record.fired == 0
    planned = plan.by_name()
    for session in record.sessions:
        # The project's budget, not the default one: the sweep reads the tag with timers off.
        assert session.deadline == session.created + planned[session.name].budget_minutes * 60
        # Created on a whole second, so the deadline is exact (no rounding up) and the sweep,
        # selecting by `created`, stops the session at the first tick at or after it.
        assert 0 <= session.overshoot_seconds < SWEEP_INTERVAL, session.name
        # On a sweep tick of the emulator's clock.
        assert session.stop_called is not None
        start = session.created - planned[session.name].created_offset_seconds
        assert (session.stop_called - start - plan.sweep_phase_seconds) % SWEEP_INTERVAL == 0
        # Billed until the stop call plus the emulator's STOPPING phase, nothing more.
        billed_past = session.minutes_billed_past_deadline * 60
        stopping = Timings().stopping
        assert billed_past == pytest.approx(session.overshoot_seconds + stopping, abs=0.7)


def test_with_the_sweep_as_backstop_no_session_is_stopped_late(
    records: dict[str, timers.RunRecord],
) -> None:
    record = records[timers.TIMERS_WITH_SWEEP.key]
    assert {s.stopped_by for s in record.sessions} <= {"expiry", "schedule"}
    for session in record.sessions:
        # Whichever stops it (the timer, or a tick before the timer's late firing), in time.
        assert 0 <= session.overshoot_seconds < MAX_DELAY, session.name


def test_the_report_compares_the_timer_with_the_sweep_alone(
    plan: timers.Plan, records: dict[str, timers.RunRecord]
) -> None:
    report = timers.report(plan, records)
    json.dumps(report)  # printable as `make bench` prints it
    assert report["seed"] == SEED
    assert report["target_met"] is True
    assert report["target_misses"] == 0
    for key, mode in (
        ("timers", timers.TIMERS),
        ("sweep_only", timers.SWEEP_ONLY),
        ("timers_with_sweep", timers.TIMERS_WITH_SWEEP),
    ):
        run = report["runs"][key]
        assert run["explained"] == mode.explained
        assert run["stopped"] == SESSIONS
        figures = run["against_each_sessions_deadline"]
        spread = figures["overshoot_s"]
        assert spread["min"] <= spread["median"] <= spread["p90"] <= spread["p99"]
        assert spread["p99"] <= spread["max"]
        assert run["checks"] == {
            "stopped_before_deadline": 0,
            "sweeps_not_selecting_by_deadline": 0,
            "armed_deadline_differs": 0,
            "stop_not_in_emulator_record": 0,
            "invocations_failed": 0,
        }
    timer_run = report["runs"]["timers"]["against_each_sessions_deadline"]
    sweep_run = report["runs"]["sweep_only"]["against_each_sessions_deadline"]
    assert timer_run["share_within_60s"] == 1.0
    assert sweep_run["overshoot_s"]["max"] < SWEEP_INTERVAL
    headline = report["sweep_minus_timer"]
    minutes = headline["device_minutes_per_forgotten_session"]
    assert minutes == pytest.approx(
        sweep_run["device_minutes_past_deadline_mean"]
        - timer_run["device_minutes_past_deadline_mean"],
        abs=0.011,
    )
    assert minutes > 0
    assert headline["usd_per_forgotten_session"] == pytest.approx(
        minutes * timers.PRICE_PER_DEVICE_MINUTE, abs=0.01
    )
    assert headline["device_minutes_per_100_sessions"] == pytest.approx(minutes * 100, abs=0.6)
    assert headline["usd_per_100_sessions"] == pytest.approx(
        minutes * timers.PRICE_PER_DEVICE_MINUTE * 100, abs=0.1
    )
    assert headline["median_overshoot_ratio_sweep_over_timer"] > 1
    assert headline["minutes_past_deadline_ratio_sweep_over_timer"] > 1


def test_the_firing_delay_is_seeded_per_session_and_action_and_bounded() -> None:
    delay = timers.FiringDelay(seed=7, max_seconds=MAX_DELAY)
    delay.session_names["arn:1"] = "forgotten-001"
    same = timers.FiringDelay(seed=7, max_seconds=MAX_DELAY)
    same.session_names["arn:other-run"] = "forgotten-001"

    def schedule(arn: str, action: str) -> _Schedule:
        return _Schedule(
            name="expiry-x",
            arn="arn:s",
            expression="at(2026-11-28T03:04:05)",
            at=0.0,
            state="ENABLED",
            input=json.dumps({"action": action, "arn": arn}),
            action_after_completion="DELETE",
        )

    first = delay.seconds(schedule("arn:1", "expire"))
    assert first == same.seconds(schedule("arn:other-run", "expire"))
    assert first != delay.seconds(schedule("arn:1", "warn"))
    assert timers.FiringDelay(seed=7, max_seconds=0).seconds(schedule("arn:1", "expire")) == 0
    draws = [
        timers.FiringDelay(seed, MAX_DELAY).seconds(schedule("arn:1", "expire"))
        for seed in random.Random(1).sample(range(10**6), 200)
    ]
    assert all(0 <= d < MAX_DELAY for d in draws)
    assert max(draws) - min(draws) > MAX_DELAY / 2


def test_the_summary_table_row_is_built_from_the_real_report(
    plan: timers.Plan, records: dict[str, timers.RunRecord]
) -> None:
    report = timers.report(plan, records)
    (row,) = timers.rows(report)
    timer_spread = report["runs"]["timers"]["against_each_sessions_deadline"]["overshoot_s"]
    sweep_spread = report["runs"]["sweep_only"]["against_each_sessions_deadline"]["overshoot_s"]
    assert row.function == f"{timer_spread['median']:g} s"
    assert row.baseline == f"sweep alone {sweep_spread['median']:g} s"
    assert row.ratio == pytest.approx(timer_spread["median"] / sweep_spread["median"])
