"""EventBridge Scheduler gateway: the one place that creates, reads and deletes schedules.

A failed call becomes a SchedulerError carrying the service's error code, so callers never see
botocore's exceptions.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.gateways.budgets import budgets_for
from session_stopper.observability import traced

if TYPE_CHECKING:
    from mypy_boto3_scheduler import EventBridgeSchedulerClient

CONNECTION_ERROR = "CONNECTION_ERROR"
_NOT_FOUND = "ResourceNotFoundException"
_EXISTS = "ConflictException"
# Scheduler retries a failed invocation; past an hour the deadline is long gone and the sweep
# has the session.
_RETRY_POLICY = {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600}


class SchedulerError(Exception):
    def __init__(self, code: str, message: str, operation: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation


@dataclass(frozen=True)
class OneTimeSchedule:
    """A schedule that invokes `target_arn` once, at `at` (to the second), then deletes itself."""

    group: str
    name: str
    at: datetime
    input: str
    target_arn: str
    role_arn: str
    description: str = ""

    def request(self) -> dict[str, Any]:
        """Every field, as UpdateSchedule replaces the whole schedule."""
        return {
            "GroupName": self.group,
            "Name": self.name,
            "ScheduleExpression": f"at({self.at.astimezone(UTC):%Y-%m-%dT%H:%M:%S})",
            "ScheduleExpressionTimezone": "UTC",
            "FlexibleTimeWindow": {"Mode": "OFF"},
            "ActionAfterCompletion": "DELETE",
            "State": "ENABLED",
            "Description": self.description[:512],
            "Target": {
                "Arn": self.target_arn,
                "RoleArn": self.role_arn,
                "Input": self.input,
                "RetryPolicy": _RETRY_POLICY,
            },
        }


@functools.cache
def scheduler_client(interactive: bool = False) -> EventBridgeSchedulerClient:
    """In the function's own region, where the stack created the schedule group."""
    budget = budgets_for(interactive).scheduler
    return budget.guarded(boto3.client("scheduler", config=budget.config()))


class SchedulerGateway:
    def __init__(
        self, client: EventBridgeSchedulerClient | None = None, *, interactive: bool = False
    ) -> None:
        self._client = client or scheduler_client(interactive)

    @traced
    def put(self, schedule: OneTimeSchedule) -> None:
        """Create the schedule, or replace the one of that name."""
        try:
            self._call("CreateSchedule", self._client.create_schedule, schedule.request())
        except SchedulerError as error:
            if error.code != _EXISTS:
                raise
            self._call("UpdateSchedule", self._client.update_schedule, schedule.request())

    @traced
    def create(self, schedule: OneTimeSchedule) -> bool:
        """Create the schedule unless one of that name exists (then leave it): False."""
        try:
            self._call("CreateSchedule", self._client.create_schedule, schedule.request())
        except SchedulerError as error:
            if error.code != _EXISTS:
                raise
            return False
        return True

    @traced
    def update(self, schedule: OneTimeSchedule) -> bool:
        """Replace the schedule of that name; False when there is none (it fired, or was
        deleted)."""
        try:
            self._call("UpdateSchedule", self._client.update_schedule, schedule.request())
        except SchedulerError as error:
            if error.code != _NOT_FOUND:
                raise
            return False
        return True

    @traced
    def input_of(self, group: str, name: str) -> str | None:
        """The schedule's target input, or None when there is no such schedule."""
        try:
            answer = self._call(
                "GetSchedule", self._client.get_schedule, {"GroupName": group, "Name": name}
            )
        except SchedulerError as error:
            if error.code == _NOT_FOUND:
                return None
            raise
        target = answer.get("Target") or {}
        value = target.get("Input")
        return value if isinstance(value, str) else None

    @traced
    def delete(self, group: str, name: str) -> bool:
        """Delete the schedule; False when there was none (it fired, or was never armed)."""
        try:
            self._call(
                "DeleteSchedule", self._client.delete_schedule, {"GroupName": group, "Name": name}
            )
        except SchedulerError as error:
            if error.code == _NOT_FOUND:
                return False
            raise
        return True

    @staticmethod
    def _call(operation: str, call: Any, params: dict[str, Any]) -> dict[str, Any]:
        try:
            answer: dict[str, Any] = call(**params)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code") or "Unknown"
            raise SchedulerError(code, details.get("Message") or str(error), operation) from error
        except BotoCoreError as error:
            raise SchedulerError(CONNECTION_ERROR, str(error), operation) from error
        return answer
