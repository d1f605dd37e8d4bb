"""The account-sweep benchmark: the real handler sweeps the hub and member accounts, each member
reached through its spoke role (the STS gate checks the trust policy), every account at its own
emulated quota; and its table rows."""

from __future__ import annotations

import json

from bench import account_sweep
from bench.sweep import moto_server
from local.devicefarm_emulator.accounts import HUB_ACCOUNT_ID


def test_a_small_run_stops_every_account_s_sessions_at_each_account_s_pace() -> None:
    with moto_server() as environment:
        members = account_sweep.spoke_roles(environment["AWS_ENDPOINT_URL_SNS"], 2)
        measured = account_sweep._run(3, 5.0, environment, members, sessions=30)
    json.dumps(measured)
    # Each account's Stops came in through its own credentials: a call with another
    # account's would have been refused (FAILED), and the hub's stay the hub's.
    assert measured["stops_by_account"] == dict.fromkeys((*members, HUB_ACCOUNT_ID), 30)
    assert measured["stopped"] == 90
    assert (measured["failed"], measured["throttling_answers"]) == (0, 0)
    assert measured["accounts_not_reached"] == []
    assert (measured["left_undone"], measured["continued_in_a_chain"]) == (0, False)
    assert measured["ideal_stops_per_s"] == 3.0
    # 20 Stops after each burst at 95 % of the scaled quota, three accounts side by side: one
    # account served after another would show as a third of the aggregate. Over seconds of
    # real time a late start of the measured window shows as a little more than the quota.
    assert 0.8 <= measured["throughput_ratio"] <= 1.2
    assert measured["peak_rss_mib"] > 0


def test_the_hub_alone_is_today_s_single_account_sweep() -> None:
    with moto_server() as environment:
        measured = account_sweep._run(1, 20.0, environment, (), sessions=20)
    assert measured["in_scope"] == "the hub's account"
    assert measured["stops_by_account"] == {HUB_ACCOUNT_ID: 20}


def _run(accounts: int, ratio: float, throttled: int = 0, rss: float = 100.0) -> dict[str, object]:
    return {
        "accounts": accounts,
        "sessions_per_account": 100,
        "time_scale": 1.0,
        "stops_per_s_after_burst": ratio * accounts,
        "stops_per_s_from_first_stop": 0.94 * accounts,
        "throughput_ratio": ratio,
        "slowest_account_stops_per_s": 0.95,
        "throttling_answers": throttled,
        "failed": 0,
        "continued_in_a_chain": False,
        "fits_one_invocation": True,
        "wall_s_in_service_time": 100.0,
        "ideal_s_in_service_time": 90.0,
        "wall_ratio": 1.111,
        "peak_rss_mib": rss,
    }


def test_rows_hold_the_aggregate_target_and_memory_against_one_account() -> None:
    rows = account_sweep.rows({"runs": [_run(1, 0.95), _run(20, 0.89, throttled=2, rss=150.0)]})
    by_figure = {(row.benchmark, row.figure): row for row in rows}
    one = by_figure[
        ("sweep over 1 account x 100", "aggregate Stops/s after the burst (0 throttled, 0 FAILED)")
    ]
    assert (one.ratio, one.target, one.met) == (0.95, ">= 0.9x", "yes")
    twenty = by_figure[
        (
            "sweep over 20 accounts x 100",
            "aggregate Stops/s after the burst (2 throttled, 0 FAILED)",
        )
    ]
    assert (twenty.function, twenty.baseline, twenty.met) == ("17.80/s", "20 x quota 1/s", "NO")
    counted_from_first = by_figure[
        ("sweep over 20 accounts x 100", "aggregate Stops/s from the first Stop, less the bursts")
    ]
    assert (round(counted_from_first.ratio or 0, 2), counted_from_first.target) == (
        0.94,
        "reported",
    )
    memory = by_figure[("sweep over 20 accounts x 100", "peak RSS of the function's process")]
    assert (memory.baseline, memory.ratio) == ("1 account 100.0 MiB", 1.5)
    wall = by_figure[
        ("sweep over 20 accounts x 100", "wall time, service time (one invocation, scale 1)")
    ]
    assert (wall.ratio, wall.target) == (1.111, "reported")
