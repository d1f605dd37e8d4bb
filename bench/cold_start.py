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


def run(samples: int = 7) -> dict[str, float]:
    # Interleave so machine noise hits both sides alike.
    baseline, function = [], []
    for _ in range(samples):
        baseline.append(_sample(BASELINE))
        function.append(_sample(FUNCTION))
    base, ours = statistics.median(baseline), statistics.median(function)
    return {"baseline_s": base, "function_s": ours, "ratio": ours / base}
