"""The companion stack: forwards Device Farm's API calls from its region to the main stack.

Only for a main stack outside the Device Farm region (infra/call_route.py). It lives in the
Device Farm region, in the same account, and holds one rule on that region's default bus whose
target is the main stack's command bus, with the role EventBridge needs for a cross-region bus
target and a dead-letter queue for what it could not deliver. The command bus denies only other
accounts, so this account's forwarding role gets through; the main stack's rule on that bus
then invokes the function.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import Aws, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.events import device_farm_call_pattern
from infra.constructs.queues import dead_letter_queue

EVENTS_SERVICE = "events.amazonaws.com"


class DeviceFarmCallForwarderStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        main_region: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        prefix = config.name_prefix
        # Spelled out: a reference to the main stack's bus would cross regions, which
        # CloudFormation cannot resolve. Same account, same partition, the main stack's region.
        command_bus = events.EventBus.from_event_bus_arn(
            self,
            "CommandBus",
            f"arn:{Aws.PARTITION}:events:{main_region}:{Aws.ACCOUNT_ID}:"
            f"event-bus/{config.command_bus_name}",
        )
        self.dead_letter_queue = dead_letter_queue(
            self,
            "ForwardDeadLetterQueue",
            name=f"{prefix}-forward-dlq",
            holds="Device Farm API-call events that could not be forwarded to the command bus",
        )
        rule_name = f"{prefix}-device-farm-calls-forward"
        self.rule = events.Rule(
            self,
            "ForwardRule",
            rule_name=rule_name,
            description=f"Forwards Device Farm session creations and stops to {main_region}",
            event_pattern=device_farm_call_pattern(config),
            targets=[
                targets.EventBus(
                    command_bus,
                    role=self._forwarding_role(config, rule_name),
                    dead_letter_queue=self.dead_letter_queue,
                )
            ],
        )

    def _forwarding_role(self, config: StackConfig, rule_name: str) -> iam.Role:
        return forwarding_role(
            self,
            "ForwardRole",
            rule_name=rule_name,
            description=f"{config.name_prefix}: forwards Device Farm calls to the command bus",
        )


def forwarding_role(
    scope: Construct, construct_id: str, *, rule_name: str, description: str
) -> iam.Role:
    """The role EventBridge assumes to put into another region's or account's bus. CDK would
    create one itself; this one also carries the confused-deputy conditions AWS recommends (for
    a rule target, the source ARN is the rule's), spelled from the rule's name because the rule
    references the role. The target adds its one grant: events:PutEvents on that bus."""
    rule_arn = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:rule/{rule_name}"
    return iam.Role(
        scope,
        construct_id,
        assumed_by=iam.ServicePrincipal(
            EVENTS_SERVICE,
            conditions={
                "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID, "aws:SourceArn": rule_arn}
            },
        ),
        description=description,
    )
