"""What the timer tests share: a deployment with timers on moto's Scheduler, CloudTrail-shaped
events, and a way to fire a schedule as Scheduler would."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3

from session_stopper import clock
from session_stopper.domain.timers import schedule_names
from session_stopper.handler import lambda_handler
from tests.support.aws import ACCOUNT_ID
from tests.support.lambda_context import FakeLambdaContext

GROUP = "session-stopper-timers"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/session-stopper-timers"
TARGET_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:session-stopper"
TIMER_ENVIRONMENT = {
    "TIMER_SCHEDULE_GROUP": GROUP,
    "TIMER_ROLE_ARN": ROLE_ARN,
    "TIMER_TARGET_ARN": TARGET_ARN,
}


@dataclass(frozen=True)
class Schedule:
    name: str
    at: datetime
    input: dict[str, Any]
    raw: dict[str, Any]


class Schedules:
    """moto's Scheduler, read as the function left it."""

    def __init__(self, region: str) -> None:
        self.client = boto3.client("scheduler", region_name=region)

    def create_group(self) -> None:
        self.client.create_schedule_group(Name=GROUP)

    def of(self, session_arn: str) -> tuple[Schedule | None, Schedule | None]:
        expiry, warning = schedule_names(session_arn)
        return self.get(expiry), self.get(warning)

    def get(self, name: str) -> Schedule | None:
        try:
            raw = self.client.get_schedule(GroupName=GROUP, Name=name)
        except self.client.exceptions.ResourceNotFoundException:
            return None
        expression = raw["ScheduleExpression"]
        at = datetime.strptime(expression, "at(%Y-%m-%dT%H:%M:%S)").replace(tzinfo=UTC)
        return Schedule(name, at, json.loads(raw["Target"]["Input"]), raw)

    def names(self) -> list[str]:
        return [s["Name"] for s in self.client.list_schedules(GroupName=GROUP)["Schedules"]]


def fire(schedule: Schedule, at: datetime | None = None) -> Any:
    """Invoke the function as Scheduler does: the input with its context attributes filled,
    at the schedule's time unless told otherwise."""
    text = json.dumps(schedule.input)
    arn = f"arn:aws:scheduler:eu-west-1:{ACCOUNT_ID}:schedule/{GROUP}/{schedule.name}"
    text = text.replace("<aws.scheduler.schedule-arn>", arn)
    text = text.replace(
        "<aws.scheduler.scheduled-time>", schedule.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    )
    with frozen_clock(at or schedule.at):
        return lambda_handler(json.loads(text), FakeLambdaContext())


@contextmanager
def frozen_clock(moment: datetime) -> Iterator[None]:
    clock.use(lambda: moment)
    try:
        yield
    finally:
        clock.use(None)


def cloudtrail_event(
    event_name: str,
    request: dict[str, Any],
    *,
    response: dict[str, Any] | None = None,
    at: datetime | None = None,
    error_code: str | None = None,
    account: str = ACCOUNT_ID,
) -> dict[str, Any]:
    """An `AWS API Call via CloudTrail` event as EventBridge delivers it."""
    when = (at or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
    detail: dict[str, Any] = {
        "eventVersion": "1.09",
        "userIdentity": {"type": "IAMUser", "accountId": account, "userName": "tester"},
        "eventTime": when,
        "eventSource": "devicefarm.amazonaws.com",
        "eventName": event_name,
        "awsRegion": "us-west-2",
        "sourceIPAddress": "198.51.100.7",
        "userAgent": "aws-cli/2",
        "requestParameters": request,
        "responseElements": response,
        "requestID": str(uuid.uuid4()),
        "eventID": str(uuid.uuid4()),
        "readOnly": False,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": account,
        "eventCategory": "Management",
    }
    if error_code:
        detail["errorCode"] = error_code
        detail["errorMessage"] = "refused"
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.devicefarm",
        "account": account,
        "time": when,
        "region": "us-west-2",
        "resources": [],
        "detail": detail,
    }


def created_at(session: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(session["created"], UTC)


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)
