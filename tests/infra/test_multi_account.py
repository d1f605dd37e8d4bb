"""Hub and spoke, the hub's side (issue 18): what member accounts may reach, what the function may
do in them, and that the default (single-account) stack gains none of it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack

from infra.constructs.api_policy import resource_policy
from infra.constructs.events import command_bus_statements
from infra.constructs.permissions import member_account_statements
from tests.infra.conftest import (
    MEMBER_DRY,
    MEMBER_LIVE,
    ORGANIZATION_ID,
    Synthesized,
)
from tests.infra.test_config import load
from tests.infra.test_iam import function_policy, managed_policy, method_arn

pytestmark = pytest.mark.synth
ACCOUNT = {"Ref": "AWS::AccountId"}
SPOKE_ROLES = {
    "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::*:role/session-stopper-hub-spoke"]]
}
MEMBER_ROUTES = ["execute-api:/*/POST/sessions/stop", "execute-api:/*/POST/sessions/extend"]
SCOPE_VARIABLES = (
    "MEMBER_ACCOUNTS",
    "ORGANIZATION_UNIT_IDS",
    "HUB_ACCOUNT_IN_SCOPE",
    "SPOKE_ROLE_NAME",
    "SPOKE_EXTERNAL_ID",
)


def environment(stack: Synthesized) -> dict[str, Any]:
    variables: dict[str, Any] = stack.only("AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    return variables


def statements_by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {statement.get("Sid", ""): statement for statement in statements}


def bus_policy(stack: Synthesized) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = stack.only("AWS::Events::EventBus")["Properties"]["Policy"][
        "Statement"
    ]
    return statements


def api_policy(stack: Synthesized) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = stack.only("AWS::ApiGateway::RestApi")["Properties"][
        "Policy"
    ]["Statement"]
    return statements


def rule(stack: Synthesized, name: str) -> dict[str, Any]:
    (found,) = [
        each["Properties"]
        for each in stack.resources("AWS::Events::Rule").values()
        if each["Properties"].get("Name") == name
    ]
    return found


def resolved(document: Any) -> Any:
    """A policy document built outside a synth, as CloudFormation would get it."""
    stack = Stack(App(), "Resolve")
    return stack.resolve(document.to_json() if hasattr(document, "to_json") else document)


# -- the function: its variables, its role, what it may assume --------------------------------


def test_the_function_gets_the_scope_in_exactly_five_variables(
    multi_account_stack: Synthesized, default_stack: Synthesized
) -> None:
    variables = environment(multi_account_stack)
    assert {name: variables[name] for name in SCOPE_VARIABLES} == {
        # Compact JSON, unset values left to the function's defaults, dryRun always said.
        "MEMBER_ACCOUNTS": (
            f'[{{"id":"{MEMBER_LIVE}","dryRun":false,"maxSessionMinutes":90}},'
            f'{{"id":"{MEMBER_DRY}","dryRun":true,"protectedNamePattern":"keep-.*"}}]'
        ),
        "ORGANIZATION_UNIT_IDS": "ou-ab12-11111111,r-ab12",
        "HUB_ACCOUNT_IN_SCOPE": "true",
        "SPOKE_ROLE_NAME": "session-stopper-hub-spoke",
        "SPOKE_EXTERNAL_ID": "session-stopper-hub-7f3a",
    }
    assert json.loads(variables["MEMBER_ACCOUNTS"])[0]["dryRun"] is False
    assert not set(SCOPE_VARIABLES) & set(environment(default_stack))


def test_the_function_role_has_a_stable_name_and_is_an_output(
    multi_account_stack: Synthesized, default_stack: Synthesized
) -> None:
    """Spokes trust the role's ARN: a fixed name survives a replacement of the role. The
    single-account stack keeps its generated name; both publish the ARN."""
    role_id = multi_account_stack.only("AWS::Lambda::Function")["Properties"]["Role"]["Fn::GetAtt"][
        0
    ]
    role = multi_account_stack.raw["Resources"][role_id]["Properties"]
    assert role["RoleName"] == "session-stopper-hub-function"
    default_role_id = default_stack.only("AWS::Lambda::Function")["Properties"]["Role"][
        "Fn::GetAtt"
    ][0]
    assert "RoleName" not in default_stack.raw["Resources"][default_role_id]["Properties"]
    for stack, logical_id in ((multi_account_stack, role_id), (default_stack, default_role_id)):
        assert stack.raw["Outputs"]["FunctionRoleArn"]["Value"] == {
            "Fn::GetAtt": [logical_id, "Arn"]
        }


def test_the_function_assumes_only_spoke_roles_of_accounts_in_scope(
    multi_account_stack: Synthesized,
) -> None:
    statements = statements_by_sid(function_policy(multi_account_stack))
    assert statements["AssumeListedSpokeRoles"] == {
        "Sid": "AssumeListedSpokeRoles",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": SPOKE_ROLES,
        "Condition": {"StringEquals": {"aws:ResourceAccount": [MEMBER_LIVE, MEMBER_DRY]}},
    }
    assert statements["AssumeOrganizationSpokeRoles"] == {
        "Sid": "AssumeOrganizationSpokeRoles",
        "Effect": "Allow",
        "Action": "sts:AssumeRole",
        "Resource": SPOKE_ROLES,
        "Condition": {
            "StringEquals": {"aws:ResourceOrgID": ORGANIZATION_ID},
            # An OU at any depth below the root; the root as the path's second segment.
            "ForAnyValue:StringLike": {
                "aws:ResourceOrgPaths": [
                    f"{ORGANIZATION_ID}/*/ou-ab12-11111111/*",
                    f"{ORGANIZATION_ID}/r-ab12/*",
                ]
            },
        },
    }
    assume = [s for s in statements.values() if "sts:AssumeRole" in json.dumps(s["Action"])]
    assert len(assume) == 2, "no other statement may assume a role"


def test_organization_reads_only_in_organization_mode(
    multi_account_stack: Synthesized, default_stack: Synthesized
) -> None:
    statements = statements_by_sid(function_policy(multi_account_stack))
    partition = {"Ref": "AWS::Partition"}
    assert statements["ReadOrganizationUnits"] == {
        "Sid": "ReadOrganizationUnits",
        "Effect": "Allow",
        "Action": ["organizations:ListChildren", "organizations:ListAccountsForParent"],
        "Resource": [
            {"Fn::Join": ["", ["arn:", partition, f":organizations::*:ou/{ORGANIZATION_ID}/*"]]},
            {"Fn::Join": ["", ["arn:", partition, f":organizations::*:root/{ORGANIZATION_ID}/*"]]},
        ],
    }
    # Listed accounts alone: an assume statement by account, no Organizations access.
    listed = load(memberAccounts=[{"id": MEMBER_LIVE}], spokeExternalId="abc123")
    assert [s.sid for s in member_account_statements(listed)] == ["AssumeListedSpokeRoles"]
    for stack in (default_stack, multi_account_stack):
        actions = json.dumps([s["Action"] for s in function_policy(stack)])
        assert ("organizations:" in actions) is (stack is multi_account_stack)
        assert ("sts:AssumeRole" in actions) is (stack is multi_account_stack)


# -- the command bus ---------------------------------------------------------------------------


def test_bus_admits_members_only_for_stop_commands_and_forwarded_device_farm_calls(
    multi_account_stack: Synthesized,
) -> None:
    statements = bus_policy(multi_account_stack)
    bus_arn = statements[0]["Resource"]
    assert [s["Sid"] for s in statements] == [
        "ScopedAccountsOnly",
        "MemberAccountsSendStopCommands",
        "MemberAccountsForwardDeviceFarmCalls",
    ]
    # Everyone outside this account and the organization: denied, whatever else allows them.
    assert statements[0] == {
        "Sid": "ScopedAccountsOnly",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "events:PutEvents",
        "Resource": bus_arn,
        "Condition": {
            "StringNotEquals": {
                "aws:PrincipalAccount": ACCOUNT,
                "aws:PrincipalOrgID": ORGANIZATION_ID,
            }
        },
    }
    for statement, source, detail_type in (
        (statements[1], "devicefarm.session-stopper", "Stop Remote Access Session"),
        (statements[2], "aws.devicefarm", "AWS API Call via CloudTrail"),
    ):
        assert statement["Effect"] == "Allow"
        assert statement["Principal"] == {"AWS": "*"}
        assert statement["Action"] == "events:PutEvents"
        assert statement["Condition"] == {
            "StringEquals": {
                "aws:PrincipalOrgID": ORGANIZATION_ID,
                "events:source": source,
                "events:detail-type": detail_type,
            }
        }
    # No sweep command from a member: no Allow names it.
    assert "Sweep Remote Access Sessions" not in json.dumps(statements)


def test_bus_names_the_listed_accounts_without_an_organization() -> None:
    config = load(memberAccounts=[{"id": MEMBER_LIVE}, {"id": MEMBER_DRY}], spokeExternalId="x1")
    statements = resolved(
        {"Statement": [s.to_statement_json() for s in command_bus_statements(config, "bus")]}
    )["Statement"]
    assert statements[0]["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": [ACCOUNT, MEMBER_LIVE, MEMBER_DRY]}
    }
    for allow in statements[1:]:
        principals = allow["Principal"]["AWS"]
        assert [p["Fn::Join"][1][-1] for p in principals] == [
            f":iam::{MEMBER_LIVE}:root",
            f":iam::{MEMBER_DRY}:root",
        ]
        assert set(allow["Condition"]["StringEquals"]) == {"events:source", "events:detail-type"}


def test_single_account_bus_still_denies_every_other_account(default_stack: Synthesized) -> None:
    (statement,) = bus_policy(default_stack)
    assert statement["Sid"] == "ThisAccountOnly"
    assert statement["Condition"] == {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}}


def test_member_rules_hear_members_only(multi_account_stack: Synthesized) -> None:
    bus = {"Ref": multi_account_stack.only_id("AWS::Events::EventBus")}
    commands = rule(multi_account_stack, "session-stopper-hub-member-commands")
    assert commands["EventBusName"] == bus
    # Organization mode: any account but the hub's (whose own rule matches it); the bus policy
    # admits no account out of scope.
    assert commands["EventPattern"] == {
        "account": [{"anything-but": [ACCOUNT]}],
        "source": ["devicefarm.session-stopper"],
        "detail-type": ["Stop Remote Access Session"],
        "detail": {"arn": [{"prefix": "arn:aws:devicefarm:us-west-2:"}]},
    }
    calls = rule(multi_account_stack, "session-stopper-hub-member-device-farm-calls")
    assert calls["EventBusName"] == bus
    assert calls["EventPattern"] == {
        "account": [{"anything-but": [ACCOUNT]}],
        "region": ["us-west-2"],
        "source": ["aws.devicefarm"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["devicefarm.amazonaws.com"],
            "eventName": ["CreateRemoteAccessSession", "StopRemoteAccessSession"],
        },
    }
    # The hub's own command rule is unchanged: its account, its sessions.
    own = rule(multi_account_stack, "session-stopper-hub-commands")
    assert own["EventPattern"]["account"] == [ACCOUNT]


# -- the API -----------------------------------------------------------------------------------


def test_api_lets_members_call_only_the_caller_routes(multi_account_stack: Synthesized) -> None:
    statements = api_policy(multi_account_stack)
    assert statements == [
        {
            "Sid": "DenyOtherAccounts",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {
                "StringNotEquals": {
                    "aws:PrincipalAccount": ACCOUNT,
                    "aws:PrincipalOrgID": ORGANIZATION_ID,
                }
            },
        },
        {
            # Explicit: no identity policy in a member account can open another route.
            "Sid": "MemberAccountsOnlyCallerRoutes",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "execute-api:Invoke",
            "NotResource": MEMBER_ROUTES,
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": ACCOUNT}},
        },
        {
            "Sid": "MemberAccountsStopAndExtend",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": "execute-api:Invoke",
            "Resource": MEMBER_ROUTES,
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": ORGANIZATION_ID}},
        },
    ]


def test_api_without_timers_or_organization_opens_the_stop_route_to_listed_accounts() -> None:
    config = load(memberAccounts=[{"id": MEMBER_LIVE}], spokeExternalId="x1", sessionTimers=False)
    statements = resolved(resource_policy(config))["Statement"]
    allow = statements[2]
    assert allow["Resource"] == MEMBER_ROUTES[0]
    assert "Condition" not in allow
    assert allow["Principal"]["AWS"]["Fn::Join"][1][-1] == f":iam::{MEMBER_LIVE}:root"
    assert statements[0]["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": [ACCOUNT, MEMBER_LIVE]}
    }


def test_operator_routes_exist_only_with_members_and_only_the_operator_may_call_them(
    multi_account_stack: Synthesized, default_stack: Synthesized
) -> None:
    paths = {
        resource["Properties"]["PathPart"]
        for resource in multi_account_stack.resources("AWS::ApiGateway::Resource").values()
    }
    assert {"operator"} <= paths
    operator = managed_policy(multi_account_stack, "session-stopper-hub-operator")
    grants = statements_by_sid(operator["PolicyDocument"]["Statement"])
    assert grants["StopAnySessionOverHttp"]["Resource"] == method_arn(
        multi_account_stack, "/operator/sessions/stop"
    )
    assert grants["ExtendAnySessionOverHttp"]["Resource"] == method_arn(
        multi_account_stack, "/operator/sessions/extend"
    )
    caller = managed_policy(multi_account_stack, "session-stopper-hub-caller")
    assert "/operator/" not in json.dumps(caller)
    assert "/operator/" not in json.dumps(api_policy(multi_account_stack))
    assert not any(
        resource["Properties"]["PathPart"] == "operator"
        for resource in default_stack.resources("AWS::ApiGateway::Resource").values()
    )


def test_operator_routes_take_the_caller_routes_bodies(multi_account_stack: Synthesized) -> None:
    """Same validator and models: one contract for a body, whichever route takes it."""
    methods = [
        method["Properties"]
        for method in multi_account_stack.resources("AWS::ApiGateway::Method").values()
        if method["Properties"]["HttpMethod"] == "POST"
    ]
    models = {json.dumps(method["RequestModels"], sort_keys=True) for method in methods}
    # stop, extend and sweep models: the operator routes add none of their own.
    assert len(models) == 3
    assert len(methods) == 5
    assert len({json.dumps(m["RequestValidatorId"]) for m in methods}) == 1


# -- the alarm, and what the default keeps -----------------------------------------------------


def test_accounts_not_reached_alarm(
    multi_account_stack: Synthesized, default_stack: Synthesized
) -> None:
    topic = multi_account_stack.logical_id("AWS::SNS::Topic", "ops")
    (alarm,) = [
        each["Properties"]
        for each in multi_account_stack.resources("AWS::CloudWatch::Alarm").values()
        if each["Properties"]["AlarmName"] == "session-stopper-hub-accounts-not-reached"
    ]
    assert {
        key: alarm[key]
        for key in (
            "MetricName",
            "Namespace",
            "Statistic",
            "Period",
            "Threshold",
            "ComparisonOperator",
            "EvaluationPeriods",
            "TreatMissingData",
            "Dimensions",
        )
    } == {
        "MetricName": "AccountsNotReached",
        "Namespace": "DeviceFarmSessionStopper",
        "Statistic": "Maximum",
        "Period": 300,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 1,
        "TreatMissingData": "notBreaching",
        "Dimensions": [{"Name": "service", "Value": "session-stopper"}],
    }
    assert alarm["AlarmActions"] == [{"Ref": topic}]
    assert "AccountsNotReached" not in json.dumps(default_stack.raw)


def test_the_default_stack_has_no_hub_and_spoke_resource(
    default_stack: Synthesized, multi_account_stack: Synthesized
) -> None:
    """Unset keys are today's single account: nothing the member accounts need is built."""
    text = json.dumps(default_stack.raw)
    for fragment in ("organizations:", "operator", "member-", "PrincipalOrgID", "spoke"):
        assert fragment not in text.replace("session-stopper-dev-operator", ""), fragment

    # What the hub adds: two member rules, two operator methods (and their resources), one alarm.
    def count(stack: Synthesized, kind: str) -> int:
        return len(stack.resources(kind))

    assert (
        count(multi_account_stack, "AWS::Events::Rule")
        == count(default_stack, "AWS::Events::Rule") + 2
    )
    assert count(multi_account_stack, "AWS::ApiGateway::Method") == (
        count(default_stack, "AWS::ApiGateway::Method") + 2
    )
