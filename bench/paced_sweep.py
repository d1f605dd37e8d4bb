"""Sweeps at Device Farm's pace: the emulator enforces the service's API rate limits.

Device Farm's documented limits (developer guide, "Limits"): StopRemoteAccessSession, like
every non-read API, bursts 10 and refills 1 per second; List* and Get* burst 50 at 10 per
second. Both runs go through the real handler in a child process (a sweep selecting every
active session, as a kill switch does), with the emulator's buckets on and refilling TIME_SCALE
times faster than the service (bursts unchanged) and the function pacing at the same scaled
rates, so minutes of service time take seconds. Throughput is measured from the times the
emulator admitted each Stop, and reported in service time (divided by the scale).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bench.sweep import _child, aged_world, moto_server, outcome_plumbing
from bench.table import Row
from local.devicefarm_emulator import DeviceFarmEmulator, RateLimitSettings, running_emulator

STOP_RATE, STOP_BURST = 1.0, 10  # the service's quota for Stop
READ_RATE, READ_BURST = 10.0, 50
# (sessions, time scale): 100 sessions, and the 1,000-session sweep against its ideal.
RUNS = ((100, 5.0), (1_000, 20.0))
BASELINE_EXPLAINED = (
    "baseline: the ideal set by the quota, in service time: the burst of 10 Stops at once, "
    "then 1 Stop per second, so N sessions take (N - 10) s (990 s for 1,000) and the best "
    "throughput after the burst is 1.0 stops/s; the function's figures are ratios to it"
)
BASELINES = (BASELINE_EXPLAINED,)
QUOTA = f"Stop: burst {STOP_BURST}, {STOP_RATE:g}/s; List/Get: burst {READ_BURST}, {READ_RATE:g}/s"


def record_stops(emulator: DeviceFarmEmulator) -> list[float]:
    """The monotonic time of every Stop the emulator's account admitted (its buckets let
    through); `emulator` is one account (`DeviceFarmEmulator.account`)."""
    admitted: list[float] = []
    stop = emulator.stop_session

    def timed(arn: str) -> dict[str, Any]:
        admitted.append(time.monotonic())
        return stop(arn)

    emulator.stop_session = timed  # type: ignore[method-assign]
    return admitted


def rate_limited(emulator: DeviceFarmEmulator, scale: float) -> None:
    """Device Farm's limits on in every account the emulator serves, refilling `scale` times
    faster than the service's (bursts unchanged), every bucket full."""
    for account in emulator.accounts().values():
        account.rate_limiter.settings = RateLimitSettings(time_scale=scale)
        account.rate_limiter.refill()


def pacing_environment(scale: float) -> dict[str, str]:
    """The function's pacer at the service's quotas, scaled as the emulator's buckets are."""
    return {
        "DEVICE_FARM_STOP_RATE": str(STOP_RATE * scale),
        "DEVICE_FARM_STOP_BURST": str(STOP_BURST),
        "DEVICE_FARM_READ_RATE": str(READ_RATE * scale),
        "DEVICE_FARM_READ_BURST": str(READ_BURST),
    }


def after_burst(admitted: list[float]) -> list[float]:
    """An account's Stops from the burst's last one on, in order: the paced part of its run."""
    return sorted(admitted)[STOP_BURST - 1 :]


def paced_rate(accounts: Sequence[list[float]], scale: float) -> float:
    """Stops per second of service time after the burst, across `accounts` (each one's
    `after_burst`): the Stops that followed each account's burst over the time from the first
    burst's end to the last Stop of any, so an account that starts late or ends late counts
    against the rate instead of hiding behind the others. One account: its own rate."""
    paced = [stops for stops in accounts if stops]
    if not paced:
        return 0.0
    span = max(stops[-1] for stops in paced) - min(stops[0] for stops in paced)
    count = sum(len(stops) - 1 for stops in paced)
    return count / span / scale if span > 0 else 0.0


def _run(sessions: int, scale: float, environment: dict[str, str]) -> dict[str, Any]:
    emulator = aged_world(projects=max(1, sessions // 200), sessions_per_project=min(200, sessions))
    rate_limited(emulator, scale)
    admitted = record_stops(emulator)
    with running_emulator(emulator) as server:
        plumbing = outcome_plumbing(environment["AWS_ENDPOINT_URL_SNS"])
        pacing = pacing_environment(scale)
        env = {**environment, **plumbing, **pacing, "AWS_ENDPOINT_URL_DEVICE_FARM": server.url}
        measured = _child("function", env)
    rate = paced_rate([after_burst(admitted)], scale)
    ideal_s = (sessions - STOP_BURST) / STOP_RATE
    return {
        "sessions": sessions,
        "quota": QUOTA,
        "time_scale": scale,
        "wall_s_measured": round(measured["wall_s"], 2),
        "wall_s_in_service_time": round(measured["wall_s"] * scale, 1),
        "ideal_s_in_service_time": ideal_s,
        "wall_ratio": round(measured["wall_s"] * scale / ideal_s, 3),
        "stops_per_s_after_burst": round(rate, 3),
        "throughput_ratio": round(rate / STOP_RATE, 3),
        "throttling_answers": sum(emulator.throttled_counts.values()),
        "failed": measured["outcomes"].get("FAILED", 0),
        "stopped": measured["stopped"],
    }


def run() -> dict[str, Any]:
    with moto_server() as environment:
        runs = [_run(sessions, scale, environment) for sessions, scale in RUNS]
    return {
        "baseline": {"explained": BASELINE_EXPLAINED, "stops_per_s_after_burst": STOP_RATE},
        "runs": runs,
        "note": (
            "wall_s_in_service_time scales the whole run (listing and publishing too) by the "
            "time scale, so it overstates them; the child's invocation has time for all of it: "
            "at 1 Stop/s a 1,000-session sweep needs about 1,000 s, more than one 15-minute "
            "invocation, and a deployed sweep continues the rest in a chain of invocations "
            "(tests/integration/test_sweep_chain.py)"
        ),
    }


def rows(result: dict[str, Any]) -> list[Row]:
    """Per run: throughput after the burst and wall time against the quota's ideal, with the
    throttling answers and FAILED outcomes (both must be 0) in the figure."""
    table = []
    for run in result["runs"]:
        name = f"paced sweep, {run['sessions']:,} sessions"
        tally = f"{run['throttling_answers']} throttled, {run['failed']} FAILED"
        table += [
            Row(
                name,
                f"Stops/s after the burst ({tally})",
                f"{run['stops_per_s_after_burst']:.3f}/s",
                f"quota {STOP_RATE:g}/s",
                run["throughput_ratio"],
                at_least=0.9,
            ),
            Row(
                name,
                "wall time, service time",
                f"{run['wall_s_in_service_time']:.0f} s",
                f"ideal {run['ideal_s_in_service_time']:.0f} s",
                run["wall_ratio"],
            ),
        ]
    return table
