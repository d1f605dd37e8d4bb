"""Hub and spoke, the member account's side (issue 18): the spoke template, its build and its
rollout. One synth per session (the `spoke_stack` fixture); the rollout runs against botocore's
Stubber, so CloudFormation's request shapes are the oracle."""

from __future__ import annotations

import datetime
import json
import shlex
import subprocess
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from infra import spoke_deploy, spoke_template
from infra.spoke_deploy import SpokeError, SpokeParameters
from infra.spoke_names import TEMPLATE_PATH
from infra.spoke_stack import SPOKE_ACTIONS
from tests.infra.conftest import Synthesized
from tests.infra.test_cdk_cli_arguments import KEEP_VENV, ROOT

ACCOUNT = {"Ref": "AWS::AccountId"}
HUB_ROLE = "arn:aws:iam::999988887777:role/session-stopper-dev-function"
HUB_BUS = "arn:aws:events:eu-west-1:999988887777:event-bus/session-stopper-dev-commands"
EXTERNAL = "session-stopper-dev-7f3a"
STACK = "SessionStopper-dev-Spoke"


def devicefarm_arn(resource: str) -> dict[str, Any]:
    return {"Fn::Join": ["", ["arn:aws:devicefarm:us-west-2:", ACCOUNT, f":{resource}"]]}


def spoke_role(stack: Synthesized) -> dict[str, Any]:
    logical_id = stack.logical_id("AWS::IAM::Role", "SpokeRole")
    role: dict[str, Any] = stack.raw["Resources"][logical_id]
    return role


def all_statements(stack: Synthesized) -> list[dict[str, Any]]:
    """Every permission statement of the template: inline role policies and IAM policies."""
    found = []
    for resource in stack.raw["Resources"].values():
        properties = resource.get("Properties", {})
        for policy in properties.get("Policies", []):
            found += policy["PolicyDocument"]["Statement"]
        if resource["Type"] == "AWS::IAM::Policy":
            found += properties["PolicyDocument"]["Statement"]
    return found


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


# -- the template -------------------------------------------------------------------------------


@pytest.mark.synth
def test_the_hub_s_values_are_parameters(spoke_stack: Synthesized) -> None:
    parameters = spoke_stack.raw["Parameters"]
    # No BootstrapVersion: the template needs no CDK bootstrap in the member account.
    assert sorted(parameters) == [
        "ExternalId",
        "HubCommandBusArn",
        "HubFunctionRoleArn",
        "SpokeRoleName",
    ]
    assert parameters["ExternalId"]["NoEcho"] is True
    assert (parameters["ExternalId"]["MinLength"], parameters["ExternalId"]["MaxLength"]) == (
        2,
        1224,
    )
    assert parameters["SpokeRoleName"]["Default"] == "session-stopper-dev-spoke"
    assert "Rules" not in spoke_stack.raw, "no CheckBootstrapVersion rule"


@pytest.mark.synth
def test_no_assets_and_small_enough_to_deploy_inline(spoke_stack: Synthesized) -> None:
    text = json.dumps(spoke_stack.raw)
    assert "cdk-hnb659fds" not in text
    assert "AssetParameters" not in text
    assert not spoke_stack.resources("AWS::Lambda::Function")
    assert len(json.dumps(spoke_stack.raw, indent=1)) < spoke_deploy.MAX_TEMPLATE_BODY


@pytest.mark.synth
def test_only_the_hub_function_role_with_the_external_id_may_assume_the_spoke_role(
    spoke_stack: Synthesized,
) -> None:
    role = spoke_role(spoke_stack)["Properties"]
    assert role["RoleName"] == {"Ref": "SpokeRoleName"}
    hub_account = {"Fn::Select": [4, {"Fn::Split": [":", {"Ref": "HubFunctionRoleArn"}]}]}
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": "sts:AssumeRole",
            "Principal": {
                "AWS": {
                    "Fn::Join": [
                        "",
                        ["arn:", {"Ref": "AWS::Partition"}, ":iam::", hub_account, ":root"],
                    ]
                }
            },
            "Condition": {
                "StringEquals": {
                    "aws:PrincipalArn": {"Ref": "HubFunctionRoleArn"},
                    "sts:ExternalId": {"Ref": "ExternalId"},
                }
            },
        }
    ]
    assert "Condition" not in spoke_role(spoke_stack), "the role exists in every region"


@pytest.mark.synth
def test_the_spoke_role_may_do_exactly_the_hub_s_device_farm_calls(
    spoke_stack: Synthesized,
) -> None:
    (policy,) = spoke_role(spoke_stack)["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Sid": "ListProjects",
            "Effect": "Allow",
            "Action": "devicefarm:ListProjects",
            "Resource": "*",
        },
        {
            "Sid": "ListSessions",
            "Effect": "Allow",
            "Action": "devicefarm:ListRemoteAccessSessions",
            "Resource": devicefarm_arn("project:*"),
        },
        {
            "Sid": "ReadAndStopSessions",
            "Effect": "Allow",
            "Action": ["devicefarm:GetRemoteAccessSession", "devicefarm:StopRemoteAccessSession"],
            "Resource": devicefarm_arn("session:*"),
        },
        {
            "Sid": "ReadTags",
            "Effect": "Allow",
            "Action": "devicefarm:ListTagsForResource",
            "Resource": [devicefarm_arn("project:*"), devicefarm_arn("session:*")],
        },
    ]
    assert not spoke_stack.resources("AWS::IAM::ManagedPolicy")


@pytest.mark.synth
def test_no_other_permission_in_the_template(spoke_stack: Synthesized) -> None:
    granted = sorted({action for s in all_statements(spoke_stack) for action in actions(s)})
    assert granted == sorted([*SPOKE_ACTIONS, "events:PutEvents"])
    (put,) = [s for s in all_statements(spoke_stack) if "events:PutEvents" in actions(s)]
    assert put["Resource"] == {"Ref": "HubCommandBusArn"}, "the hub's bus and nothing else"


@pytest.mark.synth
def test_the_forwarding_rule_exists_only_in_the_device_farm_region(
    spoke_stack: Synthesized,
) -> None:
    assert spoke_stack.raw["Conditions"] == {
        "InDeviceFarmRegion": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-west-2"]}
    }
    conditioned = {
        logical_id: resource.get("Condition")
        for logical_id, resource in spoke_stack.raw["Resources"].items()
    }
    spoke_role_id = spoke_stack.logical_id("AWS::IAM::Role", "SpokeRole")
    assert conditioned.pop(spoke_role_id) is None
    # The rule, its role and policy, the queue and its policy.
    assert len(conditioned) == 5
    assert set(conditioned.values()) == {"InDeviceFarmRegion"}
    rule = spoke_stack.only("AWS::Events::Rule")["Properties"]
    assert rule["EventPattern"] == {
        "account": [ACCOUNT],
        "region": ["us-west-2"],
        "source": ["aws.devicefarm"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["devicefarm.amazonaws.com"],
            "eventName": ["CreateRemoteAccessSession", "StopRemoteAccessSession"],
        },
    }
    assert "EventBusName" not in rule, "the default bus, where CloudTrail's records arrive"
    (target,) = rule["Targets"]
    queue = spoke_stack.only_id("AWS::SQS::Queue")
    forward_role = spoke_stack.logical_id("AWS::IAM::Role", "ForwardingRole")
    assert target["Arn"] == {"Ref": "HubCommandBusArn"}
    assert target["RoleArn"] == {"Fn::GetAtt": [forward_role, "Arn"]}
    assert target["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": [queue, "Arn"]}}


@pytest.mark.synth
def test_only_eventbridge_for_this_rule_may_use_the_forwarding_role(
    spoke_stack: Synthesized,
) -> None:
    forward_role = spoke_stack.logical_id("AWS::IAM::Role", "ForwardingRole")
    (trust,) = spoke_stack.raw["Resources"][forward_role]["Properties"]["AssumeRolePolicyDocument"][
        "Statement"
    ]
    assert trust["Principal"] == {"Service": "events.amazonaws.com"}
    conditions = trust["Condition"]["StringEquals"]
    assert conditions["aws:SourceAccount"] == ACCOUNT
    assert json.dumps(conditions["aws:SourceArn"]).endswith(
        ':rule/session-stopper-dev-device-farm-calls-to-hub"]]}'
    )


# -- the build: make spoke-template --------------------------------------------------------------


@pytest.mark.synth
def test_the_build_writes_the_synthesized_template(
    tmp_path: Path,
    spoke_stack: Synthesized,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`make spoke-template` writes what the fixture synthesized (synthesize_spoke, cdk-nag
    included), for the stage asked; the fixture's synth stands in for a second one."""
    asked: list[str | None] = []

    def synthesized(stage: str | None, outdir: str) -> dict[str, Any]:
        asked.append(stage)
        return spoke_stack.raw

    monkeypatch.setattr(spoke_template, "synthesize_spoke", synthesized)
    out = tmp_path / "spoke.template.json"
    assert spoke_template.main(["--stage", "prod", "--output", str(out)]) == 0
    assert asked == ["prod"]
    assert json.loads(out.read_text(encoding="utf-8")) == spoke_stack.raw
    assert f"spoke-template: wrote {out}" in capsys.readouterr().out
    assert TEMPLATE_PATH.name == "session-stopper-spoke.template.json"
    assert TEMPLATE_PATH.parent.name == "spoke"
    assert TEMPLATE_PATH.parent.parent.name == "build"


# -- the rollout: make deploy-spoke and make stackset ----------------------------------------------

ENVIRONMENT = {"HUB_ROLE_ARN": HUB_ROLE, "HUB_BUS_ARN": HUB_BUS, "EXTERNAL_ID": EXTERNAL}


def test_deploy_reads_the_hub_s_values_from_the_environment() -> None:
    assert spoke_deploy.read_parameters(ENVIRONMENT) == SpokeParameters(HUB_ROLE, EXTERNAL, HUB_BUS)
    named = spoke_deploy.read_parameters({**ENVIRONMENT, "SPOKE_ROLE_NAME": "qa-spoke"})
    assert named.as_cloudformation()[-1] == {
        "ParameterKey": "SpokeRoleName",
        "ParameterValue": "qa-spoke",
    }


@pytest.mark.parametrize(
    ("variable", "value", "said"),
    [
        (
            "HUB_ROLE_ARN",
            "",
            "HUB_ROLE_ARN: the hub's FunctionRoleArn output (HubFunctionRoleArn), missing",
        ),
        (
            "HUB_ROLE_ARN",
            HUB_BUS,
            "HUB_ROLE_ARN: the hub's FunctionRoleArn output (HubFunctionRoleArn), malformed",
        ),
        (
            "HUB_BUS_ARN",
            HUB_ROLE,
            "HUB_BUS_ARN: the hub's CommandBusArn output (HubCommandBusArn), malformed",
        ),
        (
            "EXTERNAL_ID",
            "has space",
            "EXTERNAL_ID: the hub's spokeExternalId (ExternalId), malformed",
        ),
        ("SPOKE_ROLE_NAME", "no/slash", "SPOKE_ROLE_NAME: an IAM role name"),
    ],
)
def test_deploy_names_a_missing_or_malformed_value_before_calling_aws(
    variable: str, value: str, said: str
) -> None:
    with pytest.raises(SpokeError) as raised:
        spoke_deploy.read_parameters({**ENVIRONMENT, variable: value})
    assert said in str(raised.value)
    assert "make deploy-spoke" in str(raised.value)


def cloudformation() -> Any:
    return boto3.client(
        "cloudformation",
        region_name="us-west-2",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def stack_description(status: str) -> dict[str, Any]:
    created = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return {"Stacks": [{"StackName": STACK, "CreationTime": created, "StackStatus": status}]}


def expected_request(body: str) -> dict[str, Any]:
    return {
        "StackName": STACK,
        "TemplateBody": body,
        "Parameters": [
            {"ParameterKey": "HubFunctionRoleArn", "ParameterValue": HUB_ROLE},
            {"ParameterKey": "ExternalId", "ParameterValue": EXTERNAL},
            {"ParameterKey": "HubCommandBusArn", "ParameterValue": HUB_BUS},
        ],
        "Capabilities": ["CAPABILITY_NAMED_IAM"],
        "Tags": [{"Key": "service", "Value": "session-stopper"}],
    }


def test_deploy_creates_the_stack_when_there_is_none() -> None:
    client = cloudformation()
    body = '{"Resources": {}}'
    with Stubber(client) as stubber:
        stubber.add_client_error(
            "describe_stacks",
            service_error_code="ValidationError",
            service_message=f"Stack with id {STACK} does not exist",
            expected_params={"StackName": STACK},
        )
        stubber.add_response(
            "create_stack",
            {"StackId": "arn:aws:cloudformation:us-west-2:111122223333:stack/x/1"},
            {**expected_request(body), "OnFailure": "DELETE"},
        )
        stubber.add_response("describe_stacks", stack_description("CREATE_COMPLETE"))
        done = spoke_deploy.deploy(client, STACK, body, spoke_deploy.read_parameters(ENVIRONMENT))
        stubber.assert_no_pending_responses()
    assert done == "created"


def test_deploy_updates_an_existing_stack_and_says_when_nothing_changed() -> None:
    client = cloudformation()
    body = '{"Resources": {}}'
    parameters = spoke_deploy.read_parameters(ENVIRONMENT)
    with Stubber(client) as stubber:
        stubber.add_response("describe_stacks", stack_description("CREATE_COMPLETE"))
        stubber.add_response("update_stack", {"StackId": "x"}, expected_request(body))
        stubber.add_response("describe_stacks", stack_description("UPDATE_COMPLETE"))
        assert spoke_deploy.deploy(client, STACK, body, parameters) == "updated"
        stubber.add_response("describe_stacks", stack_description("UPDATE_COMPLETE"))
        stubber.add_client_error(
            "update_stack",
            service_error_code="ValidationError",
            service_message="No updates are to be performed.",
        )
        assert spoke_deploy.deploy(client, STACK, body, parameters) == "unchanged"
        stubber.assert_no_pending_responses()


def test_deploy_refuses_a_missing_template(tmp_path: Path) -> None:
    with pytest.raises(SpokeError, match="run `make spoke-template` first"):
        spoke_deploy.read_template(tmp_path / "absent.json")


def test_stackset_commands_are_service_managed_with_automatic_deployment() -> None:
    create, instances = spoke_deploy.stackset_commands("dev", ["ou-ab12-11111111", "r-ab12"])
    assert create == (
        "aws cloudformation create-stack-set --stack-set-name SessionStopper-dev-SpokeSet "
        "--template-body file://build/spoke/session-stopper-spoke.template.json "
        "--permission-model SERVICE_MANAGED "
        "--auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false "
        "--capabilities CAPABILITY_NAMED_IAM --parameters "
        'ParameterKey=HubFunctionRoleArn,ParameterValue="$HUB_ROLE_ARN" '
        'ParameterKey=ExternalId,ParameterValue="$EXTERNAL_ID" '
        'ParameterKey=HubCommandBusArn,ParameterValue="$HUB_BUS_ARN"'
    )
    assert instances == (
        "aws cloudformation create-stack-instances --stack-set-name SessionStopper-dev-SpokeSet "
        "--deployment-targets OrganizationalUnitIds=ou-ab12-11111111,r-ab12 --regions us-west-2"
    )


@pytest.mark.parametrize("units", ["", "ou-ab12", "ou-ab12-11111111,123456789012"])
def test_stackset_needs_organization_units(units: str) -> None:
    with pytest.raises(SpokeError, match="make stackset needs OU_IDS"):
        spoke_deploy.read_organization_units({"OU_IDS": units})


# -- the Makefile's command lines ------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "module", "expected"),
    [
        ("spoke-template", "infra.spoke_template", {"stage": "prod"}),
        ("deploy-spoke", "infra.spoke_deploy", {"command": "deploy", "stage": "prod"}),
        ("stackset", "infra.spoke_deploy", {"command": "stackset", "stage": "prod"}),
    ],
)
def test_every_argument_the_makefile_passes_is_one_the_module_takes(
    target: str, module: str, expected: dict[str, str]
) -> None:
    """`make -n` shows the commands (nothing runs); each module's own parser reads them, as
    tests/infra/test_cdk_cli_arguments.py does for the CDK CLI. None of them runs the CDK CLI."""
    shown = subprocess.run(
        ["make", "--no-print-directory", "-n", *KEEP_VENV, target, "STAGE=prod"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "infra.cdk_cli" not in shown
    (line,) = [line for line in shown.splitlines() if f"-m {module}" in line]
    words = shlex.split(line)
    parser = (
        spoke_template.parse_args if module == "infra.spoke_template" else spoke_deploy.parse_args
    )
    parsed = vars(parser(words[words.index(module) + 1 :]))
    assert {key: parsed[key] for key in expected} == expected
