"""Log groups the stack owns: retention from context, kept after the stack is deleted."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.config import LOG_RETENTION_DAYS, StackConfig


def retained_log_group(
    scope: Construct, construct_id: str, *, config: StackConfig
) -> logs.LogGroup:
    return logs.LogGroup(
        scope,
        construct_id,
        retention=logs.RetentionDays[LOG_RETENTION_DAYS[config.log_retention_days]],
        # Logs are the audit trail of what was stopped and who asked: they outlive the stack.
        # CloudFormation names them, so a redeploy after `cdk destroy` cannot collide with them.
        removal_policy=RemovalPolicy.RETAIN,
    )
