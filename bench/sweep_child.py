"""One measured sweep in a fresh process: `python -m bench.sweep_child function|baseline`.

Prints one JSON line: wall seconds, peak RSS, how many sessions were stopped and every
outcome's count; for the function also what its summary says was left for later: sessions
left undone, whether the sweep continued in a chain, and the accounts it could not reach.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import boto3

from bench.process_memory import peak_rss_kib
from local.lambda_runtime import LocalLambdaContext


def _baseline() -> int:
    client = boto3.client("devicefarm", region_name="us-west-2")
    stopped = 0
    for page in client.get_paginator("list_projects").paginate():
        for project in page["projects"]:
            sessions = client.get_paginator("list_remote_access_sessions")
            for session_page in sessions.paginate(arn=project["arn"]):
                for session in session_page["remoteAccessSessions"]:
                    client.stop_remote_access_session(arn=session["arn"])
                    stopped += 1
    return stopped


def _function() -> dict[str, Any]:
    from session_stopper.handler import lambda_handler

    summary: dict[str, Any] = lambda_handler(
        {"action": "sweep"}, LocalLambdaContext(timeout_seconds=900)
    )
    return {
        "outcomes": {name: int(count) for name, count in summary["outcomes"].items()},
        "left_undone": int(summary["leftUndoneCount"]),
        "continued": summary["continuation"] is not None,
        "accounts_not_reached": [
            account["account"] for account in summary["accounts"] if not account["reached"]
        ],
    }


def main(mode: str) -> None:
    started = time.perf_counter()
    result = _function() if mode == "function" else {"outcomes": {"STOPPED": _baseline()}}
    wall = time.perf_counter() - started
    measured = {"wall_s": wall, "peak_rss_mib": peak_rss_kib() / 1024}
    print(json.dumps({**measured, "stopped": result["outcomes"].get("STOPPED", 0), **result}))


if __name__ == "__main__":
    main(sys.argv[1])
