"""One fresh interpreter of bench/snapstart.py: init, a first and a warm invocation, peak RSS.

`python -m bench.snapstart_child <bare|primed|plain> <first arn> <warm arn>` prints one JSON line.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.process_memory import peak_rss_kib
from local.lambda_runtime import LocalLambdaContext


def _bare_init() -> Callable[[str], Any]:
    import boto3  # the import is part of what is measured

    devicefarm = boto3.client("devicefarm", region_name="us-west-2")
    sns = boto3.client("sns")
    topic = os.environ["OUTCOME_TOPIC_ARN"]

    def invoke(arn: str) -> None:
        devicefarm.get_remote_access_session(arn=arn)
        devicefarm.stop_remote_access_session(arn=arn)
        sns.publish(TopicArn=topic, Message=json.dumps({"arn": arn, "outcome": "STOPPED"}))

    return invoke


def _function_init() -> Callable[[str], Any]:
    # With AWS_LAMBDA_INITIALIZATION_TYPE=snap-start the import primes (priming.py).
    from session_stopper.handler import lambda_handler

    def invoke(arn: str) -> None:
        with contextlib.redirect_stdout(io.StringIO()):  # the function's log and EMF lines
            lambda_handler({"arn": arn}, LocalLambdaContext())

    return invoke


def main(kind: str, first_arn: str, warm_arn: str) -> dict[str, float]:
    started = time.perf_counter()
    invoke = _bare_init() if kind == "bare" else _function_init()
    initialised = time.perf_counter()
    invoke(first_arn)
    first_done = time.perf_counter()
    invoke(warm_arn)
    warm_done = time.perf_counter()
    return {
        "init_s": initialised - started,
        "first_s": first_done - initialised,
        "warm_s": warm_done - first_done,
        "rss_mib": peak_rss_kib() / 1024,
    }


if __name__ == "__main__":
    print(json.dumps(main(*sys.argv[1:4])))
