"""The function's IAM: exactly the statements it needs, one acknowledged wildcard reason."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constructs.permissions import GrantTargets, function_statements
from infra.constructs.permissions import alarm_arn as alarm_arn_string
from tests.infra.conftest import NARROW_CONTEXT, Synthesized
from tests.infra.test_config import load

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


def alarm_arn(name: str) -> dict[str, Any]:
    parts = ["arn:", {"Ref": "AWS::Partition"}, ":cloudwatch:", {"Ref": "AWS::Region"}]
    return {"Fn::Join": ["", [*parts, ":", ACCOUNT, f":alarm:{name}"]]}


def timer_statements(stack: Synthesized, prefix: str, projects: Any) -> list[dict[str, Any]]:
    """What the function may do with its timers: schedules of its own group, the timer role
    passed to Scheduler only, and the projects' budget tags."""
    timer_role = stack.logical_id("AWS::IAM::Role", "Timers")
    return [
        {
            "Effect": "Allow",
            "Sid": "ManageTimers",
            "Action": [
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            "Resource": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":scheduler:",
                        {"Ref": "AWS::Region"},
                        ":",
                        ACCOUNT,
                        f":schedule/{prefix}-timers/*",
                    ],
                ]
            },
        },
        {
            "Effect": "Allow",
            "Sid": "PassTimerRole",
            "Action": "iam:PassRole",
            "Resource": {"Fn::GetAtt": [timer_role, "Arn"]},
            "Condition": {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}},
        },
        {
            "Effect": "Allow",
            "Sid": "ReadProjectBudgets",
            "Action": "devicefarm:ListTagsForResource",
            "Resource": projects,
        },
    ]


def expected_statements(
    stack: Synthesized,
    sessions: Any,
    projects: Any,
    prefix: str,
    alarms: Any | None,
    timers: bool,
) -> list[dict[str, Any]]:
    """`alarms`: what ReadAlarmState covers, or None when no alarm may act (no statement);
    `timers`: whether the stack has expiry timers (sessionTimers)."""

    def arn_of(logical_id: str) -> dict[str, Any]:
        return {"Fn::GetAtt": [logical_id, "Arn"]}

    allow = {"Effect": "Allow"}
    read_alarms = [
        {
            **allow,
            "Sid": "ReadAlarmState",
            "Action": "cloudwatch:DescribeAlarms",
            "Resource": alarms,
        }
    ]
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
                "dynamodb:BatchGetItem",
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
        {
            **allow,
            "Sid": "ContinueSweeps",
            "Action": "lambda:InvokeFunction",
            "Resource": continuation_target(stack),
        },
        *(read_alarms if alarms is not None else []),
        *(timer_statements(stack, prefix, projects) if timers else []),
        {
            **allow,
            "Sid": "ConsumeCommandQueue",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
            "Resource": arn_of(stack.queue_id(f"{prefix}-commands")),
        },
    ]


def continuation_target(stack: Synthesized) -> Any:
    """The function may invoke only what its triggers invoke: itself, through its alias."""
    return stack.only("AWS::Lambda::Function")["Properties"]["Environment"]["Variables"][
        "CONTINUATION_TARGET_ARN"
    ]


def test_the_function_may_invoke_only_its_own_live_alias(default_stack: Synthesized) -> None:
    target = continuation_target(default_stack)
    assert target["Fn::Join"][1][-1] == ":function:session-stopper-dev-function:live"
    invokes = [
        statement
        for statement in function_policy(default_stack)
        if "lambda:InvokeFunction" in str(statement["Action"])
    ]
    assert invokes == [
        {
            "Effect": "Allow",
            "Sid": "ContinueSweeps",
            "Action": "lambda:InvokeFunction",
            "Resource": target,
        }
    ]
    # Spelled from the fixed name: no reference back to the function (no circular dependency).
    assert default_stack.only_id("AWS::Lambda::Function") not in str(target)
    assert default_stack.only_id("AWS::Lambda::Alias") not in str(target)


def test_function_policy_is_exactly_least_privilege(default_stack: Synthesized) -> None:
    assert function_policy(default_stack) == expected_statements(
        default_stack,
        sessions=devicefarm_arn("session:*"),
        projects=devicefarm_arn("project:*"),
        prefix="session-stopper-dev",
        # No alarm is configured by default: the function may not even read alarms.
        alarms=None,
        timers=True,
    )


def test_listed_projects_narrow_the_device_farm_resources(narrow_stack: Synthesized) -> None:
    ids = [arn.rsplit(":", 1)[1] for arn in NARROW_CONTEXT["projectArns"]]
    assert function_policy(narrow_stack) == expected_statements(
        narrow_stack,
        sessions=[devicefarm_arn(f"session:{pid}/*") for pid in ids],
        projects=[devicefarm_arn(f"project:{pid}") for pid in ids],
        prefix="session-stopper-prod",
        # A kill switch is configured: AWS describes composite alarms only to a '*' grant.
        alarms="*",
        # sessionTimers=false: no scheduler, PassRole or tag permission at all.
        timers=False,
    )


def test_alarm_reads_are_scoped_to_the_alarms_with_authority() -> None:
    """Exact ARNs (and the prefix) when only session alarms are configured; '*' only for kill
    switches (composite alarms); no statement at all without an alarm configuration."""

    def read_alarm_resources(**context: Any) -> list[Any] | None:
        targets = GrantTargets("111122223333", "topic", "key", ["queue"], "table", "logs")
        found = [
            statement.to_statement_json()
            for statement in function_statements(load(**context), targets)
            if statement.sid == "ReadAlarmState"
        ]
        assert len(found) <= 1
        return _as_list(found[0]["Resource"]) if found else None

    # alarm_arn_string: the ARN as the stack code builds it, before synthesis resolves tokens.
    assert read_alarm_resources() is None  # the default
    assert read_alarm_resources(alarmNames=["qa-budget"]) == [alarm_arn_string("qa-budget")]
    assert read_alarm_resources(alarmNamePrefix="devicefarm-stop-") == [
        alarm_arn_string("devicefarm-stop-*")
    ]
    assert read_alarm_resources(alarmNames=["qa-budget"], alarmNamePrefix="qa-stop-") == [
        alarm_arn_string("qa-budget"),
        alarm_arn_string("qa-stop-*"),
    ]
    assert read_alarm_resources(killSwitchAlarmNames=["kill"]) == ["*"]
    assert read_alarm_resources(alarmNamePrefix="qa-stop-", killSwitchAlarmNames=["kill"]) == ["*"]


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
    policies = [
        *default_stack.resources("AWS::IAM::Policy").values(),
        *default_stack.resources("AWS::IAM::ManagedPolicy").values(),
    ]
    for policy in policies:
        if policy["Properties"].get("Roles") == [{"Ref": role_id}]:
            continue
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
            assert "*" not in _as_list(statement["Resource"])


def test_exactly_the_configured_alarms_may_invoke_the_function(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    def alarm_permissions(stack: Synthesized) -> list[dict[str, Any]]:
        return [
            permission["Properties"]
            for permission in stack.resources("AWS::Lambda::Permission").values()
            if permission["Properties"]["Principal"] == "lambda.alarms.cloudwatch.amazonaws.com"
        ]

    # The default configures no alarm, so no alarm may use the function as its action.
    assert alarm_permissions(default_stack) == []
    # Session alarms by name, then by prefix, then the kill switches: nothing else.
    granted = alarm_permissions(narrow_stack)
    assert [permission["SourceArn"] for permission in granted] == [
        *(alarm_arn(name) for name in NARROW_CONTEXT["alarmNames"]),
        alarm_arn(f"{NARROW_CONTEXT['alarmNamePrefix']}*"),
        *(alarm_arn(name) for name in NARROW_CONTEXT["killSwitchAlarmNames"]),
    ]
    # SnapStart: the alarms invoke the `live` alias (Ref of an alias is its ARN).
    alias = narrow_stack.only_id("AWS::Lambda::Alias")
    for permission in granted:
        assert permission["SourceAccount"] == ACCOUNT
        assert permission["Action"] == "lambda:InvokeFunction"
        assert permission["FunctionName"] == {"Ref": alias}


def managed_policy(stack: Synthesized, name: str) -> dict[str, Any]:
    (policy,) = [
        each["Properties"]
        for each in stack.resources("AWS::IAM::ManagedPolicy").values()
        if each["Properties"]["ManagedPolicyName"] == name
    ]
    return policy


def method_arn(stack: Synthesized, path: str, verb: str = "POST") -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":execute-api:",
                {"Ref": "AWS::Region"},
                ":",
                ACCOUNT,
                ":",
                {"Ref": stack.only_id("AWS::ApiGateway::RestApi")},
                "/",
                {"Ref": stack.only_id("AWS::ApiGateway::Stage")},
                f"/{verb}{path}",
            ],
        ]
    }


def put_command(stack: Synthesized, sid: str, detail_type: str) -> dict[str, Any]:
    return {
        "Sid": sid,
        "Effect": "Allow",
        "Action": "events:PutEvents",
        "Resource": {"Fn::GetAtt": [stack.only_id("AWS::Events::EventBus"), "Arn"]},
        "Condition": {
            "StringEquals": {
                "events:source": "devicefarm.session-stopper",
                "events:detail-type": detail_type,
            }
        },
    }


def test_caller_policy_stops_one_session_and_nothing_else(default_stack: Synthesized) -> None:
    policy = managed_policy(default_stack, "session-stopper-dev-caller")
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "StopOneSessionOverHttp",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": method_arn(default_stack, "/sessions/stop"),
        },
        {
            "Sid": "ExtendOneSessionOverHttp",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": method_arn(default_stack, "/sessions/extend"),
        },
        put_command(default_stack, "SendStopCommands", "Stop Remote Access Session"),
    ]


def test_without_timers_callers_only_stop(narrow_stack: Synthesized) -> None:
    policy = managed_policy(narrow_stack, "session-stopper-prod-caller")
    assert [statement["Sid"] for statement in policy["PolicyDocument"]["Statement"]] == [
        "StopOneSessionOverHttp",
        "SendStopCommands",
    ]


def test_operator_policy_sweeps(default_stack: Synthesized) -> None:
    policy = managed_policy(default_stack, "session-stopper-dev-operator")
    alias = default_stack.only_id("AWS::Lambda::Alias")
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "SweepOverHttp",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": method_arn(default_stack, "/sweeps"),
        },
        {
            "Sid": "ListSessionsOverHttp",
            "Effect": "Allow",
            "Action": "execute-api:Invoke",
            "Resource": method_arn(default_stack, "/sessions", "GET"),
        },
        put_command(default_stack, "SendSweepCommands", "Sweep Remote Access Sessions"),
        {
            "Sid": "InvokeTheFunction",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            # The `live` alias: with SnapStart only the published version is primed.
            "Resource": {"Ref": alias},
        },
    ]


def test_policies_and_command_bus_are_outputs(default_stack: Synthesized) -> None:
    outputs = default_stack.raw["Outputs"]
    for name, fragment in (
        ("CallerPolicyArn", "session-stopper-dev-caller"),
        ("OperatorPolicyArn", "session-stopper-dev-operator"),
    ):
        policy_id = default_stack.logical_id(
            "AWS::IAM::ManagedPolicy", f"'ManagedPolicyName': '{fragment}'"
        )
        assert outputs[name]["Value"] == {"Ref": policy_id}
    bus = default_stack.only_id("AWS::Events::EventBus")
    assert outputs["CommandBusName"]["Value"] == {"Ref": bus}
    assert outputs["CommandBusArn"]["Value"] == {"Fn::GetAtt": [bus, "Arn"]}


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]
