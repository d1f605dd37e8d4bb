"""The command lane: caller commands go to an SQS queue that the function consumes with at most
commandLaneMaxConcurrency batches at once, so they never take the capacity the alarms, timers
and sweeps invoke the function with."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.synth
BOTH_STACKS = pytest.mark.parametrize(
    ("which", "prefix"),
    [("default_stack", "session-stopper-dev"), ("narrow_stack", "session-stopper-prod")],
)


def queue(stack: Synthesized, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = stack.resources("AWS::SQS::Queue")[stack.queue_id(name)][
        "Properties"
    ]
    return properties


def arn_of(logical_id: str) -> dict[str, Any]:
    return {"Fn::GetAtt": [logical_id, "Arn"]}


def mapping(stack: Synthesized) -> dict[str, Any]:
    properties: dict[str, Any] = stack.only("AWS::Lambda::EventSourceMapping")["Properties"]
    return properties


def test_the_command_rule_puts_commands_on_the_command_queue(default_stack: Synthesized) -> None:
    rule_id = default_stack.logical_id(
        "AWS::Events::Rule", "'Name': 'session-stopper-dev-commands'"
    )
    (target,) = default_stack.resources("AWS::Events::Rule")[rule_id]["Properties"]["Targets"]
    assert target["Arn"] == arn_of(default_stack.queue_id("session-stopper-dev-commands"))
    # Undeliverable to the queue: the rules' own dead-letter queue, after the same retries.
    assert target["DeadLetterConfig"] == {
        "Arn": arn_of(default_stack.queue_id("session-stopper-dev-event-dlq"))
    }
    assert target["RetryPolicy"] == {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 7200}


@BOTH_STACKS
def test_the_command_queue_is_encrypted_and_redrives_to_its_own_dead_letter_queue(
    which: str, prefix: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    commands = queue(stack, f"{prefix}-commands")
    assert commands["SqsManagedSseEnabled"] is True
    assert commands["RedrivePolicy"] == {
        "deadLetterTargetArn": arn_of(stack.queue_id(f"{prefix}-command-dlq")),
        "maxReceiveCount": 3,
    }
    # Six times the function's timeout (300 s by default), as AWS advises for an SQS source.
    assert commands["VisibilityTimeout"] == 1800
    assert commands["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert queue(stack, f"{prefix}-command-dlq")["SqsManagedSseEnabled"] is True


def queue_policy(stack: Synthesized, queue_id: str) -> list[dict[str, Any]]:
    for policy in stack.resources("AWS::SQS::QueuePolicy").values():
        if policy["Properties"]["Queues"] == [{"Ref": queue_id}]:
            statements: list[dict[str, Any]] = policy["Properties"]["PolicyDocument"]["Statement"]
            return statements
    raise AssertionError(f"no policy on {queue_id}")


def test_only_tls_and_only_the_command_rule_may_send_to_the_command_queue(
    default_stack: Synthesized,
) -> None:
    queue_id = default_stack.queue_id("session-stopper-dev-commands")
    rule_id = default_stack.logical_id(
        "AWS::Events::Rule", "'Name': 'session-stopper-dev-commands'"
    )
    statements = queue_policy(default_stack, queue_id)
    denies = [s for s in statements if s["Effect"] == "Deny"]
    assert [s["Condition"] for s in denies] == [{"Bool": {"aws:SecureTransport": "false"}}]
    allows = [s for s in statements if s["Effect"] == "Allow"]
    assert len(allows) == 1
    assert allows[0]["Principal"] == {"Service": "events.amazonaws.com"}
    assert "sqs:SendMessage" in allows[0]["Action"]
    assert allows[0]["Condition"] == {"ArnEquals": {"aws:SourceArn": arn_of(rule_id)}}


@BOTH_STACKS
def test_the_function_consumes_the_queue_with_a_bounded_lane_and_partial_failures(
    which: str, prefix: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    lane = mapping(stack)
    assert lane["EventSourceArn"] == arn_of(stack.queue_id(f"{prefix}-commands"))
    assert lane["ScalingConfig"] == {"MaximumConcurrency": 2}
    assert lane["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert lane["BatchSize"] == 10
    # The same target as every other trigger: the `live` alias (SnapStart is on in both).
    (alias,) = stack.resources("AWS::Lambda::Alias")
    name = lane["FunctionName"]["Fn::Join"][1]
    assert name[-1] == ":live"
    assert alias in str(name[0])


def test_the_lane_leaves_the_automatic_triggers_the_rest_of_the_reserved_concurrency(
    default_stack: Synthesized,
) -> None:
    reserved = default_stack.only("AWS::Lambda::Function")["Properties"][
        "ReservedConcurrentExecutions"
    ]
    lane = mapping(default_stack)["ScalingConfig"]["MaximumConcurrency"]
    assert (reserved, lane) == (10, 2)
    assert reserved - lane >= 3


def test_the_mapping_waits_for_the_permission_to_consume(default_stack: Synthesized) -> None:
    """Lambda checks the role's SQS permissions when it creates the mapping."""
    (logical_id,) = default_stack.resources("AWS::Lambda::EventSourceMapping")
    depends_on = default_stack.raw["Resources"][logical_id].get("DependsOn", [])
    role_policy = default_stack.logical_id("AWS::IAM::Policy", "ConsumeCommandQueue")
    assert role_policy in depends_on
