"""`make bench`: prints each benchmark's numbers and its ratio against its baseline."""

from __future__ import annotations

import json
import warnings

from bench import cold_start, single_stop, sweep, timers


def main() -> None:
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    for name, benchmark in (
        ("cold start (import + clients)", cold_start.run),
        ("single stop through the handler", single_stop.run),
        ("sweep of 1,000 sessions", sweep.run),
        ("expiry timers against sweeps alone: 100 forgotten sessions", timers.run),
    ):
        print(f"== {name}")
        print(json.dumps(benchmark(), indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
