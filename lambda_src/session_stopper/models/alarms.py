"""CloudWatch alarm events: the Lambda alarm action and EventBridge "Alarm State Change".

Powertools has no parser models for these, so they are written here from the documented
shapes. Both carry the same alarm data; unknown fields are allowed because AWS adds them.
"""

from __future__ import annotations

from typing import Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

SESSION_ARN_DIMENSION = "SessionArn"


class _AlarmModel(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)


class AlarmMetric(_AlarmModel):
    namespace: str | None = None
    name: str | None = None
    dimensions: dict[str, str] = Field(default_factory=dict)


class AlarmMetricStat(_AlarmModel):
    metric: AlarmMetric
    period: int | None = None
    stat: str | None = None
    unit: str | None = None


class AlarmMetricQuery(_AlarmModel):
    """One entry of `configuration.metrics`: a metric, or a metric-math expression."""

    id: str
    metric_stat: AlarmMetricStat | None = Field(None, alias="metricStat")
    expression: str | None = None
    label: str | None = None
    return_data: bool | None = Field(None, alias="returnData")


class AlarmConfiguration(_AlarmModel):
    description: str | None = None
    metrics: list[AlarmMetricQuery] = Field(default_factory=list)
    alarm_rule: str | None = Field(None, alias="alarmRule", description="composite alarms only")


class AlarmState(_AlarmModel):
    value: str
    reason: str | None = None
    timestamp: str | None = None
    actions_suppressed_by: str | None = Field(
        None, alias="actionsSuppressedBy", description="composite alarms with a suppressor"
    )


class AlarmData(_AlarmModel):
    alarm_name: str = Field(alias="alarmName")
    state: AlarmState
    previous_state: AlarmState | None = Field(None, alias="previousState")
    configuration: AlarmConfiguration = Field(default_factory=AlarmConfiguration)

    @property
    def session_dimensions(self) -> list[str]:
        """Every `SessionArn` dimension value of the alarm's metrics, empty ones included."""
        return [
            query.metric_stat.metric.dimensions[SESSION_ARN_DIMENSION]
            for query in self.configuration.metrics
            if query.metric_stat and SESSION_ARN_DIMENSION in query.metric_stat.metric.dimensions
        ]


class AlarmActionEvent(_AlarmModel):
    """What CloudWatch sends when the alarm's action is this Lambda function."""

    source: Literal["aws.cloudwatch"]
    alarm_arn: str = Field(alias="alarmArn")
    account_id: str | None = Field(None, alias="accountId")
    # With its zone: the event's age decides whether it may act at all.
    time: AwareDatetime
    region: str | None = None
    alarm_data: AlarmData = Field(alias="alarmData")


class AlarmStateChangeEvent(EventBridgeModel):
    """The EventBridge event `aws.cloudwatch` / `CloudWatch Alarm State Change`."""

    source: Literal["aws.cloudwatch"]
    time: AwareDatetime
    detail: AlarmData

    @property
    def alarm_arn(self) -> str:
        """EventBridge names the alarm in `resources`; an event without it names nothing."""
        return self.resources[0] if len(self.resources) == 1 else ""
