"""A sweep of 1,000 sessions against the emulator and moto in server mode.

The sweep runs in a child process so its wall time and peak memory are its own; the baseline
is the least any sweep must do — list every session and stop each, one call after another
with plain boto3 — run in a child process of the same kind against the same kind of world.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from typing import Any

import boto3
from moto.server import ThreadedMotoServer

from bench.table import Row, seconds
from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock, running_emulator
from local.environment import PACING_OFF

PROJECTS = 5
SESSIONS_PER_PROJECT = 200
REGION = "eu-west-1"
# One line per baseline, as `make bench` prints it (and as bench/timers/ explains its runs).
BASELINE_EXPLAINED = (
    "baseline: the least any sweep does, in a child process: list every project's sessions and "
    "stop each, one plain boto3 call after another (no selection, idempotency or publish)"
)
FUNCTION_EXPLAINED = (
    "the function's scheduled sweep in a child process of the same kind: list, select, stop "
    "with its workers, an outcome and the summary published"
)
BASELINES = (BASELINE_EXPLAINED,)


def _free_port() -> int:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def aged_world(
    projects: int = PROJECTS,
    sessions_per_project: int = SESSIONS_PER_PROJECT,
    members: Sequence[str] = (),
) -> DeviceFarmEmulator:
    """Sessions that have been running for two hours (so any sweep selects them), as many in
    the hub's account (the emulator returned) as in each member account of `members`."""
    clock = ManualClock(start=time.time() - 2 * 3600)
    emulator = DeviceFarmEmulator(clock=clock, metered_concurrency=10_000)
    for account in (emulator, *(emulator.account(member) for member in members)):
        for number in range(projects):
            project = account.create_project(f"bench-{number}")["arn"]
            for index in range(sessions_per_project):
                account.create_session(project, name=f"bench-{number}-{index}")
    clock.advance(seconds=time.time() - clock.now())
    return emulator


def outcome_plumbing(moto_url: str) -> dict[str, str]:
    kwargs: dict[str, Any] = {  # the parent process has no credentials of its own
        "region_name": REGION,
        "endpoint_url": moto_url,
        "aws_access_key_id": "bench",
        "aws_secret_access_key": "bench",
    }
    sns, sqs = boto3.client("sns", **kwargs), boto3.client("sqs", **kwargs)
    topic = sns.create_topic(Name=f"bench-{time.monotonic_ns()}")["TopicArn"]
    dlq = sqs.create_queue(QueueName=f"bench-dlq-{time.monotonic_ns()}")["QueueUrl"]
    table = f"bench-{time.monotonic_ns()}"
    boto3.client("dynamodb", **kwargs).create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    return {
        "OUTCOME_TOPIC_ARN": topic,
        "OUTCOME_DLQ_URL": dlq,
        "IDEMPOTENCY_TABLE_NAME": table,
        "DEVICE_FARM_ACCOUNT_ID": "123456789012",  # the emulator's account
        "SWEEP_DRY_RUN": "false",  # measure real stops, not the first-deploy preview
    }


def _child(mode: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, "-m", "bench.sweep_child", mode],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env},
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def _measure(mode: str, environment: dict[str, str]) -> dict[str, Any]:
    emulator = aged_world()
    with running_emulator(emulator) as server:
        plumbing = outcome_plumbing(environment["AWS_ENDPOINT_URL_SNS"])
        env = {**environment, **plumbing, **PACING_OFF, "AWS_ENDPOINT_URL_DEVICE_FARM": server.url}
        measured = _child(mode, env)
    measured["calls"] = dict(emulator.call_counts)
    return measured


@contextmanager
def moto_server() -> Iterator[dict[str, str]]:
    """moto in server mode on a free port; yields the environment that points boto3 at it."""
    logging.getLogger("werkzeug").disabled = True  # one access-log line per request otherwise
    port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    url = f"http://127.0.0.1:{port}"
    try:
        yield {
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ENDPOINT_URL_SNS": url,
            "AWS_ENDPOINT_URL_SQS": url,
            "AWS_ENDPOINT_URL_DYNAMODB": url,
            "PYTHONPATH": "lambda_src:.",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    finally:
        moto.stop()


def report(baseline: dict[str, Any], function: dict[str, Any]) -> dict[str, Any]:
    """Both measurements, each with what it is, and the function's over the baseline's."""
    return {
        "sessions": PROJECTS * SESSIONS_PER_PROJECT,
        "baseline": {"explained": BASELINE_EXPLAINED, **baseline},
        "function": {"explained": FUNCTION_EXPLAINED, **function},
        "wall_ratio": function["wall_s"] / baseline["wall_s"],
        "memory_ratio": function["peak_rss_mib"] / baseline["peak_rss_mib"],
    }


def run() -> dict[str, Any]:
    with moto_server() as environment:
        baseline = _measure("baseline", environment)
        function = _measure("function", environment)
    return report(baseline, function)


def rows(result: dict[str, Any]) -> list[Row]:
    name = f"sweep of {result['sessions']:,} sessions (no rate limits)"
    function, baseline = result["function"], result["baseline"]
    return [
        Row(
            name,
            "wall time",
            seconds(function["wall_s"]),
            f"bare loop {seconds(baseline['wall_s'])}",
            result["wall_ratio"],
        ),
        Row(
            name,
            "peak RSS",
            f"{function['peak_rss_mib']:.1f} MiB",
            f"bare loop {baseline['peak_rss_mib']:.1f} MiB",
            result["memory_ratio"],
        ),
    ]
