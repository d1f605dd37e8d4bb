"""The command-flood benchmark's report, on a tiny flood (the figures are the bench's to give)."""

from __future__ import annotations

import json

from bench import command_flood


def test_a_tiny_flood_reports_both_lanes_and_the_kill_switch_stops_the_lab() -> None:
    result = command_flood.run(commands=10)

    json.dumps(result)
    assert result["commands"] == 10
    for lane in ("function", "baseline"):
        figures = result[lane]
        assert figures["lab_sessions_stopped"] == command_flood.LAB_SESSIONS
        assert 0 < figures["first_stop_s"] <= figures["kill_switch_done_s"]
    # The lane's pollers kept to the mapping's MaximumConcurrency.
    assert 1 <= result["function"]["most_batches_in_flight"] <= command_flood.LANE_MAX_CONCURRENCY
    assert result["ratio"] == round(
        result["function"]["first_stop_s"] / result["baseline"]["first_stop_s"], 4
    )
    comparison, target = command_flood.rows(result)
    assert comparison.at_most is None
    assert comparison.ratio == result["ratio"]
    assert (target.at_most, target.baseline) == (1.0, "target 10 s")
    assert command_flood.BASELINES[0].startswith("baseline: ")
