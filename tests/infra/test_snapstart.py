"""SnapStart: a published version behind the `live` alias, and every trigger on the alias.

Only a published version has a snapshot, so anything that invoked the unqualified function would
run $LATEST and pay a full cold start. The default and narrow stacks have SnapStart on (narrow
adds alarm actions); the forwarded one turns it off with `snapStart=false`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.synth
# Resources that may name the function itself: its version, the alias, the async settings
# (on the alias's qualifier) and the metrics of alarms and dashboard, which aggregate all
# versions by FunctionName. Nothing that invokes.
MAY_NAME_THE_FUNCTION = {
    "AWS::Lambda::Version",
    "AWS::Lambda::Alias",
    "AWS::Lambda::EventInvokeConfig",
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::Dashboard",
}


def function_id(stack: Synthesized) -> str:
    return stack.only_id("AWS::Lambda::Function")


def references(node: Any, logical_id: str) -> Iterator[Any]:
    """Every Ref or Fn::GetAtt of `logical_id` inside `node`."""
    if isinstance(node, dict):
        if node.get("Ref") == logical_id:
            yield node
        attribute = node.get("Fn::GetAtt")
        if isinstance(attribute, list) and attribute and attribute[0] == logical_id:
            yield node
        for value in node.values():
            yield from references(value, logical_id)
    elif isinstance(node, list):
        for value in node:
            yield from references(value, logical_id)


def referring_types(stack: Synthesized, logical_id: str) -> set[str]:
    return {
        resource["Type"]
        for resource in stack.raw["Resources"].values()
        if any(references(resource.get("Properties", {}), logical_id))
    }


def alias_ref(stack: Synthesized) -> dict[str, str]:
    # Ref of an AWS::Lambda::Alias is the alias ARN (function ARN + ':live').
    return {"Ref": stack.only_id("AWS::Lambda::Alias")}


def test_snapstart_on_published_versions_on_arm64(default_stack: Synthesized) -> None:
    function = default_stack.only("AWS::Lambda::Function")["Properties"]
    assert function["SnapStart"] == {"ApplyOn": "PublishedVersions"}
    assert function["Architectures"] == ["arm64"]
    assert function["Runtime"] == "python3.13"


def test_the_live_alias_points_at_the_published_version(default_stack: Synthesized) -> None:
    version_id = default_stack.only_id("AWS::Lambda::Version")
    version = default_stack.only("AWS::Lambda::Version")["Properties"]
    assert version["FunctionName"] == {"Ref": function_id(default_stack)}
    alias = default_stack.only("AWS::Lambda::Alias")["Properties"]
    assert alias["Name"] == "live"
    assert alias["FunctionName"] == {"Ref": function_id(default_stack)}
    assert alias["FunctionVersion"] == {"Fn::GetAtt": [version_id, "Version"]}


def test_a_deploy_deletes_the_version_it_replaces(default_stack: Synthesized) -> None:
    """A retained version keeps its snapshot cached, and billed, with nothing invoking it."""
    version = default_stack.only("AWS::Lambda::Version")
    assert version["DeletionPolicy"] == "Delete"
    assert version["UpdateReplacePolicy"] == "Delete"


@pytest.mark.parametrize("which", ["default_stack", "narrow_stack"])
def test_nothing_that_invokes_names_the_unqualified_function(
    which: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    assert referring_types(stack, function_id(stack)) <= MAY_NAME_THE_FUNCTION


@pytest.mark.parametrize("which", ["default_stack", "narrow_stack"])
def test_every_invoke_permission_is_on_the_alias(
    which: str, request: pytest.FixtureRequest
) -> None:
    """API Gateway, EventBridge rules and, in the narrow stack, the alarm actions."""
    stack: Synthesized = request.getfixturevalue(which)
    permissions = stack.resources("AWS::Lambda::Permission").values()
    principals = {each["Properties"]["Principal"] for each in permissions}
    expected = {"apigateway.amazonaws.com", "events.amazonaws.com"}
    if which == "narrow_stack":
        expected.add("lambda.alarms.cloudwatch.amazonaws.com")
    assert principals == expected
    for permission in permissions:
        assert permission["Properties"]["FunctionName"] == alias_ref(stack)


def test_rule_targets_and_api_integrations_invoke_the_alias(default_stack: Synthesized) -> None:
    for rule in default_stack.resources("AWS::Events::Rule").values():
        for target in rule["Properties"].get("Targets", []):
            if "lambda" in str(target["Arn"]) or "Ref" in target["Arn"]:
                assert target["Arn"] == alias_ref(default_stack)
    lambda_targets = [
        target
        for rule in default_stack.resources("AWS::Events::Rule").values()
        for target in rule["Properties"].get("Targets", [])
        if target["Arn"] == alias_ref(default_stack)
    ]
    # The sweep schedule and Device Farm's calls; commands reach the alias through their queue.
    assert len(lambda_targets) == 2
    assert (
        default_stack.only("AWS::Lambda::EventSourceMapping")["Properties"]["FunctionName"][
            "Fn::Join"
        ][1][-1]
        == ":live"
    )
    methods = [
        method["Properties"]["Integration"]
        for method in default_stack.resources("AWS::ApiGateway::Method").values()
        if method["Properties"].get("Integration", {}).get("Type") == "AWS_PROXY"
    ]
    assert methods
    for integration in methods:
        assert list(references(integration["Uri"], default_stack.only_id("AWS::Lambda::Alias")))


def test_operator_invoke_and_outputs_name_the_alias(default_stack: Synthesized) -> None:
    operator = default_stack.resources("AWS::IAM::ManagedPolicy")[
        default_stack.logical_id("AWS::IAM::ManagedPolicy", "OperatorPolicy")
    ]
    (invoke,) = [
        statement
        for statement in operator["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "lambda:InvokeFunction"
    ]
    assert invoke["Resource"] == alias_ref(default_stack)
    outputs = default_stack.raw["Outputs"]
    assert outputs["FunctionArn"]["Value"] == alias_ref(default_stack)
    assert outputs["FunctionName"]["Value"] == {
        "Fn::Join": ["", [{"Ref": function_id(default_stack)}, ":live"]]
    }


def test_timers_and_async_failures_follow_the_alias(default_stack: Synthesized) -> None:
    function = default_stack.only("AWS::Lambda::Function")["Properties"]
    target = function["Environment"]["Variables"]["TIMER_TARGET_ARN"]
    assert target["Fn::Join"][1][-1] == ":function:session-stopper-dev-function:live"
    role_id = default_stack.logical_id("AWS::IAM::Role", "Timers")
    grants = [
        statement
        for policy in default_stack.resources("AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]
    assert [grant["Resource"] for grant in grants] == [target]
    invoke_config = default_stack.only("AWS::Lambda::EventInvokeConfig")["Properties"]
    assert invoke_config["Qualifier"] == "live"


def test_the_switch_turns_snapstart_off_and_triggers_back_to_the_function(
    forwarded_main_stack: Synthesized,
) -> None:
    stack = forwarded_main_stack
    function = stack.only("AWS::Lambda::Function")["Properties"]
    assert "SnapStart" not in function
    assert stack.resources("AWS::Lambda::Version") == {}
    assert stack.resources("AWS::Lambda::Alias") == {}
    fn_arn = {"Fn::GetAtt": [function_id(stack), "Arn"]}
    for permission in stack.resources("AWS::Lambda::Permission").values():
        assert permission["Properties"]["FunctionName"] == fn_arn
    target = function["Environment"]["Variables"]["TIMER_TARGET_ARN"]
    assert target["Fn::Join"][1][-1] == ":function:session-stopper-qa-function"
    continuation = function["Environment"]["Variables"]["CONTINUATION_TARGET_ARN"]
    assert continuation == target
    assert stack.only("AWS::Lambda::EventInvokeConfig")["Properties"]["Qualifier"] == "$LATEST"
    assert stack.raw["Outputs"]["FunctionName"]["Value"] == {"Ref": function_id(stack)}
