"""Log groups the stack owns: retention from context, kept after the stack is deleted."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.config import LOG_RETENTION_DAYS, StackConfig


def retained_log_group(
    scope: Construct, construct_id: str, *, config: StackConfig, name: str | None = None
) -> logs.LogGroup:
    """`name` only for a group a service writes to under a name of its own choosing."""
    log_group = logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=logs.RetentionDays[LOG_RETENTION_DAYS[config.log_retention_days]],
        # Logs are the audit trail of what was stopped and who asked: they outlive the stack.
        # CloudFormation names them (or the name holds the API id), so a redeploy after
        # `cdk destroy` cannot collide with them.
        removal_policy=RemovalPolicy.RETAIN,
    )
    skip_check(
        log_group,
        "CKV_AWS_158",
        "CloudWatch Logs encrypts every log group at rest; these hold ARNs and request metadata, "
        "no secrets, and a customer key would add a key policy for the logs service and $1/month.",
    )
    return log_group
