"""Expiry timers: the schedule group, the role Scheduler assumes, the function's timer rights,
and where Device Farm's API calls are heard (infra/call_route.py) in every kind of region."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_events as events

from app import create_app
from infra.call_route import CallRoute, device_farm_call_route
from tests.infra.conftest import FORWARDED_CONTEXT, FORWARDED_REGION, ForwardedApp, Synthesized
from tests.infra.test_iam import function_policy

pytestmark = pytest.mark.synth
ACCOUNT = {"Ref": "AWS::AccountId"}
PARTITION = {"Ref": "AWS::Partition"}
REGION = {"Ref": "AWS::Region"}
DEVICE_FARM_CALL_PATTERN = {
    "account": [ACCOUNT],
    "region": ["us-west-2"],
    "source": ["aws.devicefarm"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["devicefarm.amazonaws.com"],
        "eventName": ["CreateRemoteAccessSession", "StopRemoteAccessSession"],
    },
}


def join(*parts: Any) -> dict[str, Any]:
    return {"Fn::Join": ["", list(parts)]}


def function_arn(name: str) -> dict[str, Any]:
    return join("arn:", PARTITION, ":lambda:", REGION, ":", ACCOUNT, f":function:{name}")


def timer_role(stack: Synthesized) -> tuple[str, dict[str, Any]]:
    logical_id = stack.logical_id("AWS::IAM::Role", "Timers")
    return logical_id, stack.raw["Resources"][logical_id]["Properties"]


def policies_of(stack: Synthesized, role_id: str) -> list[list[dict[str, Any]]]:
    """The statements of each inline policy attached to the role."""
    return [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in stack.resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
    ]


def rule_named(stack: Synthesized, name: str) -> dict[str, Any]:
    properties: dict[str, Any] = stack.resources("AWS::Events::Rule")[
        stack.logical_id("AWS::Events::Rule", f"'Name': '{name}'")
    ]["Properties"]
    return properties


def test_the_stack_owns_its_schedule_group(default_stack: Synthesized) -> None:
    group = default_stack.only("AWS::Scheduler::ScheduleGroup")
    assert group["Properties"] == {"Name": "session-stopper-dev-timers"}
    # Deleting the group deletes its schedules: none outlives the function it would invoke.
    assert group["DeletionPolicy"] == "Delete"
    output = default_stack.raw["Outputs"]["TimerScheduleGroupName"]
    assert output["Value"] == "session-stopper-dev-timers"


def test_timer_role_trusts_only_scheduler_for_this_accounts_group(
    default_stack: Synthesized,
) -> None:
    _, role = timer_role(default_stack)
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "scheduler.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": ACCOUNT,
                    "aws:SourceArn": join(
                        "arn:",
                        PARTITION,
                        ":scheduler:",
                        REGION,
                        ":",
                        ACCOUNT,
                        ":schedule-group/session-stopper-dev-timers",
                    ),
                }
            },
        }
    ]
    assert "ManagedPolicyArns" not in role


def test_timer_role_may_only_invoke_the_function(default_stack: Synthesized) -> None:
    role_id, _ = timer_role(default_stack)
    assert policies_of(default_stack, role_id) == [
        [
            {
                "Sid": "InvokeTheStopper",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                # The `live` alias: with SnapStart only a published version is primed.
                "Resource": function_arn("session-stopper-dev-function:live"),
            }
        ]
    ]
    managed = default_stack.resources("AWS::IAM::ManagedPolicy").values()
    assert not [
        policy for policy in managed if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    ]


def test_timers_invoke_exactly_what_the_role_may_invoke(default_stack: Synthesized) -> None:
    """TIMER_TARGET_ARN is the function's `live` alias, built from its fixed name; the timer role's
    grant names the same ARN, so a timer can always invoke its target and nothing else."""
    function = default_stack.only("AWS::Lambda::Function")["Properties"]
    variables = function["Environment"]["Variables"]
    assert variables["TIMER_TARGET_ARN"] == function_arn(f"{function['FunctionName']}:live")
    role_id, _ = timer_role(default_stack)
    ((grant,),) = policies_of(default_stack, role_id)
    assert grant["Resource"] == variables["TIMER_TARGET_ARN"]
    assert variables["TIMER_ROLE_ARN"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert variables["TIMER_SCHEDULE_GROUP"] == "session-stopper-dev-timers"
    # The group's name is a literal, so the order is explicit: the group first.
    group = default_stack.only_id("AWS::Scheduler::ScheduleGroup")
    function_id = default_stack.only_id("AWS::Lambda::Function")
    assert group in default_stack.raw["Resources"][function_id]["DependsOn"]


def test_function_manages_only_the_schedules_of_its_group(default_stack: Synthesized) -> None:
    statements = {s.get("Sid"): s for s in function_policy(default_stack)}
    scheduler_statements = [
        s
        for s in statements.values()
        if any(a.startswith("scheduler:") for a in _as_list(s["Action"]))
    ]
    assert scheduler_statements == [statements["ManageTimers"]]
    assert statements["ManageTimers"]["Resource"] == join(
        "arn:",
        PARTITION,
        ":scheduler:",
        REGION,
        ":",
        ACCOUNT,
        ":schedule/session-stopper-dev-timers/*",
    )
    assert sorted(statements["ManageTimers"]["Action"]) == [
        "scheduler:CreateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
        "scheduler:UpdateSchedule",
    ]


def test_function_passes_the_timer_role_to_scheduler_only(default_stack: Synthesized) -> None:
    role_id, _ = timer_role(default_stack)
    passing = [s for s in function_policy(default_stack) if "iam:PassRole" in _as_list(s["Action"])]
    assert passing == [
        {
            "Sid": "PassTimerRole",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": [role_id, "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        }
    ]


def test_budget_tags_are_read_on_the_projects_in_scope(forwarded_main_stack: Synthesized) -> None:
    (tags,) = [
        s for s in function_policy(forwarded_main_stack) if s.get("Sid") == "ReadProjectBudgets"
    ]
    assert tags["Action"] == "devicefarm:ListTagsForResource"
    assert tags["Resource"] == [
        join("arn:aws:devicefarm:us-west-2:", ACCOUNT, f":project:{arn.rsplit(':', 1)[1]}")
        for arn in FORWARDED_CONTEXT["projectArns"]
    ]


def test_timer_settings_reach_the_function(forwarded_main_stack: Synthesized) -> None:
    variables = forwarded_main_stack.only("AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    assert variables["WARNING_LEAD_MINUTES"] == "0"
    assert variables["MAX_EXTENSION_MINUTES"] == "0"
    assert variables["TIMER_SCHEDULE_GROUP"] == "session-stopper-qa-timers"


# Where Device Farm's calls are heard.


@pytest.mark.parametrize(
    ("region", "route"),
    [
        ("us-west-2", CallRoute.DEFAULT_BUS),
        ("eu-west-1", CallRoute.FORWARDED),
        ("us-east-1", CallRoute.FORWARDED),
        (Stack().region, CallRoute.UNRESOLVED),
    ],
    ids=["device-farm-region", "eu-west-1", "us-east-1", "unknown"],
)
def test_the_route_follows_the_stacks_region(region: str, route: CallRoute) -> None:
    assert device_farm_call_route(region, "us-west-2") is route


def test_without_a_region_the_rule_is_enabled_only_in_us_west_2(
    default_stack: Synthesized,
) -> None:
    """Offline synth (no CDK_DEFAULT_REGION): the rule sits on the default bus, where the events
    arrive in us-west-2, and is disabled anywhere else; the synth says so."""
    rule = rule_named(default_stack, "session-stopper-dev-device-farm-calls")
    assert "EventBusName" not in rule
    assert rule["EventPattern"] == DEVICE_FARM_CALL_PATTERN
    (condition,) = default_stack.raw["Conditions"]
    assert default_stack.raw["Conditions"][condition] == {"Fn::Equals": [REGION, "us-west-2"]}
    assert rule["State"] == {"Fn::If": [condition, "ENABLED", "DISABLED"]}
    metadata = json.loads(
        (default_stack.outdir / "SessionStopper-dev.metadata.json").read_text(encoding="utf-8")
    )
    warnings = [
        entry["data"]
        for entries in metadata.values()
        for entry in entries
        if entry["type"] == "aws:cdk:warning"
    ]
    assert [w for w in warnings if "companion" in w and "region is unknown" in w]


def test_the_device_farm_call_rule_invokes_the_function_like_every_rule(
    default_stack: Synthesized,
) -> None:
    rule = rule_named(default_stack, "session-stopper-dev-device-farm-calls")
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": default_stack.only_id("AWS::Lambda::Alias")}
    dlq = default_stack.queue_id("session-stopper-dev-event-dlq")
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}


def test_in_us_west_2_the_rule_is_on_the_default_bus_and_there_is_no_companion(
    tmp_path: Path,
) -> None:
    """Built, not synthesized (the app's constructs already say it): one stack, its rule on
    the default bus, always enabled, no condition."""
    app, stack = create_app(outdir=str(tmp_path), region="us-west-2")
    assert [child for child in app.node.children if isinstance(child, Stack)] == [stack]
    rule = stack.node.find_child("Triggers").node.find_child("DeviceFarmCallRule")
    cfn_rule = rule.node.default_child
    assert isinstance(cfn_rule, events.CfnRule)
    assert cfn_rule.event_bus_name is None
    assert cfn_rule.state == "ENABLED"
    assert stack.node.find_child("Triggers").node.try_find_child("InDeviceFarmRegion") is None


def test_without_timers_no_companion_anywhere(tmp_path: Path) -> None:
    app, stack = create_app(
        context={"sessionTimers": False}, outdir=str(tmp_path), region=FORWARDED_REGION
    )
    assert [child for child in app.node.children if isinstance(child, Stack)] == [stack]


def test_elsewhere_the_main_stack_hears_forwarded_calls_on_its_command_bus(
    forwarded_main_stack: Synthesized,
) -> None:
    stack = forwarded_main_stack
    rule = rule_named(stack, "session-stopper-qa-device-farm-calls")
    assert rule["EventBusName"] == {"Ref": stack.only_id("AWS::Events::EventBus")}
    # A forwarded event keeps its account, region and source: the same pattern matches it.
    assert rule["EventPattern"] == DEVICE_FARM_CALL_PATTERN
    assert rule["State"] == "ENABLED"
    assert "Conditions" not in stack.raw


def test_the_command_bus_still_refuses_only_other_accounts(
    forwarded_main_stack: Synthesized,
) -> None:
    """The companion forwards with a role of this account, so the bus's one Deny (principals of
    other accounts) does not touch it and no Allow is needed for the same account. Forged
    Device Farm events are impossible anyway: PutEvents refuses `aws.*` sources from callers."""
    bus = forwarded_main_stack.only("AWS::Events::EventBus")["Properties"]
    (statement,) = bus["Policy"]["Statement"]
    assert (statement["Effect"], statement["Action"]) == ("Deny", "events:PutEvents")
    assert statement["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}


def test_the_companion_lives_in_us_west_2_and_deploys_after_the_main_stack(
    forwarded_app: ForwardedApp,
) -> None:
    manifest = json.loads((forwarded_app.main.outdir / "manifest.json").read_text(encoding="utf-8"))
    artifacts = manifest["artifacts"]
    main = artifacts[forwarded_app.main.stack_name]
    companion = artifacts[forwarded_app.forwarder.stack_name]
    # The region only: both deploy into the account of the credentials that deploy them.
    assert main["environment"] == f"aws://unknown-account/{FORWARDED_REGION}"
    assert companion["environment"] == "aws://unknown-account/us-west-2"
    assert forwarded_app.main.stack_name in companion["dependencies"]


def test_the_companion_forwards_device_farm_calls_to_the_command_bus(
    forwarder_stack: Synthesized,
) -> None:
    stack = forwarder_stack
    bus_arn = join(
        "arn:",
        PARTITION,
        f":events:{FORWARDED_REGION}:",
        ACCOUNT,
        ":event-bus/session-stopper-qa-commands",
    )
    rule = rule_named(stack, "session-stopper-qa-device-farm-calls-forward")
    assert "EventBusName" not in rule  # the default bus, where Device Farm's calls arrive
    assert rule["EventPattern"] == DEVICE_FARM_CALL_PATTERN
    (target,) = rule["Targets"]
    role_id = stack.only_id("AWS::IAM::Role")
    dlq = stack.queue_id("session-stopper-qa-forward-dlq")
    assert target["Arn"] == bus_arn
    assert target["RoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [dlq, "Arn"]}}
    # The forwarding role: EventBridge, for this rule of this account, may put on that bus only.
    role = stack.raw["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Condition": {
                "StringEquals": {
                    "aws:SourceAccount": ACCOUNT,
                    "aws:SourceArn": join(
                        "arn:",
                        PARTITION,
                        ":events:",
                        REGION,
                        ":",
                        ACCOUNT,
                        ":rule/session-stopper-qa-device-farm-calls-forward",
                    ),
                }
            },
        }
    ]
    assert policies_of(stack, role_id) == [
        [{"Action": "events:PutEvents", "Effect": "Allow", "Resource": bus_arn}]
    ]
    assert sorted({each["Type"] for each in stack.raw["Resources"].values()}) == [
        "AWS::Events::Rule",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::SQS::Queue",
        "AWS::SQS::QueuePolicy",
    ]


# sessionTimers=false


def test_without_timers_nothing_of_them_is_built(narrow_stack: Synthesized) -> None:
    for resource_type in ("AWS::Scheduler::ScheduleGroup", "AWS::Scheduler::Schedule"):
        narrow_stack.template.resource_count_is(resource_type, 0)
    assert "session-stopper-prod-device-farm-calls" not in str(
        narrow_stack.resources("AWS::Events::Rule")
    )
    assert "aws.devicefarm" not in json.dumps(narrow_stack.raw)
    # No scheduler action or principal (an alarm of the sweep-schedule rule is no match).
    assert "scheduler:" not in json.dumps(narrow_stack.raw)
    assert "scheduler.amazonaws.com" not in json.dumps(narrow_stack.raw)
    assert "iam:PassRole" not in json.dumps(narrow_stack.raw)
    assert "ListTagsForResource" not in json.dumps(narrow_stack.raw)
    assert "Conditions" not in narrow_stack.raw
    outputs = narrow_stack.raw["Outputs"]
    assert "TimerScheduleGroupName" not in outputs
    assert "ExtendSessionUrl" not in outputs


def test_with_timers_the_extend_url_is_an_output(default_stack: Synthesized) -> None:
    url = default_stack.raw["Outputs"]["ExtendSessionUrl"]["Value"]
    assert url["Fn::Join"][1][-1].endswith("/sessions/extend")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
