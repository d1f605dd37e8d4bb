"""The session stopper function: code asset, dependencies layer, role, logs and async config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.config import SERVICE_NAME, StackConfig
from infra.constructs.log_groups import retained_log_group
from infra.constructs.permissions import (
    LIVE_ALIAS,
    GrantTargets,
    describe_alarms_resources,
    function_statements,
    invoke_target_arn,
    project_arns,
    session_arns,
)
from infra.constructs.queues import dead_letter_queue
from infra.constructs.timers import ExpiryTimers
from infra.lambda_deps import BuiltDependencies
from infra.member_accounts import member_accounts_json
from infra.nag import acknowledge

HANDLER = "session_stopper.handler.lambda_handler"
# An async event older than this is about a session Device Farm has ended anyway (150 min).
MAX_ASYNC_EVENT_AGE = Duration.hours(3)


@dataclass(frozen=True)
class FunctionDependencies:
    outcome_topic: sns.ITopic
    topic_key: kms.IKey
    outcome_dlq: sqs.IQueue
    idempotency_table: dynamodb.ITable
    # None when sessionTimers is false: no timer variables, no scheduler permissions.
    timers: ExpiryTimers | None = None
    # None without chat channels: an empty CHAT_TOPIC_ARN, no publish grant.
    chat_topic: sns.ITopic | None = None


def ship_dependencies(
    scope: Construct, function: lambda_.Function, dependencies: BuiltDependencies
) -> lambda_.LayerVersion:
    """Give the function its own layer: the pins the tests ran with, built for arm64 / Python
    3.13 (infra/lambda_deps.py), in place of the public Powertools layer and the runtime's boto3.

    Lambda puts a layer's /opt/python before the runtime's own libraries on sys.path, so this
    boto3 and botocore win over the runtime's: "Libraries in function layers therefore have
    precedence over versions included in the runtime" (docs.aws.amazon.com/lambda/latest/dg/
    python-package.html, "Dependency search path and runtime-included libraries"; the runtime's
    SDK is in /var/lang/lib/python3.x/site-packages, after /opt/python).
    """
    layer = lambda_.LayerVersion(
        scope,
        "Dependencies",
        code=lambda_.Code.from_asset(str(dependencies.path)),
        compatible_runtimes=[lambda_.Runtime.PYTHON_3_13],
        compatible_architectures=[lambda_.Architecture.ARM_64],
        description=(
            "session_stopper's runtime dependencies at the tested pins "
            f"(requirements-lambda.txt + constraints.txt, {dependencies.key[:12]})"
        ),
    )
    function.add_layers(layer)
    # A new published version whenever the pins change, not only the code: without the
    # recognizeLayerVersion feature flag (unset here) the CDK leaves layers out of a version's
    # hash, and the alias SnapStart runs would keep the old dependencies.
    function.invalidate_version_based_on(dependencies.key)
    return layer


def member_account_environment(config: StackConfig) -> dict[str, str]:
    """The hub's scope (docs/multi-account.md); none of these in single-account mode, where
    the function acts in its own account only, as before."""
    scope = config.account_scope
    if not scope.is_multi_account:
        return {}
    return {
        "MEMBER_ACCOUNTS": member_accounts_json(scope.members),
        "ORGANIZATION_UNIT_IDS": ",".join(scope.organization_unit_ids),
        "HUB_ACCOUNT_IN_SCOPE": "true" if scope.hub_account_in_scope else "false",
        "SPOKE_ROLE_NAME": config.spoke_role_name,
        # Not a secret (AWS: the external id guards against a confused deputy, it is no
        # password); every spoke's trust policy requires it.
        "SPOKE_EXTERNAL_ID": scope.external_id,
    }


class StopperFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        code_path: Path,
        dependencies: BuiltDependencies,
        deps: FunctionDependencies,
    ) -> None:
        super().__init__(scope, construct_id)
        self.async_failure_queue = dead_letter_queue(
            self,
            "AsyncFailureQueue",
            name=f"{config.name_prefix}-async-failures",
            holds="asynchronous invocations that failed after Lambda's retries",
        )
        self.log_group = retained_log_group(self, "LogGroup", config=config)
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"{config.name_prefix} function: stops Device Farm sessions",
            # The spokes trust this role by its ARN (aws:PrincipalArn): a fixed name keeps the
            # ARN when the role is replaced. Single-account stacks keep the generated name.
            role_name=config.function_role_name if config.is_multi_account else None,
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=config.function_name,
            description="Stops AWS Device Farm remote access sessions",
            runtime=lambda_.Runtime.PYTHON_3_13,
            # arm64 with or without SnapStart: AWS's SnapStart page ("Supported features and
            # limitations") lists Python 3.12+ and excludes only provisioned concurrency, EFS and
            # ephemeral storage over 512 MB; the arm64 exclusion was Java-only and is gone.
            architecture=lambda_.Architecture.ARM_64,
            snap_start=(lambda_.SnapStartConf.ON_PUBLISHED_VERSIONS if config.snap_start else None),
            # Lambda bills a Python version's snapshot cache for as long as the version exists,
            # invoked or not, and never retires it by itself: a deploy deletes the version it
            # replaced (the CDK's default keeps every one, each caching a snapshot forever).
            current_version_options=lambda_.VersionOptions(removal_policy=RemovalPolicy.DESTROY),
            handler=HANDLER,
            # The staged package (infra/function_asset.py): lambda_src's files only, with their
            # CPython 3.13 bytecode when one was at hand to compile it.
            code=lambda_.Code.from_asset(str(code_path)),
            memory_size=config.memory_size,
            timeout=Duration.seconds(config.timeout_seconds),
            # Caps what a flood of calls can cost and keeps the rest of the account's
            # concurrency free; 0 means no reservation (accounts whose quota is only 10).
            reserved_concurrent_executions=config.reserved_concurrency or None,
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel(config.log_level),
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            role=self.role,
            environment=self._environment(config, deps),
        )
        # What every trigger invokes (API, rules, alarm actions, timers, operators): with
        # SnapStart the `live` alias of the version published by this deploy, since only a
        # published version has a snapshot; without it the function itself, as before.
        self.dependencies_layer = ship_dependencies(self, self.function, dependencies)
        self.target: lambda_.IFunction = self.function
        self.alias: lambda_.Alias | None = None
        if config.snap_start:
            self.alias = lambda_.Alias(
                self,
                "LiveAlias",
                alias_name=LIVE_ALIAS,
                version=self.function.current_version,
                description="The published, SnapStart-primed version every trigger invokes",
            )
            self.target = self.alias
        self._grant(config, deps)
        if deps.timers is not None:
            # The group's name is a literal, not a reference: order them explicitly, so no
            # event reaches the function before the group it arms timers in exists.
            self.function.node.add_dependency(deps.timers.group)
        self._configure_async_invoke(config)
        self._acknowledge_findings(config, timers=deps.timers is not None)
        self._explain_checkov_skips(config)

    @property
    def invoke_name(self) -> str:
        """The FunctionName an Invoke call gives to reach what the triggers reach."""
        if self.alias is None:
            return self.function.function_name
        return f"{self.function.function_name}:{self.alias.alias_name}"

    def _environment(self, config: StackConfig, deps: FunctionDependencies) -> dict[str, str]:
        """The variables session_stopper/config.py reads (docs/contracts.md)."""
        timers = deps.timers.environment() if deps.timers is not None else {}
        return {
            # The function refuses session and project ARNs of any other account.
            "DEVICE_FARM_ACCOUNT_ID": Stack.of(self).account,
            "OUTCOME_TOPIC_ARN": deps.outcome_topic.topic_arn,
            "OUTCOME_DLQ_URL": deps.outcome_dlq.queue_url,
            "IDEMPOTENCY_TABLE_NAME": deps.idempotency_table.table_name,
            "IDEMPOTENCY_WINDOW_SECONDS": str(config.idempotency_window_seconds),
            "DEVICE_FARM_REGION": config.device_farm_region,
            "DEVICE_FARM_MAX_ATTEMPTS": str(config.device_farm_max_attempts),
            "SWEEP_MAX_AGE_MINUTES": str(config.max_session_minutes),
            "SWEEP_MIN_AGE_MINUTES": str(config.sweep_min_age_minutes),
            "MAX_TAG_BUDGET_MINUTES": str(config.max_tag_budget_minutes),
            "SWEEP_PROJECT_ARNS": ",".join(config.project_arns),
            "SWEEP_WORKERS": str(config.sweep_workers),
            "SWEEP_DRY_RUN": "true" if config.sweep_dry_run else "false",
            "PROTECTED_NAME_PATTERN": config.protected_name_pattern,
            "SESSION_ALARM_NAMES": ",".join(config.alarm_names),
            "SESSION_ALARM_NAME_PREFIX": config.alarm_name_prefix,
            "KILL_SWITCH_ALARM_NAMES": ",".join(config.kill_switch_alarm_names),
            "KILL_SWITCH_SPARES_EXEMPT": "true" if config.kill_switch_spares_exempt else "false",
            "ALARM_MAX_AGE_MINUTES": str(config.alarm_max_age_minutes),
            "PRICE_PER_DEVICE_MINUTE": str(config.price_per_device_minute),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": config.metrics_namespace,
            # The X-Ray SDK costs a third of a cold start (session_stopper/observability.py).
            "POWERTOOLS_TRACE_DISABLED": "false" if config.sdk_tracing else "true",
            # Empty without chat channels: the function tells no chat topic.
            "CHAT_TOPIC_ARN": deps.chat_topic.topic_arn if deps.chat_topic is not None else "",
            "CHAT_OUTCOMES": ",".join(config.chat_outcomes),
            # What a sweep's continuation invokes: the alias (or function) every trigger does.
            "CONTINUATION_TARGET_ARN": invoke_target_arn(config),
            **timers,
            **member_account_environment(config),
        }

    def _grant(self, config: StackConfig, deps: FunctionDependencies) -> None:
        targets = GrantTargets(
            account=Stack.of(self).account,
            outcome_topic_arn=deps.outcome_topic.topic_arn,
            topic_key_arn=deps.topic_key.key_arn,
            queue_arns=[deps.outcome_dlq.queue_arn, self.async_failure_queue.queue_arn],
            table_arn=deps.idempotency_table.table_arn,
            log_group_arn=self.log_group.log_group_arn,
            timer_role_arn=deps.timers.role.role_arn if deps.timers is not None else None,
            chat_topic_arn=deps.chat_topic.topic_arn if deps.chat_topic is not None else None,
        )
        for statement in function_statements(config, targets):
            self.role.add_to_principal_policy(statement)

    def _configure_async_invoke(self, config: StackConfig) -> None:
        # The L1 resource, because the L2 destination would also grant sqs:GetQueueAttributes
        # and sqs:GetQueueUrl; SendMessage is granted in _grant.
        # Lambda checks that the role may send to the destination when this is created; the
        # function it references already waits for the role's policy, so this does too.
        lambda_.CfnEventInvokeConfig(
            self,
            "AsyncInvokeConfig",
            function_name=self.function.function_name,
            # Asynchronous invokes arrive on the alias when there is one (rules, alarms,
            # timers); its failures must reach the same queue.
            qualifier=self.alias.alias_name if self.alias is not None else "$LATEST",
            maximum_retry_attempts=config.async_retry_attempts,
            maximum_event_age_in_seconds=int(MAX_ASYNC_EVENT_AGE.to_seconds()),
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=self.async_failure_queue.queue_arn
                )
            ),
        )

    def _explain_checkov_skips(self, config: StackConfig) -> None:
        skips = {
            "CKV_AWS_116": "Failed asynchronous invocations go to an on-failure destination (the "
            "async-failures queue, AWS::Lambda::EventInvokeConfig), which also keeps the error; "
            "a DLQ would duplicate it.",
            "CKV_AWS_117": "The function calls only public AWS endpoints (Device Farm in "
            "us-west-2, SNS, SQS, DynamoDB); a VPC would need NAT or interface endpoints at "
            "$30+/month and would isolate nothing.",
            "CKV_AWS_173": "The environment holds no secrets (names, ARNs, numbers, a regex); "
            "Lambda encrypts it at rest with its service key, a customer key adds only a policy.",
        }
        if not config.reserved_concurrency:
            skips["CKV_AWS_115"] = (
                "reservedConcurrency is 0 on purpose: the account's concurrency quota leaves "
                "nothing to reserve (Lambda keeps 10 unreserved, and new accounts have only 10)."
            )
        for check_id, reason in skips.items():
            skip_check(self.function, check_id, reason)

    def _acknowledge_findings(self, config: StackConfig, *, timers: bool) -> None:
        # cdk-nag shows the account as <AWS::AccountId>; v3 acknowledges each finding exactly.
        account = "<AWS::AccountId>"
        describe_all = describe_alarms_resources(config) == ["*"]
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only actions without resource-level permissions use '*': devicefarm:ListProjects "
            "(a sweep enumerates the account's projects) and xray:PutTraceSegments / "
            "xray:PutTelemetryRecords (added by active tracing)"
            + (
                "; and cloudwatch:DescribeAlarms, because killSwitchAlarmNames is set and AWS "
                "describes composite alarms only to a permission scoped to '*'."
                if describe_all
                else "."
            ),
        )
        if config.alarm_name_prefix and not describe_all:
            prefix_arn = (
                f"arn:<AWS::Partition>:cloudwatch:<AWS::Region>:{account}:alarm:"
                f"{config.alarm_name_prefix}*"
            )
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::{prefix_arn}]",
                "cloudwatch:DescribeAlarms on the alarms of alarmNamePrefix: the function re-reads "
                "an alarm's current state before acting on it, and every alarm whose name starts "
                "with the prefix may act; no other alarm is readable.",
            )
        for arn in session_arns(config, account):
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::{arn}]",
                "Session ARNs carry generated ids (session:<projectId>/<sessionId>/<n>) that the "
                "function learns at run time, so the resource is this account's sessions in the "
                "Device Farm region, narrowed to the listed projects when projectArns is set.",
            )
        for arn in project_arns(config, account):
            if arn.endswith("*"):
                acknowledge(
                    self.role,
                    f"AwsSolutions-IAM5[Resource::{arn}]",
                    "ListRemoteAccessSessions acts on a project; with projectArns empty a sweep "
                    "covers every project of the account. Set projectArns to list them instead.",
                )
        if timers:
            # timer_schedules_arn() as cdk-nag prints it.
            schedules = (
                f"arn:<AWS::Partition>:scheduler:<AWS::Region>:{account}:"
                f"schedule/{config.timer_group_name}/*"
            )
            acknowledge(
                self.role,
                f"AwsSolutions-IAM5[Resource::{schedules}]",
                "Every schedule of the stack's own timer group: the function names one expiry and "
                "one warning schedule per session at run time (from a hash of the session ARN), "
                "and may create, move, delete or read nothing outside that group.",
            )
        self._acknowledge_member_account_findings(config)
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to an SNS topic encrypted with a customer key needs kms:GenerateDataKey* "
            "(the form SNS documents); the statement is limited to the topics' one key.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "docs/contracts.md fixes Python 3.13: the dependencies layer (cp313 wheels) and the "
            "tests (make test-py313) target it. Moving to 3.14 is one deliberate upgrade of both.",
        )

    def _acknowledge_member_account_findings(self, config: StackConfig) -> None:
        scope = config.account_scope
        if not scope.is_multi_account:
            return
        # spoke_roles_arn() and organization_arns() as cdk-nag prints them.
        acknowledge(
            self.role,
            f"AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/{config.spoke_role_name}]",
            "sts:AssumeRole on the spoke role's one name in any account, limited by the "
            "statement's conditions to the member accounts (aws:ResourceAccount) or to the "
            "configured OUs of the organization (aws:ResourceOrgID and aws:ResourceOrgPaths).",
        )
        if scope.organization_unit_ids:
            for kind in ("ou", "root"):
                arn = f"arn:<AWS::Partition>:organizations::*:{kind}/{scope.organization_id}/*"
                acknowledge(
                    self.role,
                    f"AwsSolutions-IAM5[Resource::{arn}]",
                    "ListChildren and ListAccountsForParent on the OUs and roots of the one "
                    "organization: the function walks down from organizationUnitIds to child OUs "
                    "whose ids are known only at run time, and the management account in the ARN "
                    "is not known to the hub.",
                )
