"""bench/snapstart.py's report: medians per kind, the ratios the issue sets targets for, and
whether each target was met, from made-up samples (the benchmark itself takes minutes)."""

from __future__ import annotations

import json

from bench import snapstart


def sample(init: float, first: float, warm: float, rss: float) -> dict[str, float]:
    return {"init_s": init, "first_s": first, "warm_s": warm, "rss_mib": rss}


def test_ratios_and_targets_from_medians() -> None:
    report = snapstart.report(
        {
            "bare": [sample(0.3, 0.1, 0.01, 40.0)] * 3,
            "primed": [sample(1.2, 0.012, 0.01, 80.0)] * 3,
            "plain": [sample(0.6, 0.2, 0.01, 50.0)] * 3,
        }
    )
    json.dumps(report)
    assert report["samples_per_kind"] == 3
    assert report["ratios"] == {
        "primed_init_over_bare_init": 4.0,
        "first_after_priming_over_warm": 1.2,
        "bare_first_over_warm": 10.0,
        "plain_cold_start_over_bare": 2.0,
        "peak_rss_over_bare": 1.25,
        "primed_peak_rss_over_bare": 2.0,
    }
    assert all(target["met"] for target in report["targets"].values())


def test_every_baseline_line_says_what_it_is() -> None:
    for line in snapstart.BASELINES:
        assert line.startswith("baseline: ")
