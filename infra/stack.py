"""The one stack: wires the constructs together and publishes the outputs people need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.api import StopperApi
from infra.constructs.events import Triggers
from infra.constructs.function import FunctionDependencies, StopperFunction
from infra.constructs.monitoring import Monitoring, Watched
from infra.constructs.notifications import Notifications
from infra.constructs.storage import IdempotencyStore


class SessionStopperStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        code_path: Path,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        notifications = Notifications(self, "Notifications", config=config)
        store = IdempotencyStore(self, "Idempotency", config=config)
        stopper = StopperFunction(
            self,
            "Stopper",
            config=config,
            code_path=code_path,
            deps=FunctionDependencies(
                outcome_topic=notifications.outcome_topic,
                topic_key=notifications.key,
                outcome_dlq=notifications.outcome_dlq,
                idempotency_table=store.table,
            ),
        )
        api = StopperApi(self, "Api", config=config, function=stopper.function)
        triggers = Triggers(self, "Triggers", config=config, function=stopper.function)
        monitoring = Monitoring(
            self,
            "Monitoring",
            config=config,
            watched=Watched(
                function=stopper.function,
                queues={
                    "outcome-dlq": notifications.outcome_dlq,
                    "async-failures": stopper.async_failure_queue,
                    "event-dlq": triggers.dead_letter_queue,
                },
                rules=triggers.rules,
                ops_topic=notifications.ops_topic,
            ),
        )
        self._outputs(notifications, stopper, api, monitoring)

    def _outputs(
        self,
        notifications: Notifications,
        stopper: StopperFunction,
        api: StopperApi,
        monitoring: Monitoring,
    ) -> None:
        outputs = {
            "ApiUrl": (api.api.url, "Invoke URL of the stage (SigV4-signed POSTs only)"),
            "StopSessionUrl": (api.api.url_for_path("/sessions/stop"), 'POST {"arn": ...}'),
            "FunctionName": (stopper.function.function_name, "The session stopper function"),
            "FunctionArn": (stopper.function.function_arn, "Use as a CloudWatch alarm action"),
            "OutcomeTopicArn": (notifications.outcome_topic.topic_arn, "Subscribe to outcomes"),
            "OutcomeDeadLetterQueueUrl": (notifications.outcome_dlq.queue_url, "Unpublished"),
            "OpsTopicArn": (notifications.ops_topic.topic_arn, "Ops alarm notifications"),
            "DashboardName": (monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
        }
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
