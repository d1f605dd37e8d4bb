"""Cold start: importing the handler and building its clients, against a bare boto3 handler.

Each sample is a fresh interpreter (what a Lambda cold start pays for imports); the ratio is
the median of the function's samples over the median of the baseline's.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.table import Row, seconds

BASELINE = "import boto3\nclient = boto3.client('devicefarm', region_name='us-west-2')\n"
FUNCTION = (
    "import session_stopper.handler\n"
    "from session_stopper.entrypoints.dependencies import stop_service\n"
    "stop_service()\n"
)
ENV = {
    "OUTCOME_TOPIC_ARN": "arn:aws:sns:eu-west-1:123456789012:outcomes",
    "OUTCOME_DLQ_URL": "https://sqs.eu-west-1.amazonaws.com/123456789012/dlq",
    "IDEMPOTENCY_TABLE_NAME": "idempotency",
    "DEVICE_FARM_ACCOUNT_ID": "123456789012",
    "AWS_DEFAULT_REGION": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "bench",
    "AWS_SECRET_ACCESS_KEY": "bench",
    "PYTHONPATH": "lambda_src:.",
}


def _sample(code: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", code], check=True, env={**os.environ, **ENV}, capture_output=True
    )
    return time.perf_counter() - started


# One line per baseline, as `make bench` prints it (and as bench/timers/ explains its runs).
BASELINE_EXPLAINED = (
    "baseline: a bare boto3 handler's cold start: a fresh interpreter that imports boto3 and "
    "builds one Device Farm client (the least any handler that stops a session pays)"
)
FUNCTION_EXPLAINED = (
    "the function's cold start: a fresh interpreter that imports its handler (Powertools, "
    "pydantic, boto3) and builds its stop service"
)
BASELINES = (BASELINE_EXPLAINED,)


def report(baseline: list[float], function: list[float]) -> dict[str, Any]:
    """Medians in seconds, each side with what it is, and the function's over the baseline's."""
    base, ours = statistics.median(baseline), statistics.median(function)
    return {
        "samples": len(baseline),
        "baseline": {"explained": BASELINE_EXPLAINED, "median_s": base},
        "function": {"explained": FUNCTION_EXPLAINED, "median_s": ours},
        "ratio": ours / base,
    }


def run(samples: int = 7) -> dict[str, Any]:
    # Interleave so machine noise hits both sides alike.
    baseline, function = [], []
    for _ in range(samples):
        baseline.append(_sample(BASELINE))
        function.append(_sample(FUNCTION))
    return report(baseline, function)


def rows(result: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "cold start",
            "import + clients (no invocation)",
            seconds(result["function"]["median_s"]),
            f"bare {seconds(result['baseline']['median_s'])}",
            result["ratio"],
        )
    ]
