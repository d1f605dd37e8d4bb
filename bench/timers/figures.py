"""The timer benchmark's figures (bench/timers/__init__.py): each run's overshoot and cost against
each session's own deadline, and the sweep-only baseline compared with the timers."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from bench.timers.plan import SWEEP_ONLY, TIMERS
from bench.timers.run import RunRecord, SessionResult

PRICE_PER_DEVICE_MINUTE = 0.17  # metered, as the function's PRICE_PER_DEVICE_MINUTE
ON_TIME_SECONDS = 60.0  # the target


def distribution(values: Sequence[float]) -> dict[str, float]:
    """min / median / p90 / p99 / max, in seconds, to the tenth."""
    ordered = sorted(values)
    if len(ordered) == 1:
        ordered = ordered * 2
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "min": round(ordered[0], 1),
        "median": round(statistics.median(ordered), 1),
        "p90": round(cuts[89], 1),
        "p99": round(cuts[98], 1),
        "max": round(ordered[-1], 1),
    }


def minutes_past_deadline_mean(sessions: Sequence[SessionResult]) -> float:
    return statistics.fmean(s.minutes_billed_past_deadline for s in sessions)


def figures(sessions: Sequence[SessionResult]) -> dict[str, Any]:
    """Overshoot and cost of a run against each session's own deadline."""
    overshoot = [s.overshoot_seconds for s in sessions]
    minutes = minutes_past_deadline_mean(sessions)
    return {
        "overshoot_s": distribution(overshoot),
        "share_within_60s": round(
            sum(0 <= o <= ON_TIME_SECONDS for o in overshoot) / len(overshoot), 3
        ),
        "device_minutes_past_deadline_mean": round(minutes, 2),
        "usd_past_deadline_mean": round(minutes * PRICE_PER_DEVICE_MINUTE, 2),
    }


def summarize(record: RunRecord) -> dict[str, Any]:
    sessions = record.sessions
    return {
        "explained": record.mode.explained,
        "stopped": sum(s.stop_called is not None for s in sessions),
        "stopped_by": dict(Counter(s.stopped_by for s in sessions)),
        "timers_armed": record.armed,
        "schedules_fired": record.fired,
        "sweeps": record.sweeps,
        "checks": {
            "stopped_before_deadline": sum(s.overshoot_seconds < 0 for s in sessions),
            "sweeps_not_selecting_by_deadline": record.sweeps - record.sweep_selections["deadline"],
            "armed_deadline_differs": len(record.deadline_mismatches),
            "stop_not_in_emulator_record": len(record.stop_mismatches),
            "invocations_failed": len(record.failures),
        },
        "wall_s": round(record.wall_seconds, 1),
        "against_each_sessions_deadline": figures(sessions),
    }


def _ratio(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 1) if denominator > 0 else None


def compare(records: dict[str, RunRecord]) -> dict[str, Any]:
    """The sweep-only baseline minus the timers, both against each session's own deadline: the
    same deadlines now, so what differs is only how late each stop comes."""
    timers, sweep = records[TIMERS.key].sessions, records[SWEEP_ONLY.key].sessions
    timer_minutes = minutes_past_deadline_mean(timers)
    sweep_minutes = minutes_past_deadline_mean(sweep)
    minutes = sweep_minutes - timer_minutes
    timer_overshoot = [s.overshoot_seconds for s in timers]
    return {
        "target": (
            f"timers: every session stopped within {ON_TIME_SECONDS:g} s after its deadline "
            "(Scheduler's documented precision)"
        ),
        "target_met": all(s.stop_called is not None for s in timers)
        and all(0 <= o <= ON_TIME_SECONDS for o in timer_overshoot),
        "target_misses": sum(
            s.stop_called is None or not 0 <= o <= ON_TIME_SECONDS
            for s, o in zip(timers, timer_overshoot, strict=True)
        ),
        "sweep_minus_timer": {
            "explained": (
                "the sweep-only baseline minus the timers, per forgotten session and per 100 "
                "(device-minutes billed past each session's deadline, created + its project's "
                f"budget, at ${PRICE_PER_DEVICE_MINUTE:g} each)"
            ),
            "device_minutes_per_forgotten_session": round(minutes, 2),
            "usd_per_forgotten_session": round(minutes * PRICE_PER_DEVICE_MINUTE, 2),
            "device_minutes_per_100_sessions": round(minutes * 100, 1),
            "usd_per_100_sessions": round(minutes * PRICE_PER_DEVICE_MINUTE * 100, 2),
            "median_overshoot_ratio_sweep_over_timer": _ratio(
                statistics.median(s.overshoot_seconds for s in sweep),
                statistics.median(timer_overshoot),
            ),
            "minutes_past_deadline_ratio_sweep_over_timer": _ratio(sweep_minutes, timer_minutes),
        },
    }
