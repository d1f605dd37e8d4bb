"""EventBridge rules: command events, the sweep schedule and alarm state changes, each with a
dead-letter queue and a retry policy on its target."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_cdk import App, Stack
from aws_cdk.assertions import Template
from moto import mock_aws

from infra.constructs.events import Triggers
from tests.infra.conftest import NARROW_CONTEXT, Synthesized, placeholder_function
from tests.infra.test_config import load
from tests.infra.test_iam import alarm_arn

pytestmark = pytest.mark.synth
ACCOUNT = {"Ref": "AWS::AccountId"}
SESSION_PREFIX = {"Fn::Join": ["", ["arn:aws:devicefarm:us-west-2:", ACCOUNT, ":session:"]]}


def rule(stack: Synthesized, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = stack.resources("AWS::Events::Rule")[
        stack.logical_id("AWS::Events::Rule", f"'Name': '{name}'")
    ]["Properties"]
    return properties


# Per stack: its name prefix and its rules (commands, sweep schedule, alarms if configured, and
# Device Farm's calls when timers are on).
STACK_RULES = [
    ("default_stack", "session-stopper-dev", ["commands", "sweep-schedule", "device-farm-calls"]),
    ("narrow_stack", "session-stopper-prod", ["commands", "sweep-schedule", "alarms"]),
]


def rule_names(stack: Synthesized) -> list[str]:
    return sorted(
        each["Properties"]["Name"] for each in stack.resources("AWS::Events::Rule").values()
    )


@pytest.mark.parametrize(("which", "prefix", "names"), STACK_RULES)
def test_every_rule_target_has_a_dead_letter_queue_and_retries(
    which: str, prefix: str, names: list[str], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    dlq = stack.queue_id(f"{prefix}-event-dlq")
    # With SnapStart (every stack here but the forwarded one) the rules invoke the alias.
    aliases = list(stack.resources("AWS::Lambda::Alias"))
    invoked = (
        {"Ref": aliases[0]}
        if aliases
        else {"Fn::GetAtt": [stack.only_id("AWS::Lambda::Function"), "Arn"]}
    )
    # Caller commands take the command lane: their rule targets the command queue instead.
    lane = {"Fn::GetAtt": [stack.queue_id(f"{prefix}-commands"), "Arn"]}
    assert rule_names(stack) == sorted(f"{prefix}-{name}" for name in names)
    for each in stack.resources("AWS::Events::Rule").values():
        (target,) = each["Properties"]["Targets"]
        commands = each["Properties"]["Name"] == f"{prefix}-commands"
        assert target["Arn"] == (lane if commands else invoked)
        assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}
        assert target["RetryPolicy"] == {
            "MaximumRetryAttempts": 4,
            "MaximumEventAgeInSeconds": 7200,
        }


def test_command_rule_matches_stop_and_sweep_commands_on_the_command_bus(
    default_stack: Synthesized,
) -> None:
    command_rule = rule(default_stack, "session-stopper-dev-commands")
    assert command_rule["EventBusName"] == {"Ref": default_stack.only_id("AWS::Events::EventBus")}
    assert command_rule["EventPattern"] == {
        "account": [ACCOUNT],
        "source": ["devicefarm.session-stopper"],
        "detail-type": ["Stop Remote Access Session", "Sweep Remote Access Sessions"],
        "detail": {"arn": [{"prefix": SESSION_PREFIX}, {"exists": False}]},
    }


def _resolved(value: Any, account: str) -> Any:
    """The pattern as CloudFormation deploys it: the intrinsics it uses, resolved."""
    if isinstance(value, list):
        return [_resolved(item, account) for item in value]
    if not isinstance(value, dict):
        return value
    if value == ACCOUNT:
        return account
    if list(value) == ["Fn::Join"]:
        separator, parts = value["Fn::Join"]
        return separator.join(_resolved(part, account) for part in parts)
    return {key: _resolved(item, account) for key, item in value.items()}


OWN_SESSION = "arn:aws:devicefarm:us-west-2:123456789012:session:p-1/s-1/00000"
# (case id, detail-type, detail, whether the rule delivers it to the function)
COMMANDS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("own-session", "Stop Remote Access Session", {"arn": OWN_SESSION}, True),
    ("2-kb-of-text", "Stop Remote Access Session", {"arn": "Call +1-555-0100 " * 120}, False),
    (
        "other-account",
        "Stop Remote Access Session",
        {"arn": OWN_SESSION.replace("123456789012", "210987654321")},
        False,
    ),
    (
        "other-region",
        "Stop Remote Access Session",
        {"arn": OWN_SESSION.replace("us-west-2", "us-east-1")},
        False,
    ),
    ("upper-case", "Stop Remote Access Session", {"arn": OWN_SESSION.upper()}, False),
    ("leading-blank", "Stop Remote Access Session", {"arn": " " + OWN_SESSION}, False),
    (
        "project-arn",
        "Stop Remote Access Session",
        {"arn": "arn:aws:devicefarm:us-west-2:123456789012:project:p-1"},
        False,
    ),
    ("number", "Stop Remote Access Session", {"arn": 123456789012}, False),
    # Refused by the function itself (MISSING_FIELD): a pattern cannot require a key for one
    # detail-type and forbid it for the other.
    ("no-arn", "Stop Remote Access Session", {}, True),
    ("sweep", "Sweep Remote Access Sessions", {"maxAgeMinutes": 90}, True),
]


def test_command_rule_lets_through_only_stops_of_this_deployments_sessions(
    default_stack: Synthesized,
) -> None:
    """EventBridge as moto runs it: the deployed pattern (account token resolved) on a bus,
    and a queue as the rule's target, sent every command above."""
    pattern = _resolved(
        rule(default_stack, "session-stopper-dev-commands")["EventPattern"], "123456789012"
    )
    with mock_aws():
        bus, region = "commands", "us-west-2"
        eventbridge = boto3.client("events", region_name=region)
        sqs = boto3.client("sqs", region_name=region)
        eventbridge.create_event_bus(Name=bus)
        eventbridge.put_rule(Name="commands", EventBusName=bus, EventPattern=json.dumps(pattern))
        queue = sqs.create_queue(QueueName="function")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        eventbridge.put_targets(
            Rule="commands",
            EventBusName=bus,
            Targets=[{"Id": "function", "Arn": queue_arn["Attributes"]["QueueArn"]}],
        )
        for _, detail_type, detail, _ in COMMANDS:
            eventbridge.put_events(
                Entries=[
                    {
                        "EventBusName": bus,
                        "Source": "devicefarm.session-stopper",
                        "DetailType": detail_type,
                        "Detail": json.dumps(detail),
                    }
                ]
            )
        delivered = [
            json.loads(message["Body"])["detail"]
            for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get(
                "Messages", []
            )
        ]

    assert sorted(map(json.dumps, delivered)) == sorted(
        json.dumps(detail) for _, _, detail, delivers in COMMANDS if delivers
    )


def test_command_bus_is_the_stacks_own_and_refuses_other_accounts(
    default_stack: Synthesized,
) -> None:
    bus = default_stack.only("AWS::Events::EventBus")["Properties"]
    assert bus["Name"] == "session-stopper-dev-commands"
    assert bus["Policy"]["Statement"] == [
        {
            "Sid": "ThisAccountOnly",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "events:PutEvents",
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":events:",
                        {"Ref": "AWS::Region"},
                        ":",
                        ACCOUNT,
                        ":event-bus/session-stopper-dev-commands",
                    ],
                ]
            },
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        }
    ]
    default_stack.template.resource_count_is("AWS::Events::EventBusPolicy", 0)


@pytest.mark.parametrize(
    ("which", "pattern_rules"),
    # The command rule, the alarm rule if any, and Device Farm's calls with timers.
    [("default_stack", 2), ("narrow_stack", 2)],
)
def test_every_pattern_rule_pins_this_account(
    which: str, pattern_rules: int, request: pytest.FixtureRequest
) -> None:
    """A rule without an `account` field would also match events other accounts could send."""
    stack: Synthesized = request.getfixturevalue(which)
    patterns = [
        each["Properties"]["EventPattern"]
        for each in stack.resources("AWS::Events::Rule").values()
        if "EventPattern" in each["Properties"]
    ]
    assert len(patterns) == pattern_rules
    for pattern in patterns:
        assert pattern["account"] == [ACCOUNT]


def test_schedule_and_alarm_rules_stay_on_the_default_bus(narrow_stack: Synthesized) -> None:
    """Schedules run and AWS service events arrive only on the default bus."""
    for name in ("session-stopper-prod-sweep-schedule", "session-stopper-prod-alarms"):
        assert "EventBusName" not in rule(narrow_stack, name)


def test_schedule_rule_sends_the_scheduled_event_envelope(default_stack: Synthesized) -> None:
    schedule = rule(default_stack, "session-stopper-dev-sweep-schedule")
    assert schedule["ScheduleExpression"] == "rate(15 minutes)"
    assert schedule["State"] == "ENABLED"
    assert "Input" not in schedule["Targets"][0], "the Scheduled Event envelope names the rule"


def test_schedule_can_be_disabled(narrow_stack: Synthesized) -> None:
    schedule = rule(narrow_stack, "session-stopper-prod-sweep-schedule")
    assert schedule["State"] == "DISABLED"
    assert schedule["ScheduleExpression"] == NARROW_CONTEXT["sweepSchedule"]


def test_alarm_rule_matches_the_prefix_in_alarm_state(narrow_stack: Synthesized) -> None:
    assert rule(narrow_stack, "session-stopper-prod-alarms")["EventPattern"] == {
        "account": [ACCOUNT],
        "region": [{"Ref": "AWS::Region"}],
        "source": ["aws.cloudwatch"],
        "detail-type": ["CloudWatch Alarm State Change"],
        "detail": {
            "alarmName": [
                *NARROW_CONTEXT["alarmNames"],
                *NARROW_CONTEXT["killSwitchAlarmNames"],
                {"prefix": NARROW_CONTEXT["alarmNamePrefix"]},
            ],
            "state": {"value": ["ALARM"]},
        },
    }


def test_alarm_rule_matches_session_alarms_and_kill_switches() -> None:
    """Exact names alone (no prefix) match exactly those names, nothing by prefix."""
    stack = Stack(App(), "TriggersOnly")
    function = placeholder_function(stack)
    config = load(alarmNames=["qa-budget"], killSwitchAlarmNames=["qa-kill-switch"])
    Triggers(stack, "Triggers", config=config, function=function)
    template = Template.from_stack(stack)
    (alarm_rule,) = [
        each["Properties"]
        for each in template.find_resources("AWS::Events::Rule").values()
        if each["Properties"].get("EventPattern", {}).get("source") == ["aws.cloudwatch"]
    ]
    assert alarm_rule["EventPattern"]["detail"]["alarmName"] == ["qa-budget", "qa-kill-switch"]
    permissions = template.find_resources(
        "AWS::Lambda::Permission",
        {"Properties": {"Principal": "lambda.alarms.cloudwatch.amazonaws.com"}},
    )
    assert [each["Properties"]["SourceArn"] for each in permissions.values()] == [
        alarm_arn("qa-budget"),
        alarm_arn("qa-kill-switch"),
    ]


def test_no_alarm_configuration_grants_alarms_nothing(default_stack: Synthesized) -> None:
    """The default names no session alarm, prefix or kill switch: no alarm rule and no
    alarm-action permission (matching every alarm would let any alarm of the account stop
    sessions, and a default prefix would let anyone who may create such an alarm do so)."""
    assert "session-stopper-dev-alarms" not in rule_names(default_stack)
    sources = [
        each["Properties"].get("EventPattern", {}).get("source")
        for each in default_stack.resources("AWS::Events::Rule").values()
    ]
    assert ["aws.cloudwatch"] not in sources
    alarm_permissions = [
        permission
        for permission in default_stack.resources("AWS::Lambda::Permission").values()
        if permission["Properties"]["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com"
    ]
    assert alarm_permissions == []


@pytest.mark.parametrize(("which", "prefix", "names"), STACK_RULES)
def test_rule_dead_letter_queue_accepts_only_its_rules(
    which: str, prefix: str, names: list[str], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    dlq = stack.queue_id(f"{prefix}-event-dlq")
    (policy,) = [
        each["Properties"]["PolicyDocument"]["Statement"]
        for each in stack.resources("AWS::SQS::QueuePolicy").values()
        if each["Properties"]["Queues"] == [{"Ref": dlq}]
    ]
    senders = [s for s in policy if s["Effect"] == "Allow"]
    assert len(senders) == len(names)
    for statement in senders:
        assert statement["Principal"] == {"Service": "events.amazonaws.com"}
        assert statement["Action"] == "sqs:SendMessage"
    # One sender per rule of the stack, each limited to that rule.
    assert sorted(str(s["Condition"]["ArnEquals"]["aws:SourceArn"]) for s in senders) == sorted(
        str({"Fn::GetAtt": [rule_id, "Arn"]}) for rule_id in stack.resources("AWS::Events::Rule")
    )
