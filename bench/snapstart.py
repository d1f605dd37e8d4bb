"""SnapStart priming and the plain cold start, against a bare boto3 handler.

Every sample is a fresh interpreter (bench/snapstart_child.py), interleaved across the three
kinds so machine noise hits them alike; figures are medians. Device Farm is the emulator and
SNS, SQS and DynamoDB are moto in server mode, both local, so the figures are the function's own
cost, not network latency. "Init" is what a Lambda init phase runs: for the primed kind, with
AWS_LAMBDA_INITIALIZATION_TYPE=snap-start, it is what SnapStart pays once per published version
before the snapshot; a restored environment starts from its end.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from typing import Any

from bench.sweep import aged_world, moto_server, outcome_plumbing
from bench.table import Row, seconds
from local.devicefarm_emulator import running_emulator

SAMPLES = 7
KINDS = ("bare", "primed", "plain")
BASELINE_EXPLAINED = (
    "baseline: a bare boto3 handler in a fresh interpreter: init imports boto3 and builds a "
    "Device Farm and an SNS client; an invocation is GetRemoteAccessSession, "
    "StopRemoteAccessSession and one SNS Publish (no validation, idempotency or logging)"
)
WARM_EXPLAINED = (
    "baseline: the function's own warm invocation (a second stop in the same primed process), "
    "for the first invocation after a primed init"
)
BASELINES = (BASELINE_EXPLAINED, WARM_EXPLAINED)
TARGETS = {
    "first_after_priming_over_warm": 1.2,
    "plain_cold_start_over_bare": 2.0,
    "peak_rss_over_bare": 1.5,
}


def _sample(kind: str, env: dict[str, str], arns: list[str]) -> dict[str, float]:
    extra = {"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"} if kind == "primed" else {}
    done = subprocess.run(
        [sys.executable, "-m", "bench.snapstart_child", kind, *arns],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **env, **extra},
    )
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _median(samples: list[dict[str, float]], key: str) -> float:
    return statistics.median(sample[key] for sample in samples)


def report(samples: dict[str, list[dict[str, float]]]) -> dict[str, Any]:
    bare, primed, plain = samples["bare"], samples["primed"], samples["plain"]
    bare_cold = _median(bare, "init_s") + _median(bare, "first_s")
    plain_cold = _median(plain, "init_s") + _median(plain, "first_s")
    ratios = {
        "primed_init_over_bare_init": _median(primed, "init_s") / _median(bare, "init_s"),
        "first_after_priming_over_warm": _median(primed, "first_s") / _median(primed, "warm_s"),
        # The same ratio for the bare handler: what a first invocation pays any code (new
        # connections, botocore's first request per client), the floor priming cannot reach.
        "bare_first_over_warm": _median(bare, "first_s") / _median(bare, "warm_s"),
        "plain_cold_start_over_bare": plain_cold / bare_cold,
        "peak_rss_over_bare": _median(plain, "rss_mib") / _median(bare, "rss_mib"),
        "primed_peak_rss_over_bare": _median(primed, "rss_mib") / _median(bare, "rss_mib"),
    }
    return {
        "samples_per_kind": len(bare),
        "medians": {
            kind: {
                key: round(_median(samples[kind], key), 4)
                for key in ("init_s", "first_s", "warm_s", "rss_mib")
            }
            for kind in KINDS
        },
        "ratios": {name: round(value, 2) for name, value in ratios.items()},
        "targets": {
            name: {"at_most": limit, "met": ratios[name] <= limit}
            for name, limit in TARGETS.items()
        },
    }


def run(samples: int = SAMPLES) -> dict[str, Any]:
    per_sample = 2  # a first and a warm invocation, each on a session of its own
    collected: dict[str, list[dict[str, float]]] = {kind: [] for kind in KINDS}
    with moto_server() as environment:
        emulator = aged_world(projects=1, sessions_per_project=samples * len(KINDS) * per_sample)
        with running_emulator(emulator) as server:
            plumbing = outcome_plumbing(environment["AWS_ENDPOINT_URL_SNS"])
            env = {
                **environment,
                **plumbing,
                "AWS_ENDPOINT_URL_DEVICE_FARM": server.url,
                "POWERTOOLS_TRACE_DISABLED": "true",
            }
            project = emulator.list_projects()[0]["arn"]
            arns = [session["arn"] for session in emulator.list_sessions(project)]
            for _ in range(samples):
                for kind in KINDS:
                    mine, arns = arns[:per_sample], arns[per_sample:]
                    collected[kind].append(_sample(kind, env, mine))
    return report(collected)


def rows(result: dict[str, Any]) -> list[Row]:
    """The four figures the issue names, plus the primed process's peak RSS."""
    medians, ratios, name = result["medians"], result["ratios"], "SnapStart / cold start"
    bare, primed, plain = medians["bare"], medians["primed"], medians["plain"]
    return [
        Row(
            name,
            "primed init (import + priming: once per version)",
            seconds(primed["init_s"]),
            f"bare init {seconds(bare['init_s'])}",
            ratios["primed_init_over_bare_init"],
        ),
        Row(
            name,
            "first invocation after priming",
            seconds(primed["first_s"]),
            f"own warm {seconds(primed['warm_s'])}",
            ratios["first_after_priming_over_warm"],
            at_most=TARGETS["first_after_priming_over_warm"],
        ),
        Row(
            name,
            "first invocation, bare handler (the floor: connections)",
            seconds(bare["first_s"]),
            f"own warm {seconds(bare['warm_s'])}",
            ratios["bare_first_over_warm"],
        ),
        Row(
            name,
            "plain cold start, one route (import + first stop)",
            seconds(plain["init_s"] + plain["first_s"]),
            f"bare {seconds(bare['init_s'] + bare['first_s'])}",
            ratios["plain_cold_start_over_bare"],
            at_most=TARGETS["plain_cold_start_over_bare"],
        ),
        Row(
            name,
            "peak RSS, plain",
            f"{plain['rss_mib']:.1f} MiB",
            f"bare {bare['rss_mib']:.1f} MiB",
            ratios["peak_rss_over_bare"],
            at_most=TARGETS["peak_rss_over_bare"],
        ),
        Row(
            name,
            "peak RSS, primed",
            f"{primed['rss_mib']:.1f} MiB",
            f"bare {bare['rss_mib']:.1f} MiB",
            ratios["primed_peak_rss_over_bare"],
        ),
    ]
