"""IAM statements: the function's, least privilege, one per reason; and the resource policies'
explicit Denies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from infra.config import StackConfig

# BatchGetItem: the sessions view reads every listed session's recorded extension, 100 a call.
IDEMPOTENCY_ITEM_ACTIONS = (
    "dynamodb:BatchGetItem",
    "dynamodb:GetItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
)
# SNS encrypts each published message with a data key from the topic's KMS key.
TOPIC_KEY_ACTIONS = ("kms:GenerateDataKey*", "kms:Decrypt")
# What the function does with its timers (docs/contracts.md, "Expiry timers"). UpdateSchedule
# replaces every field and is how an extension moves a deadline; GetSchedule reads one back.
SCHEDULE_ACTIONS = (
    "scheduler:CreateSchedule",
    "scheduler:UpdateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)
SCHEDULER_SERVICE = "scheduler.amazonaws.com"
# A condition that holds for every principal outside the stack's account.
OTHER_ACCOUNTS = {"StringNotEquals": {"aws:PrincipalAccount": Aws.ACCOUNT_ID}}


def deny_everyone(
    sid: str, action: str, resource: str, unless: dict[str, Any]
) -> iam.PolicyStatement:
    """A resource-policy Deny for every principal the condition `unless` matches: an explicit
    Deny, so no identity policy anywhere (an administrator's `*` included) can lift it."""
    return iam.PolicyStatement(
        sid=sid,
        effect=iam.Effect.DENY,
        principals=[iam.AnyPrincipal()],
        actions=[action],
        resources=[resource],
        conditions=unless,
    )


@dataclass(frozen=True)
class GrantTargets:
    """ARNs of the stack resources the function writes to."""

    account: str
    outcome_topic_arn: str
    topic_key_arn: str
    queue_arns: Sequence[str]
    table_arn: str
    log_group_arn: str
    # The role EventBridge Scheduler assumes to fire the timers; None when there are no timers.
    timer_role_arn: str | None = None
    # The topic the chat channels subscribe; None when no chat channel is configured.
    chat_topic_arn: str | None = None


def device_farm_arn(config: StackConfig, account: str, resource: str) -> str:
    # Device Farm exists only in the aws partition, whatever partition the stack is in.
    return f"arn:aws:devicefarm:{config.device_farm_region}:{account}:{resource}"


def session_arns(config: StackConfig, account: str) -> list[str]:
    """session:<projectId>/<sessionId>/<n>, narrowed to the listed projects when there are any."""
    if not config.project_ids:
        return [device_farm_arn(config, account, "session:*")]
    return [device_farm_arn(config, account, f"session:{pid}/*") for pid in config.project_ids]


def project_arns(config: StackConfig, account: str) -> list[str]:
    if not config.project_ids:
        return [device_farm_arn(config, account, "project:*")]
    return [device_farm_arn(config, account, f"project:{pid}") for pid in config.project_ids]


# The alias every trigger invokes when SnapStart is on (docs/performance.md, "SnapStart").
LIVE_ALIAS = "live"


def function_arn(config: StackConfig) -> str:
    """The function's ARN spelled out from its fixed name. Its Arn attribute cannot go into its
    own environment (a resource cannot reference itself), and the timer role must name exactly
    the ARN the function gives Scheduler, so both read it from here."""
    return (
        f"arn:{Aws.PARTITION}:lambda:{Aws.REGION}:{Aws.ACCOUNT_ID}:function:{config.function_name}"
    )


def invoke_target_arn(config: StackConfig) -> str:
    """What everything that invokes the function names: the `live` alias with SnapStart (the
    unqualified function would run $LATEST, which SnapStart never snapshots), else the
    function. Spelled out from the fixed name, so the function's own environment and role can
    name it without a reference to the function (which would be a circular dependency)."""
    if config.snap_start:
        return f"{function_arn(config)}:{LIVE_ALIAS}"
    return function_arn(config)


def timer_target_arn(config: StackConfig) -> str:
    """What every timer invokes. The environment and the timer role's grant read it here."""
    return invoke_target_arn(config)


def continuation_statement(config: StackConfig) -> iam.PolicyStatement:
    """A sweep that runs out of time invokes the function again (asynchronously) to continue:
    exactly what the triggers invoke, nothing else (domain/sweeps/chain.py)."""
    return _statement("ContinueSweeps", ["lambda:InvokeFunction"], [invoke_target_arn(config)])


def schedule_group_arn(config: StackConfig) -> str:
    return (
        f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
        f"schedule-group/{config.timer_group_name}"
    )


def timer_schedules_arn(config: StackConfig) -> str:
    """Every schedule in the timer group: their names (expiry-<hash>, warning-<hash>) are made
    per session at run time, and no schedule outside the group matches."""
    return (
        f"arn:{Aws.PARTITION}:scheduler:{Aws.REGION}:{Aws.ACCOUNT_ID}:"
        f"schedule/{config.timer_group_name}/*"
    )


def timer_statements(
    config: StackConfig, account: str, timer_role_arn: str
) -> list[iam.PolicyStatement]:
    """Arm, move, disarm and read the per-session timers, and read a project's budget tag."""
    pass_role = iam.PolicyStatement(
        sid="PassTimerRole",
        actions=["iam:PassRole"],
        resources=[timer_role_arn],
        # Only into a schedule: the function cannot hand the role to any other service.
        conditions={"StringEquals": {"iam:PassedToService": SCHEDULER_SERVICE}},
    )
    return [
        _statement("ManageTimers", list(SCHEDULE_ACTIONS), [timer_schedules_arn(config)]),
        pass_role,
        # The budget tag (session-stopper:max-minutes) and the exempt tag live on projects.
        _statement(
            "ReadProjectBudgets",
            ["devicefarm:ListTagsForResource"],
            project_arns(config, account),
        ),
    ]


def alarm_arn(name: str) -> str:
    """An alarm of this account in the stack's region (`name` may end in '*' for a prefix)."""
    return f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:{name}"


def session_alarm_arns(config: StackConfig) -> list[str]:
    """Alarms that may stop the one session their SessionArn dimension names."""
    arns = [alarm_arn(name) for name in config.alarm_names]
    if config.alarm_name_prefix:
        arns.append(alarm_arn(f"{config.alarm_name_prefix}*"))
    return arns


def kill_switch_alarm_arns(config: StackConfig) -> list[str]:
    """The only alarms that may sweep every active session."""
    return [alarm_arn(name) for name in config.kill_switch_alarm_names]


def alarm_arns(config: StackConfig) -> list[str]:
    """Every alarm with authority over sessions; empty when none is configured."""
    return session_alarm_arns(config) + kill_switch_alarm_arns(config)


def describe_alarms_resources(config: StackConfig) -> list[str]:
    """What the function may re-read before acting on an alarm.

    DescribeAlarms accepts alarm ARNs, but AWS answers for composite alarms only to a caller
    whose permission is scoped to '*' (CloudWatch API reference, DescribeAlarms). Kill switches
    are typically composite alarms, so configuring one needs '*'; session alarms are metric
    alarms (they carry a SessionArn dimension) and keep the exact ARNs.
    """
    if config.kill_switch_alarm_names:
        return ["*"]
    return session_alarm_arns(config)


def function_statements(config: StackConfig, targets: GrantTargets) -> list[iam.PolicyStatement]:
    """Everything the function may do, except X-Ray which the Function construct adds itself."""
    account = targets.account
    # Re-read an alarm's current state before acting on it; no alarm configured, no grant.
    read_alarms = _statement(
        "ReadAlarmState", ["cloudwatch:DescribeAlarms"], describe_alarms_resources(config)
    )
    alarm_statements = [read_alarms] if config.has_alarm_scope else []
    timers = (
        timer_statements(config, account, targets.timer_role_arn)
        if targets.timer_role_arn is not None
        else []
    )
    return [
        _statement(
            "DeviceFarmSessions",
            ["devicefarm:GetRemoteAccessSession", "devicefarm:StopRemoteAccessSession"],
            session_arns(config, account),
        ),
        _statement(
            "DeviceFarmProjectSessions",
            ["devicefarm:ListRemoteAccessSessions"],
            project_arns(config, account),
        ),
        # ListProjects has no resource type in IAM: "*" is the only resource it accepts.
        _statement("DeviceFarmListProjects", ["devicefarm:ListProjects"], ["*"]),
        _statement("PublishOutcomes", ["sns:Publish"], [targets.outcome_topic_arn]),
        *(
            [_statement("PublishChatNotifications", ["sns:Publish"], [targets.chat_topic_arn])]
            if targets.chat_topic_arn is not None
            else []
        ),
        _statement("EncryptOutcomes", list(TOPIC_KEY_ACTIONS), [targets.topic_key_arn]),
        _statement("SendToDeadLetterQueues", ["sqs:SendMessage"], list(targets.queue_arns)),
        # Also the sweep lock: one item, put and deleted under the same key schema.
        _statement("IdempotencyRecords", list(IDEMPOTENCY_ITEM_ACTIONS), [targets.table_arn]),
        _statement(
            "WriteOwnLogGroup",
            ["logs:CreateLogStream", "logs:PutLogEvents"],
            [targets.log_group_arn],
        ),
        continuation_statement(config),
        *alarm_statements,
        *timers,
        *member_account_statements(config),
    ]


def _statement(sid: str, actions: list[str], resources: list[str]) -> iam.PolicyStatement:
    return iam.PolicyStatement(sid=sid, actions=actions, resources=resources)


# -- hub and spoke (docs/multi-account.md) -----------------------------------------------------

# What the function reads of AWS Organizations to find the accounts of organizationUnitIds.
ORGANIZATION_READ_ACTIONS = ("organizations:ListChildren", "organizations:ListAccountsForParent")


def spoke_roles_arn(config: StackConfig) -> str:
    """The spoke role in every account: which accounts, the statement's conditions say."""
    return f"arn:{Aws.PARTITION}:iam::*:role/{config.spoke_role_name}"


def organization_path(organization_id: str, unit_id: str) -> str:
    """aws:ResourceOrgPaths of every account under `unit_id`: paths read
    `o-.../r-.../ou-.../ou-.../`, so a root is the second segment and an OU any later one."""
    if unit_id.startswith("r-"):
        return f"{organization_id}/{unit_id}/*"
    return f"{organization_id}/*/{unit_id}/*"


def organization_arns(organization_id: str) -> list[str]:
    """The OUs and roots of the organization (the management account, in the ARNs, is any):
    ListChildren walks down from the configured units to OUs whose ids only AWS knows."""
    return [
        f"arn:{Aws.PARTITION}:organizations::*:ou/{organization_id}/*",
        f"arn:{Aws.PARTITION}:organizations::*:root/{organization_id}/*",
    ]


def member_account_statements(config: StackConfig) -> list[iam.PolicyStatement]:
    """Assume the spoke role in the accounts in scope, and nowhere else; and, for OUs, read
    which accounts they hold. Nothing in single-account mode."""
    scope = config.account_scope
    statements = []
    if scope.members:
        statements.append(
            iam.PolicyStatement(
                sid="AssumeListedSpokeRoles",
                actions=["sts:AssumeRole"],
                resources=[spoke_roles_arn(config)],
                conditions={"StringEquals": {"aws:ResourceAccount": list(scope.member_ids)}},
            )
        )
    if scope.organization_unit_ids:
        organization = scope.organization_id
        paths = [organization_path(organization, unit) for unit in scope.organization_unit_ids]
        statements += [
            iam.PolicyStatement(
                sid="AssumeOrganizationSpokeRoles",
                actions=["sts:AssumeRole"],
                resources=[spoke_roles_arn(config)],
                conditions={
                    "StringEquals": {"aws:ResourceOrgID": organization},
                    "ForAnyValue:StringLike": {"aws:ResourceOrgPaths": paths},
                },
            ),
            _statement(
                "ReadOrganizationUnits",
                list(ORGANIZATION_READ_ACTIONS),
                organization_arns(organization),
            ),
        ]
    return statements


def scoped_accounts_condition(config: StackConfig) -> dict[str, Any]:
    """A resource-policy Deny condition that holds for every principal outside the scope: the
    hub's account, and the member accounts (their organization when it is known)."""
    scope = config.account_scope
    if not scope.is_multi_account:
        return OTHER_ACCOUNTS
    if scope.organization_id:
        return {
            "StringNotEquals": {
                "aws:PrincipalAccount": Aws.ACCOUNT_ID,
                "aws:PrincipalOrgID": scope.organization_id,
            }
        }
    return {"StringNotEquals": {"aws:PrincipalAccount": [Aws.ACCOUNT_ID, *scope.member_ids]}}


def member_principals(config: StackConfig) -> tuple[list[iam.IPrincipal], dict[str, Any]]:
    """Who a resource policy's Allow names for the member accounts, and its condition: the
    organization (any principal whose aws:PrincipalOrgID is it) or each listed account."""
    scope = config.account_scope
    if scope.organization_id:
        return [iam.AnyPrincipal()], {"StringEquals": {"aws:PrincipalOrgID": scope.organization_id}}
    return [iam.AccountPrincipal(account) for account in scope.member_ids], {}
