"""`make bench`: prints each benchmark's numbers and its ratio against its baseline.

Each benchmark module has `run()`, `rows()` and `BASELINES`, one sentence per baseline it
measures against; the title is followed by those sentences, so a ratio is never read without
knowing what it is a ratio to. After every benchmark's full report, one table gathers every
figure with its baseline, their ratio and its target (bench/table.py).

`python -m bench account_sweep paced_sweep` runs only the benchmarks named (their modules).
"""

from __future__ import annotations

import json
import sys
import warnings
from collections.abc import Callable, Sequence
from types import ModuleType
from typing import Any

from bench import (
    account_sweep,
    cold_start,
    command_flood,
    paced_sweep,
    single_stop,
    snapstart,
    sweep,
    timers,
)
from bench.table import Row, render

BENCHMARKS: tuple[tuple[str, ModuleType], ...] = (
    ("cold start (import + clients)", cold_start),
    ("SnapStart priming and the plain cold start (docs/performance.md)", snapstart),
    ("single stop through the handler", single_stop),
    ("sweep of 1,000 sessions", sweep),
    ("expiry timers against sweeps alone: 100 forgotten sessions", timers),
    ("sweeps at Device Farm's pace: the service's API rate limits on", paced_sweep),
    ("sweeps over N accounts, each at its own Device Farm quota: N = 1, 5 and 20", account_sweep),
    ("a kill switch under a flood of 1,000 caller commands (the command lane)", command_flood),
)


def header(title: str, module: ModuleType) -> str:
    """The title, then one line per baseline (each says 'baseline: ...')."""
    baselines: tuple[str, ...] = module.BASELINES
    return "\n".join([f"== {title}", *baselines])


def chosen(names: Sequence[str]) -> tuple[tuple[str, ModuleType], ...]:
    """The benchmarks whose modules are named, in `make bench`'s order; none named: all."""
    known = {module.__name__.rsplit(".", 1)[1] for _, module in BENCHMARKS}
    unknown = sorted(set(names) - known)
    if unknown:
        raise SystemExit(
            f"no such benchmark: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    if not names:
        return BENCHMARKS
    return tuple(entry for entry in BENCHMARKS if entry[1].__name__.rsplit(".", 1)[1] in names)


def main(echo: Callable[[str], Any] = print, names: Sequence[str] = ()) -> None:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    table: list[Row] = []
    for title, module in chosen(names):
        echo(header(title, module))
        result = module.run()
        echo(json.dumps(result, indent=2, sort_keys=True))
        table += module.rows(result)
    echo("== every figure against its baseline (ratio = function / baseline, same run)")
    echo(render(table))


if __name__ == "__main__":
    main(names=sys.argv[1:])
