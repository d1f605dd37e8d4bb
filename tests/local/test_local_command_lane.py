"""The local command lane: the command rule's queue on moto's SQS and the event source mapping's
pollers, which never have more than MaximumConcurrency batches in flight, delete what the
function handled and leave a failed record to SQS's redrive."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from local import sample_events
from local.command_lane import MAX_RECEIVE_COUNT, CommandLane, LaneQueues, create_lane_queues
from local.stack import LocalStack, LocalStackConfig
from local.world import SessionSeed, new_emulator, seed_world

REGION = "eu-west-1"


class SlowFunction:
    """Takes its time over each batch and counts the batches in flight at once."""

    def __init__(self, fail_body: str | None = None) -> None:
        self.in_flight = 0
        self.most_in_flight = 0
        self.bodies: list[str] = []
        self.fail_body = fail_body
        self._lock = threading.Lock()

    def __call__(self, event: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.bodies += [record["body"] for record in event["Records"]]
        time.sleep(0.05)
        with self._lock:
            self.in_flight -= 1
        failed = [r for r in event["Records"] if r["body"] == self.fail_body]
        return {"batchItemFailures": [{"itemIdentifier": r["messageId"]} for r in failed]}


@pytest.fixture
def sqs() -> Iterator[Any]:
    with mock_aws():
        yield boto3.client("sqs", region_name=REGION)


@pytest.fixture
def queues(sqs: Any) -> LaneQueues:
    return create_lane_queues(sqs, prefix="lane-test")


def wait_until_empty(lane: CommandLane, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while lane.depth() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert lane.depth() == 0


def test_the_pollers_never_have_more_batches_in_flight_than_the_maximum(
    sqs: Any, queues: LaneQueues
) -> None:
    function = SlowFunction()
    lane = CommandLane(sqs, queues, REGION, function, max_concurrency=2, batch_size=2)
    commands = [{"n": n} for n in range(24)]
    for command in commands:
        lane.send(command)

    lane.start()
    try:
        wait_until_empty(lane)
    finally:
        lane.stop()

    assert function.most_in_flight == lane.most_in_flight == 2
    # Each command delivered once, as the JSON the rule put on the queue.
    assert sorted(json.loads(body)["n"] for body in function.bodies) == list(range(24))


def test_a_reported_failure_comes_back_alone_and_ends_in_the_dead_letter_queue(
    sqs: Any, queues: LaneQueues
) -> None:
    function = SlowFunction(fail_body=json.dumps({"n": "bad"}))
    lane = CommandLane(sqs, queues, REGION, function, max_concurrency=2)
    sqs.set_queue_attributes(QueueUrl=queues.url, Attributes={"VisibilityTimeout": "0"})
    for command in ({"n": 1}, {"n": "bad"}, {"n": 2}):
        lane.send(command)

    for _ in range(MAX_RECEIVE_COUNT + 2):
        lane.poll_once()

    assert function.bodies.count(json.dumps({"n": 1})) == 1
    assert function.bodies.count(json.dumps({"n": "bad"})) == MAX_RECEIVE_COUNT
    parked = sqs.receive_message(QueueUrl=queues.dead_letter_url).get("Messages", [])
    assert [json.loads(m["Body"]) for m in parked] == [{"n": "bad"}]
    assert lane.depth() == 0


def post(url: str, body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            status: int = answer.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status


def test_a_command_sent_on_the_local_stack_is_stopped_through_the_lane() -> None:
    emulator, clock = new_emulator(metered_concurrency=2)
    world = seed_world(emulator, clock, [SessionSeed("lab", "queued-stop", 20.0)])
    with LocalStack(LocalStackConfig(), emulator) as stack:
        # POST /_local/commands plays the command rule, as `make local` prints it.
        command = sample_events.stop_command_event(world.arn("queued-stop"))
        assert post(f"{stack.api_url}/_local/commands", json.dumps(command).encode()) == 202
        assert post(f"{stack.api_url}/_local/commands", b"[1]") == 400
        wait_until_empty(stack.commands)

        assert emulator.get_session(world.arn("queued-stop"))["status"] == "STOPPING"
        assert stack.resources is not None
        tapped = stack.sqs().receive_message(
            QueueUrl=stack.resources.tap_queue_url, MaxNumberOfMessages=10
        )["Messages"]
        [outcome] = [json.loads(json.loads(m["Body"])["Message"]) for m in tapped]
        assert (outcome["outcome"], outcome["trigger"]["kind"]) == ("STOPPED", "eventbridge")
