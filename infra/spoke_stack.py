"""The spoke: the small stack every member account runs for the hub (docs/multi-account.md).

It holds a role the hub's function assumes (trusted only by that role's ARN, with the external
id, allowed only Device Farm's List/Get/Stop and ListTagsForResource) and, only where Device
Farm's CloudTrail records arrive (us-west-2), a rule forwarding the account's session creations
and stops to the hub's command bus, with its own role and dead-letter queue.

Everything the hub decides is a CloudFormation parameter, so one template serves every account
and an organization can roll it out as a service-managed StackSet without the CDK: no assets,
and no CDK bootstrap (BootstraplessSynthesizer: no bootstrap version rule, assets refused).
"""

from __future__ import annotations

from typing import Any

from aws_cdk import (
    Aws,
    BootstraplessSynthesizer,
    CfnCondition,
    CfnOutput,
    CfnParameter,
    CfnResource,
    Fn,
    Stack,
)
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.events import device_farm_call_pattern
from infra.constructs.permissions import device_farm_arn
from infra.constructs.queues import dead_letter_queue
from infra.forwarder_stack import forwarding_role
from infra.member_accounts import EXTERNAL_ID_CHARACTERS
from infra.nag import acknowledge
from infra.spoke_names import BUS_ARN_PATTERN, ROLE_ARN_PATTERN, ROLE_NAME_PATTERN

# What the hub does in a member account, and nothing more: find the projects and their
# sessions, read a session and its project's tags (budget, exempt), stop a session.
SPOKE_ACTIONS = (
    "devicefarm:ListProjects",
    "devicefarm:ListRemoteAccessSessions",
    "devicefarm:GetRemoteAccessSession",
    "devicefarm:StopRemoteAccessSession",
    "devicefarm:ListTagsForResource",
)


class SessionStopperSpokeStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, synthesizer=BootstraplessSynthesizer(), **kwargs)
        self._config = config
        hub_role_arn = CfnParameter(
            self,
            "HubFunctionRoleArn",
            description="The hub function's role (the hub stack's FunctionRoleArn output): the "
            "only principal that may assume the spoke role",
            allowed_pattern=ROLE_ARN_PATTERN,
            constraint_description="must be an IAM role ARN",
        ).value_as_string
        external_id = CfnParameter(
            self,
            "ExternalId",
            description="The hub's spokeExternalId: the spoke role requires it (sts:ExternalId)",
            no_echo=True,
            min_length=2,
            max_length=1224,
            allowed_pattern=f"{EXTERNAL_ID_CHARACTERS}+",
            constraint_description="must be 2-1224 characters of letters, digits and _+=,.@:/-",
        ).value_as_string
        hub_bus_arn = CfnParameter(
            self,
            "HubCommandBusArn",
            description="The hub's command bus (the hub stack's CommandBusArn output), where "
            "this account's Device Farm calls are forwarded",
            allowed_pattern=BUS_ARN_PATTERN,
            constraint_description="must be an EventBridge event bus ARN",
        ).value_as_string
        role_name = CfnParameter(
            self,
            "SpokeRoleName",
            description="The spoke role's name: the hub function assumes it by this name "
            "(SPOKE_ROLE_NAME)",
            default=config.spoke_role_name,
            allowed_pattern=ROLE_NAME_PATTERN,
            constraint_description="must be an IAM role name (1-64 of A-Za-z0-9_+=,.@-)",
        ).value_as_string
        self.role = self._spoke_role(role_name, hub_role_arn, external_id)
        self._forward_device_farm_calls(hub_bus_arn)
        CfnOutput(
            self, "SpokeRoleArn", value=self.role.role_arn, description="The role the hub assumes"
        )

    def _spoke_role(self, role_name: str, hub_role_arn: str, external_id: str) -> iam.Role:
        """Trusted by the hub's account only for the hub function's role (aws:PrincipalArn)
        presenting the external id: no other principal of the hub account, and no other
        account, can assume it."""
        hub_account = Fn.select(4, Fn.split(":", hub_role_arn))
        role = iam.Role(
            self,
            "SpokeRole",
            role_name=role_name,
            description=f"{self._config.name_prefix}: the hub function stops this account's "
            "Device Farm sessions",
            assumed_by=iam.AccountPrincipal(hub_account).with_conditions(
                {
                    "StringEquals": {
                        "aws:PrincipalArn": hub_role_arn,
                        "sts:ExternalId": external_id,
                    }
                }
            ),
            inline_policies={
                "DeviceFarmSessions": iam.PolicyDocument(statements=self._statements())
            },
        )
        self._acknowledge_role_findings(role)
        return role

    def _statements(self) -> list[iam.PolicyStatement]:
        config = self._config
        projects = device_farm_arn(config, Aws.ACCOUNT_ID, "project:*")
        sessions = device_farm_arn(config, Aws.ACCOUNT_ID, "session:*")
        return [
            # ListProjects has no resource type in IAM: "*" is the only resource it accepts.
            _allow("ListProjects", ["devicefarm:ListProjects"], ["*"]),
            _allow("ListSessions", ["devicefarm:ListRemoteAccessSessions"], [projects]),
            _allow(
                "ReadAndStopSessions",
                ["devicefarm:GetRemoteAccessSession", "devicefarm:StopRemoteAccessSession"],
                [sessions],
            ),
            _allow("ReadTags", ["devicefarm:ListTagsForResource"], [projects, sessions]),
        ]

    def _acknowledge_role_findings(self, role: iam.Role) -> None:
        region = self._config.device_farm_region
        acknowledge(
            role,
            "AwsSolutions-IAM5[Resource::*]",
            "devicefarm:ListProjects only: it has no resource type in IAM, so '*' is the only "
            "resource it accepts; a sweep enumerates the account's projects with it.",
        )
        for kind in ("project", "session"):
            acknowledge(
                role,
                f"AwsSolutions-IAM5[Resource::arn:aws:devicefarm:{region}:<AWS::AccountId>:{kind}:*]",
                f"Every {kind} of this account in the Device Farm region: the hub sweeps the "
                "account's projects and learns session ids (generated by Device Farm) at run "
                "time; the actions are only List, Get, Stop and ListTagsForResource.",
            )

    def _forward_device_farm_calls(self, hub_bus_arn: str) -> None:
        """Device Farm's CloudTrail records reach EventBridge only in its region, so only a
        spoke deployed there forwards them; elsewhere the rule, its role and queue are left
        out by a condition, and the spoke is the role alone."""
        config = self._config
        in_region = CfnCondition(
            self,
            "InDeviceFarmRegion",
            expression=Fn.condition_equals(Aws.REGION, config.device_farm_region),
        )
        forwarding = Construct(self, "Forwarding")
        queue = dead_letter_queue(
            forwarding,
            "DeadLetterQueue",
            name=f"{config.name_prefix}-hub-forward-dlq",
            holds="Device Farm API-call events that could not be forwarded to the hub",
        )
        rule_name = f"{config.name_prefix}-device-farm-calls-to-hub"
        role = forwarding_role(
            forwarding,
            "Role",
            rule_name=rule_name,
            description=f"{config.name_prefix}: forwards Device Farm calls to the hub's bus",
        )
        hub_bus = events.EventBus.from_event_bus_arn(forwarding, "HubBus", hub_bus_arn)
        events.Rule(
            forwarding,
            "Rule",
            rule_name=rule_name,
            description="Forwards this account's Device Farm session creations and stops to "
            "the session stopper's hub",
            event_pattern=device_farm_call_pattern(config),
            targets=[targets.EventBus(hub_bus, role=role, dead_letter_queue=queue)],
        )
        for child in forwarding.node.find_all():
            if isinstance(child, CfnResource):
                child.cfn_options.condition = in_region


def _allow(sid: str, actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources)
