"""The paced-sweep benchmark runs the real handler against the emulator's rate limits."""

from __future__ import annotations

import json

from bench import paced_sweep
from bench.sweep import moto_server


def test_a_small_paced_run_reports_every_figure_and_stops_all() -> None:
    with moto_server() as environment:
        measured = paced_sweep._run(50, 20.0, environment)
    json.dumps(measured)
    assert measured["sessions"] == measured["stopped"] == 50
    assert measured["failed"] == 0
    assert measured["throttling_answers"] == 0
    assert measured["ideal_s_in_service_time"] == 40.0
    # 40 Stops after the burst, paced at 95 % of the scaled quota; over a run of two seconds
    # one late start of the measured window shows as a little more than the quota.
    assert 0.8 <= measured["throughput_ratio"] <= 1.2
    assert paced_sweep.BASELINES[0].startswith("baseline: ")
