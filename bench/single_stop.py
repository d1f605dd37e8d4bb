"""One stop through the handler (validation, idempotency, publish) against the two bare boto3
calls any stop needs (Get, then Stop), in this process, on the emulator and moto server."""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import boto3

from bench.sweep import aged_world, moto_server, outcome_plumbing
from bench.table import Row
from local.devicefarm_emulator import running_emulator

STOPS = 200
# One line per baseline, as `make bench` prints it (and as bench/timers.py explains its runs).
BASELINE_EXPLAINED = (
    "baseline: the two bare boto3 calls any stop needs, GetRemoteAccessSession then "
    "StopRemoteAccessSession, on the same emulator (no validation, idempotency or publish)"
)
FUNCTION_EXPLAINED = (
    "one stop through the handler: validation, Get, Stop, the idempotency record (DynamoDB on "
    "moto) and the outcome published (SNS on moto)"
)
BASELINES = (BASELINE_EXPLAINED,)


class _Context:
    function_name = "bench"
    memory_limit_in_mb = 256
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:bench"
    aws_request_id = "bench"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 300_000


def _timed(action: Callable[[str], Any], arns: list[str]) -> list[float]:
    samples = []
    for arn in arns:
        started = time.perf_counter()
        action(arn)
        samples.append(time.perf_counter() - started)
    return samples


def run() -> dict[str, Any]:
    with moto_server() as environment:
        emulator = aged_world(projects=2, sessions_per_project=STOPS)
        with running_emulator(emulator) as server:
            os.environ.update(environment)
            os.environ.update(outcome_plumbing(environment["AWS_ENDPOINT_URL_SNS"]))
            os.environ["AWS_ENDPOINT_URL_DEVICE_FARM"] = server.url
            from session_stopper.handler import lambda_handler

            client = boto3.client("devicefarm", region_name="us-west-2")

            def bare(arn: str) -> None:
                client.get_remote_access_session(arn=arn)
                client.stop_remote_access_session(arn=arn)

            arns = [s["arn"] for s in emulator.list_sessions(emulator.list_projects()[0]["arn"])]
            others = [s["arn"] for s in emulator.list_sessions(emulator.list_projects()[1]["arn"])]
            baseline = _timed(bare, arns)
            with contextlib.redirect_stdout(io.StringIO()):  # the function's EMF lines
                function = _timed(lambda arn: lambda_handler({"arn": arn}, _Context()), others)
    return report(baseline, function)


def report(baseline: list[float], function: list[float]) -> dict[str, Any]:
    """Medians in milliseconds, each side with what it is, and the function's over the
    baseline's."""
    base, ours = statistics.median(baseline), statistics.median(function)
    return {
        "stops": len(baseline),
        "baseline": {"explained": BASELINE_EXPLAINED, "median_ms": base * 1000},
        "function": {"explained": FUNCTION_EXPLAINED, "median_ms": ours * 1000},
        "ratio": ours / base,
    }


def rows(result: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "single stop",
            "one stop through the handler (median)",
            f"{result['function']['median_ms']:.1f} ms",
            f"bare {result['baseline']['median_ms']:.1f} ms",
            result["ratio"],
        )
    ]
