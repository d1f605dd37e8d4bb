"""Per-session expiry timers: the schedule group that holds them and the role that fires them.

The function itself arms, moves and disarms the schedules (docs/contracts.md, "Expiry timers");
the stack only owns where they live and what they may do when they fire.
"""

from __future__ import annotations

from aws_cdk import Aws, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.permissions import SCHEDULER_SERVICE, schedule_group_arn, timer_target_arn


class ExpiryTimers(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self.group = scheduler.ScheduleGroup(
            self,
            "Group",
            schedule_group_name=config.timer_group_name,
            # Deleting a group deletes its schedules: none is left to fire at a function that
            # went with the stack. Every schedule in it is about a session that ends anyway.
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.target_arn = timer_target_arn(config)
        self.role = iam.Role(
            self,
            "Role",
            # Scheduler acts for this account's timer group only (confused deputy): AWS
            # recommends both keys, and the source ARN must be the group, not a schedule.
            assumed_by=iam.ServicePrincipal(
                SCHEDULER_SERVICE,
                conditions={
                    "StringEquals": {
                        "aws:SourceAccount": Aws.ACCOUNT_ID,
                        "aws:SourceArn": schedule_group_arn(config),
                    }
                },
            ),
            description=f"{config.name_prefix} timers: EventBridge Scheduler invokes the stopper",
        )
        self.role.add_to_principal_policy(
            iam.PolicyStatement(
                sid="InvokeTheStopper",
                actions=["lambda:InvokeFunction"],
                resources=[self.target_arn],
            )
        )

    def environment(self) -> dict[str, str]:
        """The timer variables session_stopper/config.py reads (docs/contracts.md)."""
        return {
            "TIMER_SCHEDULE_GROUP": self.group.schedule_group_name,
            "TIMER_ROLE_ARN": self.role.role_arn,
            "TIMER_TARGET_ARN": self.target_arn,
            "WARNING_LEAD_MINUTES": str(self._config.warning_lead_minutes),
            "MAX_EXTENSION_MINUTES": str(self._config.max_extension_minutes),
        }
