"""The function's IAM: exactly the statements it needs, one acknowledged wildcard reason."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.conftest import NARROW_CONTEXT, Synthesized

pytestmark = pytest.mark.synth
ACCOUNT = {"Ref": "AWS::AccountId"}


def devicefarm_arn(resource: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:aws:devicefarm:us-west-2:", ACCOUNT, f":{resource}"]]}


def function_policy(stack: Synthesized) -> list[dict[str, Any]]:
    role_id = stack.only("AWS::Lambda::Function")["Properties"]["Role"]["Fn::GetAtt"][0]
    policies = [
        policy["Properties"]
        for policy in stack.resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    assert len(policies) == 1
    assert policies[0]["PolicyDocument"]["Version"] == "2012-10-17"
    statements: list[dict[str, Any]] = policies[0]["PolicyDocument"]["Statement"]
    return statements


def expected_statements(
    stack: Synthesized, sessions: Any, projects: Any, prefix: str
) -> list[dict[str, Any]]:
    def arn_of(logical_id: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [logical_id, "Arn"]}

    allow = {"Effect": "Allow"}
    return [
        {**allow, "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
        {
            **allow,
            "Sid": "DeviceFarmSessions",
            "Action": ["devicefarm:GetRemoteAccessSession", "devicefarm:StopRemoteAccessSession"],
            "Resource": sessions,
        },
        {
            **allow,
            "Sid": "DeviceFarmProjectSessions",
            "Action": "devicefarm:ListRemoteAccessSessions",
            "Resource": projects,
        },
        {
            **allow,
            "Sid": "DeviceFarmListProjects",
            "Action": "devicefarm:ListProjects",
            "Resource": "*",
        },
        {
            **allow,
            "Sid": "PublishOutcomes",
            "Action": "sns:Publish",
            "Resource": {"Ref": stack.logical_id("AWS::SNS::Topic", f"{prefix}-outcomes")},
        },
        {
            **allow,
            "Sid": "EncryptOutcomes",
            "Action": ["kms:GenerateDataKey*", "kms:Decrypt"],
            "Resource": arn_of(stack.only_id("AWS::KMS::Key")),
        },
        {
            **allow,
            "Sid": "SendToDeadLetterQueues",
            "Action": "sqs:SendMessage",
            "Resource": [
                arn_of(stack.queue_id(f"{prefix}-outcome-dlq")),
                arn_of(stack.queue_id(f"{prefix}-async-failures")),
            ],
        },
        {
            **allow,
            "Sid": "IdempotencyRecords",
            "Action": [
                "dynamodb:GetItem",
                "dynamodb:PutItem",
                "dynamodb:UpdateItem",
                "dynamodb:DeleteItem",
            ],
            "Resource": arn_of(stack.only_id("AWS::DynamoDB::Table")),
        },
        {
            **allow,
            "Sid": "WriteOwnLogGroup",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": arn_of(stack.logical_id("AWS::Logs::LogGroup", "StopperLogGroup")),
        },
    ]


def test_function_policy_is_exactly_least_privilege(default_stack: Synthesized) -> None:
    assert function_policy(default_stack) == expected_statements(
        default_stack,
        sessions=devicefarm_arn("session:*"),
        projects=devicefarm_arn("project:*"),
        prefix="session-stopper-dev",
    )


def test_listed_projects_narrow_the_device_farm_resources(narrow_stack: Synthesized) -> None:
    ids = [arn.rsplit(":", 1)[1] for arn in NARROW_CONTEXT["projectArns"]]
    assert function_policy(narrow_stack) == expected_statements(
        narrow_stack,
        sessions=[devicefarm_arn(f"session:{pid}/*") for pid in ids],
        projects=[devicefarm_arn(f"project:{pid}") for pid in ids],
        prefix="session-stopper-prod",
    )


def test_wildcard_resources_only_where_iam_has_no_resource_type(
    default_stack: Synthesized,
) -> None:
    wildcard_actions = {
        action
        for statement in function_policy(default_stack)
        if statement["Resource"] == "*"
        for action in _as_list(statement["Action"])
    }
    assert wildcard_actions == {
        "devicefarm:ListProjects",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
    }


def test_no_managed_policy_on_the_function_role(default_stack: Synthesized) -> None:
    role_id = default_stack.only("AWS::Lambda::Function")["Properties"]["Role"]["Fn::GetAtt"][0]
    role = default_stack.raw["Resources"][role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]


def test_no_other_policy_grants_a_wildcard_resource(default_stack: Synthesized) -> None:
    """Besides the function's policy, no identity policy in the stack uses '*'."""
    role_id = default_stack.only("AWS::Lambda::Function")["Properties"]["Role"]["Fn::GetAtt"][0]
    for policy in default_stack.resources("AWS::IAM::Policy").values():
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "*" not in _as_list(statement["Resource"])


def test_alarms_may_invoke_the_function_only_from_this_account(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    def alarm_permissions(stack: Synthesized) -> list[dict[str, Any]]:
        return [
            permission["Properties"]
            for permission in stack.resources("AWS::Lambda::Permission").values()
            if permission["Properties"]["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com"
        ]

    def alarm_arn(name: str) -> dict[str, Any]:
        parts = ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}]
        return {"Fn::Join": ["", [*parts, ":", ACCOUNT, f":alarm:{name}"]]}

    (prefix_permission,) = alarm_permissions(default_stack)
    assert prefix_permission["SourceAccount"] == ACCOUNT
    assert prefix_permission["SourceArn"] == alarm_arn("devicefarm-stop-*")
    assert prefix_permission["Action"] == "lambda:InvokeFunction"
    named = alarm_permissions(narrow_stack)
    assert [permission["SourceArn"] for permission in named] == [
        alarm_arn(name) for name in NARROW_CONTEXT["alarmNames"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
