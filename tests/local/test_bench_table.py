"""The table `make bench` ends with: targets, whether each is met, and each module's rows
from made-up reports (the benchmarks themselves take minutes)."""

from __future__ import annotations

import pytest

from bench import paced_sweep, snapstart
from bench.table import Row, render, seconds


@pytest.mark.parametrize(
    ("row", "target", "met"),
    [
        (Row("b", "f", "1", "1", 1.2, at_most=1.2), "<= 1.2x", "yes"),
        (Row("b", "f", "1", "1", 1.21, at_most=1.2), "<= 1.2x", "NO"),
        (Row("b", "f", "1", "1", 0.9, at_least=0.9), ">= 0.9x", "yes"),
        (Row("b", "f", "1", "1", 0.89, at_least=0.9), ">= 0.9x", "NO"),
        (Row("b", "f", "1", "1", 3.0), "reported", ""),
        (Row("b", "f", "1", "1", None, at_most=2.0), "<= 2x", ""),
    ],
)
def test_target_and_whether_it_is_met(row: Row, target: str, met: str) -> None:
    assert (row.target, row.met) == (target, met)


def test_render_aligns_every_column() -> None:
    text = render([Row("bench", "figure", "120 ms", "bare 60 ms", 2.0, at_most=1.5)])
    header, rule, line = text.splitlines()
    assert len(header) == len(rule) == len(line)
    assert [cell.strip() for cell in line.split("|")[1:-1]] == [
        "bench",
        "figure",
        "120 ms",
        "bare 60 ms",
        "2.00x",
        "<= 1.5x",
        "NO",
    ]


def test_seconds_reads_as_milliseconds_under_ten_seconds() -> None:
    assert (seconds(0.0425), seconds(12.34)) == ("42 ms", "12.3 s")


def test_snapstart_rows_carry_its_three_targets() -> None:
    sample = {"init_s": 0.3, "first_s": 0.1, "warm_s": 0.01, "rss_mib": 40.0}
    primed = {"init_s": 1.2, "first_s": 0.012, "warm_s": 0.01, "rss_mib": 80.0}
    plain = {"init_s": 0.6, "first_s": 0.2, "warm_s": 0.01, "rss_mib": 50.0}
    report = snapstart.report({"bare": [sample], "primed": [primed], "plain": [plain]})
    rows = snapstart.rows(report)
    targets = {row.figure: (row.ratio, row.target, row.met) for row in rows}
    assert targets["first invocation after priming"] == (1.2, "<= 1.2x", "yes")
    assert targets["plain cold start, one route (import + first stop)"] == (2.0, "<= 2x", "yes")
    assert targets["peak RSS, plain"] == (1.25, "<= 1.5x", "yes")
    assert targets["primed init (import + priming: once per version)"][1] == "reported"


def test_paced_sweep_rows_hold_throttles_and_failures_with_the_throughput() -> None:
    run = {
        "sessions": 100,
        "stops_per_s_after_burst": 0.95,
        "throughput_ratio": 0.95,
        "wall_s_in_service_time": 95.0,
        "ideal_s_in_service_time": 90.0,
        "wall_ratio": 1.056,
        "throttling_answers": 0,
        "failed": 0,
    }
    throughput, wall = paced_sweep.rows({"runs": [run]})
    assert throughput.figure == "Stops/s after the burst (0 throttled, 0 FAILED)"
    assert (throughput.ratio, throughput.met) == (0.95, "yes")
    assert (wall.ratio, wall.target) == (1.056, "reported")
