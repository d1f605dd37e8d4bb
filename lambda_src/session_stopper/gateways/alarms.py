"""CloudWatch: an alarm's state now, read before acting on an event that says it fired.

An event can arrive late (retries) or be replayed; only the alarm itself says whether it is still
in ALARM. DescribeAlarms lists only metric alarms unless asked for composite ones too, and AWS
answers for composite alarms only to a permission on every alarm ("*"): the stack grants that
only when kill switches (which may be composite) are configured, so only they ask for both.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

import boto3
from aws_lambda_powertools.utilities.parser import parse
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from session_stopper.gateways.budgets import budgets_for
from session_stopper.observability import traced

if TYPE_CHECKING:
    from mypy_boto3_cloudwatch import CloudWatchClient
    from mypy_boto3_cloudwatch.literals import AlarmTypeType


class _Described(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Dimension(_Described):
    name: str = Field(alias="Name")
    value: str = Field(alias="Value")


class Metric(_Described):
    dimensions: list[Dimension] = Field(default_factory=list, alias="Dimensions")


class MetricStat(_Described):
    metric: Metric = Field(alias="Metric")


class MetricQuery(_Described):
    metric_stat: MetricStat | None = Field(None, alias="MetricStat")


class DescribedAlarm(_Described):
    name: str = Field(alias="AlarmName")
    arn: str = Field(alias="AlarmArn")
    state: str = Field(alias="StateValue")
    state_transitioned: AwareDatetime | None = Field(None, alias="StateTransitionedTimestamp")
    state_updated: AwareDatetime | None = Field(None, alias="StateUpdatedTimestamp")
    dimensions: list[Dimension] = Field(default_factory=list, alias="Dimensions")
    metrics: list[MetricQuery] = Field(default_factory=list, alias="Metrics")

    @property
    def entered_state(self) -> datetime | None:
        """When the alarm last changed state (older answers only say when it was updated)."""
        return self.state_transitioned or self.state_updated

    def dimension_values(self, name: str) -> set[str]:
        """Values of dimension `name` on the alarm's metric and its metric-math inputs."""
        dimensions = [
            *self.dimensions,
            *(d for q in self.metrics if q.metric_stat for d in q.metric_stat.metric.dimensions),
        ]
        return {dimension.value for dimension in dimensions if dimension.name == name}


class DescribedAlarms(_Described):
    metric_alarms: list[DescribedAlarm] = Field(default_factory=list, alias="MetricAlarms")
    composite_alarms: list[DescribedAlarm] = Field(default_factory=list, alias="CompositeAlarms")


class AlarmLookupError(Exception):
    """CloudWatch could not say what state the alarm is in."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@functools.cache
def cloudwatch_client() -> CloudWatchClient:
    return boto3.client("cloudwatch", config=budgets_for(False).cloudwatch.config())


class AlarmGateway:
    def __init__(self, client: CloudWatchClient | None = None) -> None:
        self._client = client or cloudwatch_client()

    @traced
    def current(self, name: str, *, composite: bool) -> DescribedAlarm | None:
        """The alarm of that name in this account and region, or None if there is none.

        `composite`: the alarm may be a composite one (kill switches); session alarms name a
        session in a metric dimension, so they are metric alarms."""
        types: list[AlarmTypeType] = (
            ["CompositeAlarm", "MetricAlarm"] if composite else ["MetricAlarm"]
        )
        try:
            response = self._client.describe_alarms(AlarmNames=[name], AlarmTypes=types)
            described = parse(event=dict(response), model=DescribedAlarms)
        except ClientError as error:
            details = error.response.get("Error", {})
            raise AlarmLookupError(
                details.get("Code") or "Unknown", details.get("Message") or str(error)
            ) from error
        except BotoCoreError as error:
            raise AlarmLookupError("CONNECTION_ERROR", str(error)) from error
        except ValidationError as error:
            raise AlarmLookupError("INVALID_RESPONSE", str(error)[:500]) from error
        alarms = [*described.metric_alarms, *described.composite_alarms]
        return next((alarm for alarm in alarms if alarm.name == name), None)
