"""`make bench` says what each baseline is: one line per baseline under every benchmark's title,
and the same sentence next to the baseline's numbers in its JSON (as bench/timers/'s runs).

The benchmarks themselves are not run here (minutes of work): their report functions are fed
made-up measurements. Only the cold start runs, once per side.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest

import bench
from bench import __main__ as bench_main
from bench import cold_start, single_stop, sweep, timers
from bench.table import Row


def test_every_benchmark_module_is_run_by_make_bench() -> None:
    with_run = {
        info.name
        for info in pkgutil.iter_modules(bench.__path__)
        if hasattr(importlib.import_module(f"bench.{info.name}"), "run")
    }
    for _, module in bench_main.BENCHMARKS:
        assert callable(module.rows), f"{module.__name__} gives the summary table no rows"
    assert with_run == {module.__name__.rsplit(".", 1)[1] for _, module in bench_main.BENCHMARKS}


@pytest.mark.parametrize(("title", "module"), bench_main.BENCHMARKS, ids=lambda v: str(v)[:20])
def test_each_title_is_followed_by_one_line_per_baseline(title: str, module: Any) -> None:
    baselines = module.BASELINES
    assert baselines, f"{module.__name__} names no baseline"
    lines = bench_main.header(title, module).splitlines()
    assert lines[0] == f"== {title}"
    assert lines[1:] == list(baselines)
    for line in lines[1:]:
        assert line.startswith("baseline: "), line
        assert len(line.split()) >= 8, f"too short to say what it is: {line!r}"


def test_main_prints_the_baselines_before_each_benchmark_s_numbers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _, module in bench_main.BENCHMARKS:
        name = module.__name__
        monkeypatch.setattr(module, "run", lambda name=name: {"ratio": 1.0, "of": name})
        monkeypatch.setattr(
            module, "rows", lambda result: [Row(result["of"], "figure", "2 s", "1 s", 2.0)]
        )
    printed: list[str] = []
    bench_main.main(echo=printed.append)
    text = "\n".join(printed)
    for title, module in bench_main.BENCHMARKS:
        block = text.split(f"== {title}\n", 1)[1]
        assert block.startswith("\n".join(module.BASELINES) + "\n{")
    # Then one table: a row per figure every benchmark reported, in order.
    table = text.split("== every figure against its baseline", 1)[1].splitlines()[1:]
    assert table[0].split("|")[1].strip() == "benchmark"
    assert [line.split("|")[1].strip() for line in table[2:]] == [
        module.__name__ for _, module in bench_main.BENCHMARKS
    ]


def test_the_timers_baseline_is_its_sweep_only_run() -> None:
    (sweep_only,) = timers.BASELINES
    assert sweep_only == timers.SWEEP_ONLY.explained


@pytest.mark.parametrize(
    ("module", "report"),
    [
        (
            single_stop,
            single_stop.report(
                {
                    side: [
                        {
                            "ms": ms,
                            "calls": 3,
                            "sequential": 3,
                            "by_operation": {},
                            "timeline": [],
                        }
                        for ms in (1.0, 2.0, 3.0)
                    ]
                    for side in single_stop.SIDES
                }
            ),
        ),
        (
            sweep,
            sweep.report(
                {"wall_s": 2.0, "peak_rss_mib": 50.0, "stopped": 1000},
                {"wall_s": 3.0, "peak_rss_mib": 75.0, "stopped": 1000},
            ),
        ),
    ],
    ids=["single_stop", "sweep"],
)
def test_each_side_of_a_report_says_what_it_is(module: Any, report: dict[str, Any]) -> None:
    json.dumps(report)
    assert report["baseline"]["explained"] == module.BASELINES[0]
    assert report["function"]["explained"]
    assert report["function"]["explained"] != report["baseline"]["explained"]


def test_the_cold_start_runs_and_explains_both_sides() -> None:
    report = cold_start.run(samples=1)
    assert report["baseline"]["explained"] == cold_start.BASELINES[0]
    assert report["function"]["explained"].startswith("the function's cold start")
    assert report["baseline"]["median_s"] > 0
    assert report["ratio"] == report["function"]["median_s"] / report["baseline"]["median_s"]


def test_named_benchmarks_run_alone_and_unknown_names_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _, module in bench_main.BENCHMARKS:
        name = module.__name__
        monkeypatch.setattr(module, "run", lambda name=name: {"of": name})
        monkeypatch.setattr(module, "rows", lambda result: [Row(result["of"], "f", "1", "1")])
    printed: list[str] = []
    bench_main.main(echo=printed.append, names=["account_sweep", "paced_sweep"])
    table = printed[-1].splitlines()[2:]
    ran = [line.split("|")[1].strip() for line in table]
    assert ran == ["bench.paced_sweep", "bench.account_sweep"]  # make bench's order
    with pytest.raises(SystemExit, match="no such benchmark: sweeps"):
        bench_main.main(echo=printed.append, names=["sweeps"])
