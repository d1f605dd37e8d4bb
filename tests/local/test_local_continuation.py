"""A sweep chain on the local stack: the function's Lambda client reaches the local API server
(AWS_ENDPOINT_URL_LAMBDA), which queues an Event invoke as Lambda does (202, then the invocation
after the one in flight), so a sweep that runs out of time continues locally too. Each
invocation's time is a countdown of deadline checks, as in tests/integration/test_sweep_chain.py:
exact on any machine."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from local.environment import PACING_OFF
from local.stack import LocalStack, LocalStackConfig
from local.world import SessionSeed, new_emulator, seed_world
from tests.integration.test_sweeps import CountdownDeadline

SESSIONS = 30
PER_LINK = 10
# The lock's lease, the one project, its one page: then one check per session started.
LISTING_CHECKS = 3


def _summaries(stack: LocalStack) -> list[dict[str, Any]]:
    assert stack.resources is not None
    sqs = stack.sqs()
    found = []
    while True:
        batch = sqs.receive_message(
            QueueUrl=stack.resources.tap_queue_url, MaxNumberOfMessages=10
        ).get("Messages", [])
        if not batch:
            return found
        for message in batch:
            sqs.delete_message(
                QueueUrl=stack.resources.tap_queue_url, ReceiptHandle=message["ReceiptHandle"]
            )
            body = json.loads(json.loads(message["Body"])["Message"])
            if body.get("messageType") == "sweepSummary":
                found.append(body)


def test_a_sweep_that_runs_out_of_time_continues_on_the_local_stack(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator, clock = new_emulator(metered_concurrency=SESSIONS, rate_limits=False)
    seeds = [SessionSeed("p", f"old-{n}", age_minutes=90) for n in range(SESSIONS)]
    world = seed_world(emulator, clock, seeds)
    stack = LocalStack(LocalStackConfig(function_env=PACING_OFF), emulator)

    with stack:
        from session_stopper.entrypoints import sweeps  # noqa: PLC0415 (after the environment)

        def deadline(*_args: Any) -> CountdownDeadline:
            return CountdownDeadline(checks=LISTING_CHECKS + PER_LINK)

        monkeypatch.setattr(sweeps, "lambda_deadline", deadline)
        first = stack.invoke({"action": "sweep"})
        summaries: list[dict[str, Any]] = []
        give_up = time.monotonic() + 120
        while time.monotonic() < give_up and not any(
            (s.get("continuation") or {}).get("end") for s in summaries
        ):
            time.sleep(0.5)
            summaries += _summaries(stack)

    assert first["continuation"]["nextLink"] == 2
    assert [s["continuation"]["link"] for s in summaries] == [1, 2, 3]
    last = summaries[-1]["continuation"]
    assert last["end"] == "DONE", last
    assert last["totals"]["outcomes"] == {"STOPPED": SESSIONS}
    assert last["chainId"] == first["sweepId"]
    # Every session was stopped by a request: STOPPING, or, when the chain took longer than
    # the emulator's 5 s of stopping (a loaded machine), COMPLETED with the result STOPPED.
    states = {
        (session["status"], session["result"])
        for session in (emulator.get_session(world.arn(seed.name)) for seed in seeds)
    }
    assert states <= {("STOPPING", "PENDING"), ("COMPLETED", "STOPPED")}, states
