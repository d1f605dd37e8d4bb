"""Sweeps over N accounts, each at Device Farm's own per-account pace (issue 18).

Device Farm's quotas are each account's: N accounts in scope have N sets of buckets, so a sweep
over them can stop N times as fast as over one, if the function keeps every account's quota busy
at once (a pacer per account, work in per-account lanes). The run: the hub's account and N - 1
member accounts, 100 two-hour-old sessions in each, every one selected; the real handler in a
child process, assuming each member's spoke role through the local STS gate (which checks the
role's trust policy against moto's IAM, as IAM would) and calling the emulator with those
credentials; the emulator's buckets on in every account, refilling TIME_SCALE times faster than
the service (bursts unchanged) and the function pacing at the same scaled rates, as
bench/paced_sweep.py does for one account. Throughput is measured from the times each account
admitted each Stop, and reported in service time (divided by the scale).
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.paced_sweep import (
    QUOTA,
    STOP_BURST,
    STOP_RATE,
    after_burst,
    paced_rate,
    pacing_environment,
    rate_limited,
    record_stops,
)
from bench.sweep import _child, aged_world, moto_server, outcome_plumbing
from bench.table import Row
from local.accounts.members import LocalMember, MemberScope, create_spoke_role, member_environment
from local.accounts.sts_gate import StsGate
from local.devicefarm_emulator import running_emulator
from local.devicefarm_emulator.accounts import CredentialsRegistry

SESSIONS_PER_ACCOUNT = 100
# (accounts in scope, time scale). The scale shrinks with N so that the machine (2 cores: moto,
# the emulator and the STS gate in this process, the function in its child) does not set the
# rate: N accounts need N x scale x 0.95 Stops per real second (4.75, 9.5, 19), each Stop
# several calls to moto and the emulator. At 20 accounts even scale 2 (38/s) is too many: every
# account's burst at once (180 Stops) then takes seconds, the pacers' buckets refill meanwhile,
# and the rate after the burst reads more than the pacer's 95 % allows (phases()); at scale 1
# nothing is scaled: the run is the service's own time, about 100 s.
RUNS = ((1, 5.0), (5, 2.0), (20, 1.0))
TARGET = 0.9
# The invocation's time limit less the reserve the sweep keeps for its summary
# (entrypoints/sweeps.py ASYNC_RESERVE_SECONDS): the service time one invocation may sweep.
ONE_INVOCATION_S = 900.0 - 60.0
BASELINE_EXPLAINED = (
    "baseline: N times the per-account quota: each account in scope has its own Device Farm "
    f"buckets (Stop: burst {STOP_BURST}, then {STOP_RATE:g}/s), so after the burst N accounts "
    f"can take N Stops/s, and {SESSIONS_PER_ACCOUNT} sessions in each take "
    f"({SESSIONS_PER_ACCOUNT} - {STOP_BURST}) s of service time whatever N; the function's "
    "figures are ratios to it"
)
BASELINES = (BASELINE_EXPLAINED,)


def member_ids(count: int) -> tuple[str, ...]:
    return tuple(f"{100_000_000_001 + number:012d}" for number in range(count))


def spoke_roles(moto_url: str, count: int) -> tuple[str, ...]:
    """`count` member accounts whose spoke role is in moto's IAM (once per moto server: its
    state outlives the runs)."""
    members = member_ids(count)
    for account in members:
        create_spoke_role(moto_url, account)
    return members


@contextmanager
def sts_gate(moto_url: str, credentials: CredentialsRegistry) -> Iterator[StsGate]:
    gate = StsGate(moto_url, credentials).start()
    try:
        yield gate
    finally:
        gate.stop()


def _scope(members: Sequence[str], sts_url: str, moto_url: str) -> dict[str, str]:
    """The members in scope, out of dry run (none: the hub alone, today's settings)."""
    if not members:
        return {}
    scope = MemberScope(tuple(LocalMember(account, dry_run=False) for account in members))
    return member_environment(scope, sts_url, moto_url)


def _run(
    accounts: int,
    scale: float,
    environment: dict[str, str],
    members: Sequence[str],
    sessions: int = SESSIONS_PER_ACCOUNT,
) -> dict[str, Any]:
    """The hub and `accounts` - 1 of `members` (their spoke roles made by `spoke_roles`),
    `sessions` in each."""
    in_scope = tuple(members[: accounts - 1])
    moto_url = environment["AWS_ENDPOINT_URL_SNS"]
    emulator = aged_world(projects=1, sessions_per_project=sessions, members=in_scope)
    rate_limited(emulator, scale)
    served = emulator.accounts()
    admitted = {account: record_stops(each) for account, each in served.items()}
    with running_emulator(emulator) as server, sts_gate(moto_url, emulator.credentials) as gate:
        env = {
            **environment,
            **outcome_plumbing(moto_url),
            **pacing_environment(scale),
            **_scope(in_scope, gate.url, moto_url),
            "AWS_ENDPOINT_URL_DEVICE_FARM": server.url,
        }
        started = time.monotonic()
        measured = _child("function", env)
    throttled = sum(sum(each.throttled_counts.values()) for each in served.values())
    observed = _Observed(started, scale, admitted, throttled)
    return _report(accounts, sessions, measured, observed)


@dataclass(frozen=True)
class _Observed:
    """What the emulator saw: when the child started, each account's admitted Stops (monotonic
    times) and how many calls its buckets refused."""

    started: float
    scale: float
    admitted: dict[str, list[float]]
    throttled: int

    def rate_from_first_stop(self) -> float:
        """The same throughput counted from the first Stop of any account, less each account's
        burst: (Stops - 10 per account) / (last Stop - first Stop). A start-up that lags (the
        machine busy with every account's burst at once) lets the pacer's bucket refill before
        the burst's last Stop, which the rate after the burst counts as throughput and this
        one does not; for the function's pacer (burst 9, 95 % of the rate) its best is 0.94."""
        stops = [sorted(times) for times in self.admitted.values() if len(times) > STOP_BURST]
        if not stops:
            return 0.0
        span = max(times[-1] for times in stops) - min(times[0] for times in stops)
        count = sum(len(times) - STOP_BURST for times in stops)
        return count / span / self.scale if span > 0 else 0.0

    def phases(self) -> dict[str, float]:
        """Service seconds from the child's start to the first Stop (start-up, listing every
        account, assuming the roles); from the first account's first Stop to the last
        account's; and the longest any account took from its first Stop to its burst's last
        (ideally 1 s: the pacer's burst is 9, the 10th waits a token). Longer: the machine
        lagged, or an account started late."""
        firsts = [min(times) for times in self.admitted.values() if times]
        bursts = [
            after_burst(times)[0] - min(times)
            for times in self.admitted.values()
            if len(times) >= STOP_BURST
        ]
        return {
            "to_first_stop": round((min(firsts) - self.started) * self.scale, 2),
            "first_stops_spread": round((max(firsts) - min(firsts)) * self.scale, 2),
            "slowest_burst": round(max(bursts) * self.scale, 2),
        }


def _report(
    accounts: int, sessions: int, measured: dict[str, Any], observed: _Observed
) -> dict[str, Any]:
    admitted, scale = observed.admitted, observed.scale
    paced = {account: after_burst(times) for account, times in admitted.items()}
    aggregate = paced_rate(list(paced.values()), scale)
    per_account = {
        account: round(paced_rate([times], scale), 3) for account, times in paced.items()
    }
    quota = accounts * STOP_RATE
    ideal_s = (sessions - STOP_BURST) / STOP_RATE
    wall_service_s = measured["wall_s"] * scale
    return {
        "accounts": accounts,
        "in_scope": "the hub's account" + (f" + {accounts - 1} members" if accounts > 1 else ""),
        "sessions_per_account": sessions,
        "sessions": accounts * sessions,
        "quota_per_account": QUOTA,
        "time_scale": scale,
        "stops_per_s_after_burst": round(aggregate, 3),
        "ideal_stops_per_s": quota,
        "throughput_ratio": round(aggregate / quota, 3),
        "stops_per_s_from_first_stop": round(observed.rate_from_first_stop(), 3),
        "per_account_stops_per_s": per_account,
        "slowest_account_stops_per_s": min(per_account.values()),
        "stops_by_account": {account: len(times) for account, times in admitted.items()},
        "throttling_answers": observed.throttled,
        "failed": measured["outcomes"].get("FAILED", 0),
        "stopped": measured["stopped"],
        "outcomes": measured["outcomes"],
        "accounts_not_reached": measured["accounts_not_reached"],
        "left_undone": measured["left_undone"],
        "continued_in_a_chain": measured["continued"],
        "fits_one_invocation": wall_service_s <= ONE_INVOCATION_S,
        "peak_rss_mib": round(measured["peak_rss_mib"], 1),
        "wall_s_measured": round(measured["wall_s"], 2),
        "wall_s_in_service_time": round(wall_service_s, 1),
        "ideal_s_in_service_time": ideal_s,
        "wall_ratio": round(wall_service_s / ideal_s, 3),
        "phases_s_in_service_time": observed.phases(),
    }


def run() -> dict[str, Any]:
    with moto_server() as environment:
        members = spoke_roles(environment["AWS_ENDPOINT_URL_SNS"], max(n for n, _ in RUNS) - 1)
        runs = [_run(accounts, scale, environment, members) for accounts, scale in RUNS]
    return {
        "baseline": {"explained": BASELINE_EXPLAINED, "stops_per_s_after_burst": "N x 1.0"},
        "runs": runs,
        "note": (
            "the accounts are swept side by side, so the service time a sweep needs is about "
            f"({SESSIONS_PER_ACCOUNT} - {STOP_BURST}) s whatever N: one invocation (900 s) "
            "holds it, and a continuation chain (tests/integration/test_sweep_chain.py) is "
            "needed only past about 800 sessions per account (9 at once, then 0.95/s for the "
            "840 s an invocation may sweep); wall_s_in_service_time scales the listing, the "
            "role assumptions and the publishing by the time scale too, so it overstates them"
        ),
    }


def _title(run: dict[str, Any]) -> str:
    count = run["accounts"]
    return f"sweep over {count} account{'s' if count > 1 else ''} x {run['sessions_per_account']}"


def _chain(run: dict[str, Any]) -> str:
    if run["continued_in_a_chain"]:
        return "a continuation chain"
    return "one invocation" if run["fits_one_invocation"] else "NOT one invocation"


def rows(result: dict[str, Any]) -> list[Row]:
    """Per N: aggregate throughput after the burst against N x the quota (throttling answers
    and FAILED outcomes in the figure: both must be 0) and counted from the first Stop (its
    best is 0.94x: no credit for a burst the machine was slow to send), the slowest account's,
    the wall time against the quota's ideal, and peak RSS against the one-account run's."""
    runs = result["runs"]
    one = next((run for run in runs if run["accounts"] == 1), runs[0])
    table = []
    for run in runs:
        name, count = _title(run), run["accounts"]
        tally = f"{run['throttling_answers']} throttled, {run['failed']} FAILED"
        table += [
            Row(
                name,
                f"aggregate Stops/s after the burst ({tally})",
                f"{run['stops_per_s_after_burst']:.2f}/s",
                f"{count} x quota {STOP_RATE:g}/s",
                run["throughput_ratio"],
                at_least=TARGET,
            ),
            Row(
                name,
                "aggregate Stops/s from the first Stop, less the bursts",
                f"{run['stops_per_s_from_first_stop']:.2f}/s",
                f"{count} x quota {STOP_RATE:g}/s",
                run["stops_per_s_from_first_stop"] / (count * STOP_RATE),
            ),
            Row(
                name,
                "slowest account's Stops/s after the burst",
                f"{run['slowest_account_stops_per_s']:.3f}/s",
                f"quota {STOP_RATE:g}/s",
                run["slowest_account_stops_per_s"] / STOP_RATE,
            ),
            Row(
                name,
                f"wall time, service time ({_chain(run)}, scale {run['time_scale']:g})",
                f"{run['wall_s_in_service_time']:.0f} s",
                f"ideal {run['ideal_s_in_service_time']:.0f} s",
                run["wall_ratio"],
            ),
            Row(
                name,
                "peak RSS of the function's process",
                f"{run['peak_rss_mib']:.1f} MiB",
                f"1 account {one['peak_rss_mib']:.1f} MiB",
                run["peak_rss_mib"] / one["peak_rss_mib"],
            ),
        ]
    return table
