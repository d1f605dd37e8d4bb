"""One stop through the real handler against a bare boto3 handler, with realistic latencies.

Both sides run in this process, against the same Device Farm emulator (over HTTP) and the same
moto server, with the same latency injected per service outside the code under test: the
emulator's latency fault for Device Farm, a delaying WSGI middleware in front of moto for the
rest (bench/latency.py). Samples are interleaved (bare, command, API, bare, ...) so machine
noise hits every side alike; each side first makes one unmeasured invocation, so the figures
are warm invocations (clients built, connections open), as most stops after the first are.

Latencies (one call's round trip, added to what the local servers take):
- Device Farm 80 ms: its only endpoint is us-west-2, so a function in another region (the
  issue's "Device Farm ~80 ms from another region") pays a cross-region round trip per call;
- DynamoDB 8 ms, SNS 20 ms: same-region calls, the issue's figures;
- Scheduler 15 ms, SQS 10 ms: same-region calls with no figure in the issue; our estimate,
  between DynamoDB's and SNS's (Scheduler's DeleteSchedule is a control-plane write; SQS
  SendMessage is only on the path when SNS refuses).

Every AWS call of every invocation is logged (botocore's `_make_api_call`, bench/latency.py):
the report gives each side's calls per invocation and how many of them were on the critical
path (the longest chain of calls each started after the previous one ended).

Device Farm's API rate limits are off on the emulator and the function paces at 1,000 calls/s
for this run: the service allows one Stop per second, and what is measured here is the time of
one stop, not the quota (bench/paced_sweep.py measures that).
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import boto3

from bench.latency import (
    Call,
    CallLog,
    latency_moto_server,
    moto_environment,
    sequential_calls,
)
from bench.sweep import aged_world, outcome_plumbing
from bench.table import Row
from local.apigw_events import HttpRequest, api_gateway_event
from local.devicefarm_emulator import RateLimitSettings, running_emulator
from local.environment import PACING_OFF
from local.lambda_runtime import LocalLambdaContext

SAMPLES = 30
TARGET = 1.3  # the command route's median over the baseline's (the target)
LATENCY_MS = {"devicefarm": 80.0, "dynamodb": 8.0, "sns": 20.0, "scheduler": 15.0, "sqs": 10.0}
TIMER_GROUP = "bench-timers"
SIDES = ("baseline", "function", "api")
# One line per baseline, as `make bench` prints it (and as bench/timers/ explains its runs).
BASELINE_EXPLAINED = (
    "baseline: a bare boto3 handler, warm: GetRemoteAccessSession, StopRemoteAccessSession and "
    "one SNS Publish to the same topic, on the same emulator and moto server with the same "
    "injected latencies (Device Farm 80 ms, DynamoDB 8 ms, SNS 20 ms, Scheduler 15 ms, SQS 10 ms)"
)
FUNCTION_EXPLAINED = (
    "one stop through the real handler, warm, as a direct or EventBridge stop command "
    '({"arn": ...}): validation, Get, Stop, the idempotency record (DynamoDB), the outcome '
    "published (SNS) and the session's timers deleted (Scheduler; timers on, as deployed by "
    "default); the issue's target applies to this route"
)
API_EXPLAINED = (
    "the same stop through the handler as POST /sessions/stop (an API Gateway proxy event, the "
    "API's call budgets); reported, no target"
)
BASELINES = (BASELINE_EXPLAINED,)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile (p90: share 0.9)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))  # ceil, at least the first
    return ordered[int(rank) - 1]


def _timeline(calls: list[Call], started: float) -> list[str]:
    """One invocation's calls: start and end in ms from the invocation's start, and thread."""
    return [
        f"{(c.started - started) * 1000:6.1f}-{(c.ended - started) * 1000:6.1f} ms {c.name}"
        + (f" [{c.thread}]" if c.thread != "MainThread" else "")
        for c in calls
    ]


def side_report(samples: list[dict[str, Any]], explained: str) -> dict[str, Any]:
    """Median and p90 of the wall times, and the calls of the median invocation."""
    wall = [sample["ms"] for sample in samples]
    median = statistics.median(wall)
    typical = min(samples, key=lambda sample: abs(sample["ms"] - median))
    return {
        "explained": explained,
        "median_ms": round(median, 1),
        "p90_ms": round(percentile(wall, 0.9), 1),
        "calls_per_invocation": typical["calls"],
        "calls_on_critical_path": typical["sequential"],
        "calls": typical["by_operation"],
        "timeline_of_median_invocation": typical["timeline"],
    }


def report(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Each side with what it is, and the function's routes over the baseline (medians):
    `function` is the stop command, the route the target is set for; `api` is reported."""
    sides = {
        "baseline": side_report(samples["baseline"], BASELINE_EXPLAINED),
        "function": side_report(samples["function"], FUNCTION_EXPLAINED),
        "api": side_report(samples["api"], API_EXPLAINED),
    }
    base = sides["baseline"]["median_ms"]
    ratio = sides["function"]["median_ms"] / base
    return {
        "samples_per_side": len(samples["baseline"]),
        "latency_ms": dict(LATENCY_MS),
        **sides,
        "ratio": round(ratio, 3),
        "ratio_p90": round(sides["function"]["p90_ms"] / sides["baseline"]["p90_ms"], 3),
        "api_ratio": round(sides["api"]["median_ms"] / base, 3),
        "target": {
            "route": "function (the stop command)",
            "at_most": TARGET,
            "met": ratio <= TARGET,
        },
    }


def _sample(action: Callable[[], Any], log: CallLog) -> dict[str, Any]:
    log.take()
    started = time.perf_counter()
    action()
    wall = time.perf_counter() - started
    calls = log.take()
    return {
        "ms": wall * 1000,
        "calls": len(calls),
        "sequential": sequential_calls(calls),
        "by_operation": dict(Counter(call.name for call in calls)),
        "timeline": _timeline(calls, started),
    }


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    """Set the function's environment for the block, then put the process's back."""
    saved = dict(os.environ)
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _invokers(topic_arn: str) -> dict[str, Callable[[str], Any]]:
    from local.lambda_runtime import reset_function_caches
    from session_stopper.handler import lambda_handler

    reset_function_caches()  # clients built for another benchmark's servers
    devicefarm = boto3.client("devicefarm", region_name="us-west-2")
    sns = boto3.client("sns")

    def bare(arn: str) -> None:
        devicefarm.get_remote_access_session(arn=arn)
        devicefarm.stop_remote_access_session(arn=arn)
        sns.publish(TopicArn=topic_arn, Message=json.dumps({"arn": arn, "outcome": "STOPPED"}))

    def command(arn: str) -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # the function's log and EMF lines
            answer = lambda_handler({"arn": arn}, LocalLambdaContext())
        if answer.get("outcome") != "STOPPED":
            raise AssertionError(f"the command route did not stop {arn}: {answer}")

    def api(arn: str) -> None:
        body = json.dumps({"arn": arn}).encode()
        request = HttpRequest(
            "POST", "/sessions/stop", [("Content-Type", "application/json")], body
        )
        with contextlib.redirect_stdout(io.StringIO()):
            answer = lambda_handler(api_gateway_event(request), LocalLambdaContext())
        if answer.get("statusCode") != 200 or '"STOPPED"' not in str(answer.get("body")):
            raise AssertionError(f"the API route did not stop {arn}: {answer}")

    return {"baseline": bare, "function": command, "api": api}


def run(samples: int = SAMPLES) -> dict[str, Any]:
    collected: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    with latency_moto_server({}) as (url, latency):  # no latency while setting up
        environment = moto_environment(url)
        plumbing = outcome_plumbing(url)
        scheduler = boto3.client(
            "scheduler",
            endpoint_url=url,
            region_name=environment["AWS_DEFAULT_REGION"],
            aws_access_key_id="bench",
            aws_secret_access_key="bench",  # noqa: S106 (moto)
        )
        scheduler.create_schedule_group(Name=TIMER_GROUP)
        timers = {
            "TIMER_SCHEDULE_GROUP": TIMER_GROUP,
            "TIMER_ROLE_ARN": "arn:aws:iam::123456789012:role/bench-timers",
            "TIMER_TARGET_ARN": "arn:aws:lambda:eu-west-1:123456789012:function:bench:live",
        }
        emulator = aged_world(projects=1, sessions_per_project=(samples + 1) * len(SIDES))
        emulator.rate_limiter.settings = RateLimitSettings(enabled=False)
        arns = [s["arn"] for s in emulator.list_sessions(emulator.list_projects()[0]["arn"])]
        with running_emulator(emulator) as server:
            env = {
                **environment,
                **plumbing,
                **timers,
                **PACING_OFF,
                "AWS_ENDPOINT_URL_DEVICE_FARM": server.url,
            }
            with _environment(env):
                invokers = _invokers(plumbing["OUTCOME_TOPIC_ARN"])
                emulator.faults.latency_ms = LATENCY_MS["devicefarm"]
                latency.latency_ms = {k: v for k, v in LATENCY_MS.items() if k != "devicefarm"}
                log = CallLog()
                with log.recording():
                    for side in SIDES:  # one unmeasured invocation each: clients, connections
                        invokers[side](arns.pop())
                    for _ in range(samples):
                        for side in SIDES:
                            arn = arns.pop()
                            collected[side].append(
                                _sample(functools.partial(invokers[side], arn), log)
                            )
                from local.lambda_runtime import reset_function_caches

                reset_function_caches()
    return report(collected)


def rows(result: dict[str, Any]) -> list[Row]:
    """The command route against its target; the API route reported beside it."""
    base = result["baseline"]
    bare = f"bare {base['median_ms']:.0f} ms ({base['calls_on_critical_path']} calls in a row)"
    return [
        Row(
            "single stop, injected latencies",
            f"{label} ({result[side]['calls_on_critical_path']} calls in a row)",
            f"{result[side]['median_ms']:.0f} ms",
            bare,
            result[ratio],
            at_most=TARGET if side == "function" else None,
        )
        for side, ratio, label in (
            ("function", "ratio", "stop command"),
            ("api", "api_ratio", "POST /sessions/stop"),
        )
    ]
