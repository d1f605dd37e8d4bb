"""Roll the spoke out: into this shell's account (`make deploy-spoke`), or print the StackSet
commands for an organization (`make stackset`). docs/multi-account.md explains both.

`deploy` creates or updates the stack from the built template (build/spoke/...,
`make spoke-template`) with CloudFormation directly, not with the CDK CLI: the CLI would need
the CDK bootstrap in every member account (its deploy role), and a member account should need
nothing but this template, exactly what the StackSet rolls out. It always deploys in the Device
Farm region (us-west-2), the only region where the spoke also forwards Device Farm's calls.
The hub's values come from the environment (HUB_ROLE_ARN, EXTERNAL_ID, HUB_BUS_ARN, and
optionally SPOKE_ROLE_NAME), so the external id is not shown in the process list.

`stackset` prints the two `aws cloudformation` commands (the AWS CLI is not a dependency of
this project: run them where it is installed, in the management or a delegated administrator
account), with the same parameters, for OU_IDS.

    python -m infra.spoke_deploy deploy [--stage prod]
    python -m infra.spoke_deploy stackset [--stage prod]
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError, WaiterError

from infra.aws_setup import inspect_aws_setup, setup_message
from infra.config import SERVICE_NAME
from infra.context_keys import read_context_defaults
from infra.member_accounts import EXTERNAL_ID, OU_ID, ROOT_ID
from infra.spoke_names import (
    BUS_ARN_PATTERN,
    ROLE_ARN_PATTERN,
    ROLE_NAME_PATTERN,
    ROOT,
    TEMPLATE_PATH,
    spoke_stack_name,
)

# The spoke lives where Device Farm's CloudTrail records arrive; its role is global anyway.
SPOKE_REGION = "us-west-2"
# CloudFormation takes a template of at most this many bytes inline (TemplateBody).
MAX_TEMPLATE_BODY = 51_200
CAPABILITIES = ["CAPABILITY_NAMED_IAM"]
# Parameter name -> (environment variable, pattern, what it is).
PARAMETERS = {
    "HubFunctionRoleArn": ("HUB_ROLE_ARN", ROLE_ARN_PATTERN, "the hub's FunctionRoleArn output"),
    "ExternalId": ("EXTERNAL_ID", EXTERNAL_ID, "the hub's spokeExternalId"),
    "HubCommandBusArn": ("HUB_BUS_ARN", BUS_ARN_PATTERN, "the hub's CommandBusArn output"),
}
EXAMPLE = (
    "HUB_ROLE_ARN=arn:aws:iam::111122223333:role/session-stopper-dev-function "
    "HUB_BUS_ARN=arn:aws:events:us-west-2:111122223333:event-bus/session-stopper-dev-commands "
    "EXTERNAL_ID=... AWS_PROFILE=member make deploy-spoke"
)


class SpokeError(Exception):
    """The command cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class SpokeParameters:
    hub_role_arn: str
    external_id: str
    hub_bus_arn: str
    role_name: str | None = None  # None: the template's default (<prefix>-spoke)

    def as_cloudformation(self) -> list[dict[str, str]]:
        values = {
            "HubFunctionRoleArn": self.hub_role_arn,
            "ExternalId": self.external_id,
            "HubCommandBusArn": self.hub_bus_arn,
        }
        if self.role_name is not None:
            values["SpokeRoleName"] = self.role_name
        return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def read_parameters(environ: Mapping[str, str]) -> SpokeParameters:
    """The hub's values from the environment, each checked against the template's pattern
    here, so a typo is named before anything reaches AWS."""
    values: dict[str, str] = {}
    problems = []
    for parameter, (variable, pattern, meaning) in PARAMETERS.items():
        value = environ.get(variable, "")
        if not re.fullmatch(pattern, value, re.ASCII):
            problems.append(
                f"{variable}: {meaning} ({parameter}), {'missing' if not value else 'malformed'}"
            )
        values[parameter] = value
    role_name = environ.get("SPOKE_ROLE_NAME") or None
    if role_name is not None and not re.fullmatch(ROLE_NAME_PATTERN, role_name, re.ASCII):
        problems.append("SPOKE_ROLE_NAME: an IAM role name (1-64 of A-Za-z0-9_+=,.@-), malformed")
    if problems:
        raise SpokeError(
            setup_message("make deploy-spoke needs the hub's values:", problems, EXAMPLE)
        )
    return SpokeParameters(
        hub_role_arn=values["HubFunctionRoleArn"],
        external_id=values["ExternalId"],
        hub_bus_arn=values["HubCommandBusArn"],
        role_name=role_name,
    )


def read_template(path: Path = TEMPLATE_PATH) -> str:
    try:
        body = path.read_text(encoding="utf-8")
    except OSError:
        raise SpokeError(f"{path} is missing: run `make spoke-template` first") from None
    if len(body.encode("utf-8")) > MAX_TEMPLATE_BODY:
        raise SpokeError(f"{path} is over CloudFormation's {MAX_TEMPLATE_BODY} bytes inline")
    return body


def deploy(cloudformation: Any, stack_name: str, body: str, parameters: SpokeParameters) -> str:
    """Create the stack, or update it when it exists; returns what was done. Waits for the end
    of the operation, so a failure is reported here, with CloudFormation's reason."""
    request = {
        "StackName": stack_name,
        "TemplateBody": body,
        "Parameters": parameters.as_cloudformation(),
        "Capabilities": CAPABILITIES,
        "Tags": [{"Key": "service", "Value": SERVICE_NAME}],
    }
    if _stack_exists(cloudformation, stack_name):
        try:
            cloudformation.update_stack(**request)
        except ClientError as error:
            if "No updates are to be performed" in str(error):
                return "unchanged"
            raise
        cloudformation.get_waiter("stack_update_complete").wait(StackName=stack_name)
        return "updated"
    cloudformation.create_stack(**request, OnFailure="DELETE")
    cloudformation.get_waiter("stack_create_complete").wait(StackName=stack_name)
    return "created"


def _stack_exists(cloudformation: Any, stack_name: str) -> bool:
    try:
        stacks = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except ClientError as error:
        if "does not exist" in str(error):
            return False
        raise
    return any(stack["StackStatus"] != "DELETE_COMPLETE" for stack in stacks)


def stackset_commands(stage: str, organization_units: Sequence[str]) -> list[str]:
    """The StackSet's two commands, the hub's values as shell variables the reader sets."""
    name = f"{spoke_stack_name(stage)}Set"
    template = shlex.quote(f"file://{TEMPLATE_PATH.relative_to(ROOT)}")
    parameters = " ".join(
        f'ParameterKey={parameter},ParameterValue="${variable}"'
        for parameter, (variable, _, _) in PARAMETERS.items()
    )
    return [
        f"aws cloudformation create-stack-set --stack-set-name {name} "
        f"--template-body {template} --permission-model SERVICE_MANAGED "
        "--auto-deployment Enabled=true,RetainStacksOnAccountRemoval=false "
        f"--capabilities {' '.join(CAPABILITIES)} --parameters {parameters}",
        f"aws cloudformation create-stack-instances --stack-set-name {name} "
        f"--deployment-targets OrganizationalUnitIds={','.join(organization_units)} "
        f"--regions {SPOKE_REGION}",
    ]


def read_organization_units(environ: Mapping[str, str]) -> list[str]:
    units = [unit.strip() for unit in environ.get("OU_IDS", "").split(",") if unit.strip()]
    if not units or not all(re.fullmatch(f"{OU_ID}|{ROOT_ID}", unit) for unit in units):
        raise SpokeError(
            "make stackset needs OU_IDS: the OUs (ou-xxxx-yyyyyyyy) or the root (r-xxxx) to "
            "deploy to, comma-separated, e.g. OU_IDS=ou-ab12-11111111,ou-ab12-22222222"
        )
    return units


def _deploy_command(stage: str, environ: Mapping[str, str]) -> int:
    parameters = read_parameters(environ)
    body = read_template()
    setup = inspect_aws_setup()
    if setup.credentials is None:
        raise SpokeError(
            setup_message("make deploy-spoke needs AWS credentials:", setup.missing(), EXAMPLE)
        )
    stack_name = spoke_stack_name(stage)
    print(f"deploy-spoke: {stack_name} in {SPOKE_REGION} (CloudFormation, no CDK bootstrap)")
    try:
        cloudformation = boto3.client("cloudformation", region_name=SPOKE_REGION)
        done = deploy(cloudformation, stack_name, body, parameters)
    except (ClientError, BotoCoreError, WaiterError) as error:
        raise SpokeError(f"CloudFormation: {error}") from None
    print(f"deploy-spoke: {stack_name} {done}")
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Deploy the spoke or print its StackSet")
    parser.add_argument("command", choices=["deploy", "stackset"])
    parser.add_argument("--stage", default="", help="the hub's stage (default: cdk.json's)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stage = args.stage or str(read_context_defaults(ROOT / "cdk.json")["stage"])
    try:
        if args.command == "deploy":
            return _deploy_command(stage, os.environ)
        for command in stackset_commands(stage, read_organization_units(os.environ)):
            print(command)
    except SpokeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
