"""The session stopper function: code asset, Powertools layer, role, logs and async config."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Duration, Stack
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from infra.config import SERVICE_NAME, StackConfig
from infra.constructs.log_groups import retained_log_group
from infra.constructs.permissions import (
    GrantTargets,
    function_statements,
    project_arns,
    session_arns,
)
from infra.constructs.queues import dead_letter_queue
from infra.nag import acknowledge
from infra.powertools import layer_parameter_name

HANDLER = "session_stopper.handler.lambda_handler"
# Only the package goes into the asset: no caches, build leftovers or editor files.
ASSET_EXCLUDES = [
    "**/__pycache__",
    "**/*.pyc",
    "**/*.pyo",
    "**/.pytest_cache",
    "**/.mypy_cache",
    "**/.ruff_cache",
    "**/*.egg-info",
    "**/.DS_Store",
]
# An async event older than this is about a session Device Farm has ended anyway (150 min).
MAX_ASYNC_EVENT_AGE = Duration.hours(3)


@dataclass(frozen=True)
class FunctionDependencies:
    outcome_topic: sns.ITopic
    topic_key: kms.IKey
    outcome_dlq: sqs.IQueue
    idempotency_table: dynamodb.ITable


class StopperFunction(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        code_path: Path,
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
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=f"{config.name_prefix}-function",
            description="Stops AWS Device Farm remote access sessions",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            handler=HANDLER,
            code=lambda_.Code.from_asset(str(code_path), exclude=ASSET_EXCLUDES),
            layers=[self._powertools_layer(config)],
            memory_size=config.memory_size,
            timeout=Duration.seconds(config.timeout_seconds),
            tracing=lambda_.Tracing.ACTIVE,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel(config.log_level),
            system_log_level_v2=lambda_.SystemLogLevel.WARN,
            log_group=self.log_group,
            role=self.role,
            environment=self._environment(config, deps),
        )
        self._grant(config, deps)
        self._configure_async_invoke(config)
        self._acknowledge_findings(config)

    def _powertools_layer(self, config: StackConfig) -> lambda_.ILayerVersion:
        # Resolved by CloudFormation at deploy time, so synth needs no AWS credentials.
        arn = config.powertools_layer_arn or ssm.StringParameter.value_for_string_parameter(
            self, layer_parameter_name(config.powertools_version)
        )
        return lambda_.LayerVersion.from_layer_version_arn(self, "PowertoolsLayer", arn)

    @staticmethod
    def _environment(config: StackConfig, deps: FunctionDependencies) -> dict[str, str]:
        """The variables session_stopper/config.py reads (docs/contracts.md)."""
        return {
            "OUTCOME_TOPIC_ARN": deps.outcome_topic.topic_arn,
            "OUTCOME_DLQ_URL": deps.outcome_dlq.queue_url,
            "IDEMPOTENCY_TABLE_NAME": deps.idempotency_table.table_name,
            "IDEMPOTENCY_WINDOW_SECONDS": str(config.idempotency_window_seconds),
            "DEVICE_FARM_REGION": config.device_farm_region,
            "DEVICE_FARM_MAX_ATTEMPTS": str(config.device_farm_max_attempts),
            "SWEEP_MAX_AGE_MINUTES": str(config.max_session_minutes),
            "SWEEP_PROJECT_ARNS": ",".join(config.project_arns),
            "SWEEP_WORKERS": str(config.sweep_workers),
            "SWEEP_DRY_RUN": "true" if config.sweep_dry_run else "false",
            "PROTECTED_NAME_PATTERN": config.protected_name_pattern,
            "PRICE_PER_DEVICE_MINUTE": str(config.price_per_device_minute),
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            "POWERTOOLS_METRICS_NAMESPACE": config.metrics_namespace,
        }

    def _grant(self, config: StackConfig, deps: FunctionDependencies) -> None:
        targets = GrantTargets(
            account=Stack.of(self).account,
            outcome_topic_arn=deps.outcome_topic.topic_arn,
            topic_key_arn=deps.topic_key.key_arn,
            queue_arns=[deps.outcome_dlq.queue_arn, self.async_failure_queue.queue_arn],
            table_arn=deps.idempotency_table.table_arn,
            log_group_arn=self.log_group.log_group_arn,
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
            qualifier="$LATEST",
            maximum_retry_attempts=config.async_retry_attempts,
            maximum_event_age_in_seconds=int(MAX_ASYNC_EVENT_AGE.to_seconds()),
            destination_config=lambda_.CfnEventInvokeConfig.DestinationConfigProperty(
                on_failure=lambda_.CfnEventInvokeConfig.OnFailureProperty(
                    destination=self.async_failure_queue.queue_arn
                )
            ),
        )

    def _acknowledge_findings(self, config: StackConfig) -> None:
        # cdk-nag shows the account as <AWS::AccountId>; v3 acknowledges each finding exactly.
        account = "<AWS::AccountId>"
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Resource::*]",
            "Only actions without resource-level permissions use '*': devicefarm:ListProjects "
            "(a sweep enumerates the account's projects) and xray:PutTraceSegments / "
            "xray:PutTelemetryRecords (added by active tracing).",
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
        acknowledge(
            self.role,
            "AwsSolutions-IAM5[Action::kms:GenerateDataKey*]",
            "Publishing to an SNS topic encrypted with a customer key needs kms:GenerateDataKey* "
            "(the form SNS documents); the statement is limited to the topics' one key.",
        )
        acknowledge(
            self.function,
            "AwsSolutions-L1",
            "docs/contracts.md fixes Python 3.13: the pinned Powertools layer, dependencies "
            "and tests all target it. Moving to 3.14 is one deliberate upgrade of all three.",
        )
