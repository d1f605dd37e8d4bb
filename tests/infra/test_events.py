"""EventBridge rules: command events, the sweep schedule and alarm state changes, each with a
dead-letter queue and a retry policy on its target."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from infra.constructs.events import Triggers
from tests.infra.conftest import NARROW_CONTEXT, Synthesized
from tests.infra.test_config import load

pytestmark = pytest.mark.synth


def rule(stack: Synthesized, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = stack.resources("AWS::Events::Rule")[
        stack.logical_id("AWS::Events::Rule", f"'Name': '{name}'")
    ]["Properties"]
    return properties


def test_every_rule_target_has_a_dead_letter_queue_and_retries(
    default_stack: Synthesized,
) -> None:
    dlq = default_stack.queue_id("session-stopper-dev-event-dlq")
    function = default_stack.only_id("AWS::Lambda::Function")
    rules = default_stack.resources("AWS::Events::Rule").values()
    assert len(rules) == 3
    for each in rules:
        (target,) = each["Properties"]["Targets"]
        assert target["Arn"] == {"Fn::GetAtt": [function, "Arn"]}
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": 4,
            "MaximumEventAgeInSeconds": 7200,
        }


def test_command_rule_matches_stop_and_sweep_commands(default_stack: Synthesized) -> None:
    assert rule(default_stack, "session-stopper-dev-commands")["EventPattern"] == {
        "source": ["devicefarm.session-stopper"],
        "detail-type": ["Stop Remote Access Session", "Sweep Remote Access Sessions"],
    }


def test_schedule_rule_sends_the_scheduled_event_envelope(default_stack: Synthesized) -> None:
    schedule = rule(default_stack, "session-stopper-dev-sweep-schedule")
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    assert schedule["State"] == "ENABLED"
    assert "Input" not in schedule["Targets"][0], "the Scheduled Event envelope names the rule"


def test_schedule_can_be_disabled(narrow_stack: Synthesized) -> None:
    schedule = rule(narrow_stack, "session-stopper-prod-sweep-schedule")
    assert schedule["State"] == "DISABLED"
    assert schedule["ScheduleExpression"] == NARROW_CONTEXT["sweepSchedule"]


def test_alarm_rule_matches_the_prefix_in_alarm_state(default_stack: Synthesized) -> None:
    assert rule(default_stack, "session-stopper-dev-alarms")["EventPattern"] == {
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [{"prefix": "devicefarm-stop-"}],
            "state": {"value": ["ALARM"]},
        },
    }


def test_alarm_rule_matches_named_alarms(narrow_stack: Synthesized) -> None:
    pattern = rule(narrow_stack, "session-stopper-prod-alarms")["EventPattern"]
    assert pattern["detail"]["alarmName"] == NARROW_CONTEXT["alarmNames"]


def test_no_alarm_scope_means_no_alarm_rule() -> None:
    """Without names or prefix no rule: matching every alarm would make any alarm a kill switch.
    The alarm action permission then covers this account's alarms in the stack's region."""
    stack = Stack(App(), "TriggersOnly")
    function = lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    Triggers(stack, "Triggers", config=load(alarmNamePrefix="", alarmNames=[]), function=function)
    template = Template.from_stack(stack)

    template.resource_count_is("AWS::Events::Rule", 2)
    permissions = template.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"Principal": "lambda.alarms.cloudwatch.amazonaws.com"}},
    )
    (permission,) = permissions.values()
    assert permission["Properties"]["SourceArn"]["Fn::Join"][1][-1] == ":alarm:*"


def test_rule_dead_letter_queue_accepts_only_its_rules(default_stack: Synthesized) -> None:
    dlq = default_stack.queue_id("session-stopper-dev-event-dlq")
    (policy,) = [
        each["Properties"]["PolicyDocument"]["Statement"]
        for each in default_stack.resources("AWS::SQS::QueuePolicy").values()
        if each["Properties"]["Queues"] == [{"Ref": dlq}]
    ]
    senders = [s for s in policy if s["Effect"] == "Allow"]
    assert len(senders) == 3
    for statement in senders:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
        assert "aws:SourceArn" in statement["Condition"]["ArnEquals"]
