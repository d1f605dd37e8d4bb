"""Ops alarms into the ops topic, and one dashboard of what the stopper did."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_events as events
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import SERVICE_NAME, StackConfig

OUTCOME_METRICS = (
    "OutcomeStopped",
    "OutcomeAlreadyEnded",
    "OutcomeNotFound",
    "OutcomeRejected",
    "OutcomeFailed",
    "OutcomeSkipped",
)
PERIOD = Duration.minutes(5)


@dataclass(frozen=True)
class Watched:
    """What the alarms watch, each queue and rule under a short label used in alarm names."""

    function: lambda_.Function
    queues: Mapping[str, sqs.IQueue]
    rules: Mapping[str, events.Rule]
    ops_topic: sns.ITopic
    # The expiry timers' group; None when sessionTimers is false.
    timer_group: scheduler.IScheduleGroup | None = None


class Monitoring(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, watched: Watched
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._ops_action = actions.SnsAction(watched.ops_topic)
        self.alarms: list[cloudwatch.Alarm] = []
        fn = watched.function
        self._alarm("function-errors", "The function failed", fn.metric_errors(period=PERIOD))
        self._alarm("function-throttles", "Invocations throttled", fn.metric_throttles())
        self._alarm("outcome-failed", "Device Farm refused a stop", self.metric("OutcomeFailed"))
        for label, queue in watched.queues.items():
            depth = queue.metric_approximate_number_of_messages_visible(
                period=Duration.minutes(1), statistic=cloudwatch.Stats.MAXIMUM
            )
            self._alarm(f"{label}-not-empty", f"Messages waiting in {queue.queue_name}", depth)
        for label, rule in watched.rules.items():
            self._alarm(
                f"{label}-failed-invocations",
                f"EventBridge could not invoke the function for {rule.rule_name}",
                _failed_invocations(rule),
            )
        if watched.timer_group is not None:
            # A timer Scheduler gave up on (retries exhausted) is an expiry that stopped nothing.
            self._alarm(
                "timers-dropped",
                "EventBridge Scheduler dropped an expiry or warning timer of this stack",
                watched.timer_group.metric_dropped(period=PERIOD, statistic=cloudwatch.Stats.SUM),
            )
        if config.is_multi_account:
            self._accounts_not_reached_alarm()
        self.dashboard = self._dashboard(watched)

    def metric(self, name: str, statistic: str = cloudwatch.Stats.SUM) -> cloudwatch.Metric:
        """One of the function's EMF metrics (docs/contracts.md)."""
        return cloudwatch.Metric(
            namespace=self._config.metrics_namespace,
            metric_name=name,
            dimensions_map={"service": SERVICE_NAME},
            statistic=statistic,
            period=PERIOD,
        )

    def _alarm(self, suffix: str, description: str, metric: cloudwatch.IMetric) -> None:
        """Alarm on the first occurrence: each of these means a stop may not have happened."""
        alarm = cloudwatch.Alarm(
            self,
            f"Alarm-{suffix}",
            alarm_name=f"{self._config.name_prefix}-{suffix}",
            alarm_description=description,
            metric=metric,
            threshold=0,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._ops_action)
        alarm.add_ok_action(self._ops_action)
        self.alarms.append(alarm)

    def _accounts_not_reached_alarm(self) -> None:
        """Every sweep publishes AccountsNotReached (0 when it reached every account): a member
        whose spoke role cannot be assumed, or grants too little, is never skipped unseen."""
        alarm = cloudwatch.Alarm(
            self,
            "Alarm-accounts-not-reached",
            alarm_name=f"{self._config.name_prefix}-accounts-not-reached",
            alarm_description="A sweep could not reach a member account (its summary says which "
            "and why)",
            metric=self.metric("AccountsNotReached", statistic=cloudwatch.Stats.MAXIMUM),
            threshold=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            evaluation_periods=1,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
        )
        alarm.add_alarm_action(self._ops_action)
        alarm.add_ok_action(self._ops_action)
        self.alarms.append(alarm)

    def _dashboard(self, watched: Watched) -> cloudwatch.Dashboard:
        fn = watched.function
        dashboard = cloudwatch.Dashboard(
            self, "Dashboard", dashboard_name=f"{self._config.name_prefix}-overview"
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Outcomes by type",
                left=[self.metric(name) for name in OUTCOME_METRICS],
                stacked=True,
                width=12,
            ),
            cloudwatch.GraphWidget(
                title="Device minutes stopped",
                left=[self.metric("DeviceMinutesStopped")],
                right=[self.metric("SweepSessionsLeftUndone")],
                width=12,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.GraphWidget(
                title="Duration (ms)",
                left=[
                    fn.metric_duration(statistic=stat, period=PERIOD)
                    for stat in (cloudwatch.Stats.p(50), cloudwatch.Stats.p(99), "Maximum")
                ],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Errors and throttles",
                left=[fn.metric_errors(period=PERIOD), fn.metric_throttles(period=PERIOD)],
                right=[self.metric("OutcomeFailed")],
                width=8,
            ),
            cloudwatch.GraphWidget(
                title="Dead-letter queue depth",
                left=[
                    queue.metric_approximate_number_of_messages_visible(period=PERIOD)
                    for queue in watched.queues.values()
                ],
                width=8,
            ),
        )
        dashboard.add_widgets(
            cloudwatch.AlarmStatusWidget(title="Alarms", alarms=self.alarms, width=24)
        )
        return dashboard


def _failed_invocations(rule: events.Rule) -> cloudwatch.Metric:
    return cloudwatch.Metric(
        namespace="AWS/Events",
        metric_name="FailedInvocations",
        dimensions_map={"RuleName": rule.rule_name},
        statistic=cloudwatch.Stats.SUM,
        period=PERIOD,
    )
