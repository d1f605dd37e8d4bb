"""The one stack: wires the constructs together and publishes the outputs people need."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.access import AccessPolicies
from infra.constructs.api import StopperApi
from infra.constructs.chat import ChatChannels
from infra.constructs.events import Triggers
from infra.constructs.function import FunctionDependencies, StopperFunction
from infra.constructs.monitoring import Monitoring, Watched
from infra.constructs.notifications import Notifications
from infra.constructs.storage import IdempotencyStore
from infra.constructs.timers import ExpiryTimers
from infra.lambda_deps import BuiltDependencies


class SessionStopperStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        code_path: Path,
        dependencies: BuiltDependencies,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        notifications = Notifications(self, "Notifications", config=config)
        store = IdempotencyStore(self, "Idempotency", config=config)
        # Before the function, which gets their names in its environment.
        timers = ExpiryTimers(self, "Timers", config=config) if config.session_timers else None
        chat = (
            ChatChannels(self, "Chat", config=config, key=notifications.key)
            if config.has_chat
            else None
        )
        stopper = StopperFunction(
            self,
            "Stopper",
            config=config,
            code_path=code_path,
            dependencies=dependencies,
            deps=FunctionDependencies(
                outcome_topic=notifications.outcome_topic,
                topic_key=notifications.key,
                outcome_dlq=notifications.outcome_dlq,
                idempotency_table=store.table,
                timers=timers,
                chat_topic=chat.topic if chat is not None else None,
            ),
        )
        notifications.restrict_to(stopper.role)
        if chat is not None:
            chat.restrict_to(stopper.role)
        api = StopperApi(self, "Api", config=config, function=stopper.target)
        triggers = Triggers(self, "Triggers", config=config, function=stopper.target)
        access = AccessPolicies(
            self,
            "Access",
            config=config,
            stop_method=api.stop_method,
            extend_method=api.extend_method,
            sweep_method=api.sweep_method,
            list_method=api.list_method,
            operator_stop_method=api.operator_stop_method,
            operator_extend_method=api.operator_extend_method,
            command_bus=triggers.command_bus,
            function=stopper.target,
        )
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
                    "command-dlq": triggers.command_lane.dead_letter_queue,
                },
                rules=triggers.rules,
                ops_topic=notifications.ops_topic,
                timer_group=timers.group if timers is not None else None,
            ),
        )
        self._outputs(
            notifications=notifications,
            stopper=stopper,
            api=api,
            triggers=triggers,
            access=access,
            monitoring=monitoring,
            timers=timers,
        )
        if chat is not None:
            CfnOutput(
                self,
                "ChatTopicArn",
                value=chat.topic.topic_arn,
                description="Chat notifications (Slack, Microsoft Teams) of the chat channels",
            )

    def _outputs(
        self,
        *,
        notifications: Notifications,
        stopper: StopperFunction,
        api: StopperApi,
        triggers: Triggers,
        access: AccessPolicies,
        monitoring: Monitoring,
        timers: ExpiryTimers | None,
    ) -> None:
        outputs = {
            "ApiUrl": (api.api.url, "Invoke URL of the stage (SigV4-signed POSTs only)"),
            "StopSessionUrl": (api.api.url_for_path("/sessions/stop"), 'POST {"arn": ...}'),
            # With SnapStart `<name>:live`, which Invoke takes as a FunctionName (the alias).
            "FunctionName": (
                stopper.invoke_name,
                "The session stopper function (with its alias when SnapStart is on)",
            ),
            "FunctionArn": (stopper.target.function_arn, "Use as a CloudWatch alarm action"),
            # What every spoke trusts (HubFunctionRoleArn, docs/multi-account.md).
            "FunctionRoleArn": (stopper.role.role_arn, "The function's role"),
            "OutcomeTopicArn": (notifications.outcome_topic.topic_arn, "Subscribe to outcomes"),
            "OutcomeDeadLetterQueueUrl": (notifications.outcome_dlq.queue_url, "Unpublished"),
            "OpsTopicArn": (notifications.ops_topic.topic_arn, "Ops alarm notifications"),
            "DashboardName": (monitoring.dashboard.dashboard_name, "CloudWatch dashboard"),
            "CommandBusName": (triggers.command_bus.event_bus_name, "Send stop/sweep commands"),
            "CommandBusArn": (triggers.command_bus.event_bus_arn, "The command bus"),
            "CommandQueueUrl": (
                triggers.command_lane.queue.queue_url,
                "Caller commands waiting for the command lane",
            ),
            "CallerPolicyArn": (
                access.caller_policy.managed_policy_arn,
                "Attach to stop one session (POST /sessions/stop, stop commands)"
                + (" or extend one (POST /sessions/extend)" if timers is not None else ""),
            ),
            "OperatorPolicyArn": (
                access.operator_policy.managed_policy_arn,
                "Attach to run sweeps (POST /sweeps, sweep commands, direct invoke)",
            ),
        }
        if timers is not None and api.extend_method is not None:
            outputs["ExtendSessionUrl"] = (
                api.api.url_for_path("/sessions/extend"),
                'POST {"arn": ..., "minutes": N}',
            )
            outputs["TimerScheduleGroupName"] = (
                timers.group.schedule_group_name,
                "EventBridge Scheduler group of the per-session expiry and warning timers",
            )
        for name, (value, description) in outputs.items():
            CfnOutput(self, name, value=value, description=description)
