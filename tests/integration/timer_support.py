"""What the timer tests share: a deployment with timers on moto's Scheduler, CloudTrail-shaped
events, a way to fire a schedule as Scheduler would, and the calls the timer tests make through
the real handler (a creation reported, an extension asked for, the scheduled sweep)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from session_stopper import clock
from session_stopper.domain.timers.schedules import schedule_names
from session_stopper.handler import lambda_handler
from tests.conftest import load_fixture
from tests.support.aws import ACCOUNT_ID, Published
from tests.support.caches import reset_function_caches
from tests.support.lambda_context import FakeLambdaContext

GROUP = "session-stopper-timers"
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/session-stopper-timers"
TARGET_ARN = f"arn:aws:lambda:eu-west-1:{ACCOUNT_ID}:function:session-stopper"
TIMER_ENVIRONMENT = {
    "TIMER_SCHEDULE_GROUP": GROUP,
    "TIMER_ROLE_ARN": ROLE_ARN,
    "TIMER_TARGET_ARN": TARGET_ARN,
}
OTHER_ACCOUNT = "210987654321"


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

    def expiry(self, session_arn: str) -> Schedule:
        """The session's expiry timer, which must be armed."""
        expiry, _ = self.of(session_arn)
        assert expiry is not None
        return expiry

    def warning(self, session_arn: str) -> Schedule:
        """The session's warning timer, which must be armed."""
        _, warning = self.of(session_arn)
        assert warning is not None
        return warning


def enable_timers(monkeypatch: pytest.MonkeyPatch, region: str) -> Schedules:
    """The deployment with timers on: their variables set, their schedule group created."""
    for name, value in TIMER_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    reset_function_caches()
    scheduler = Schedules(region)
    scheduler.create_group()
    return scheduler


def invoke(event: Any) -> Any:
    return lambda_handler(event, FakeLambdaContext())


def report_created(session: dict[str, Any], *, with_arn: bool = False) -> Any:
    """CloudTrail reports the session's creation to the function (which arms its timers)."""
    return invoke(created_event(session, with_arn=with_arn))


def scheduled_sweep() -> Any:
    """The sweep the schedule starts; its summary."""
    return invoke(load_fixture("scheduled_event.json"))


def post(
    api_event: Callable[..., dict[str, Any]], path: str, body: Any
) -> tuple[int, dict[str, Any]]:
    """POST `body` to the API's `path`: the status and the decoded answer."""
    answer = invoke(api_event(body, path=path, resource=path))
    return answer["statusCode"], json.loads(answer["body"])


def extend(api_event: Callable[..., dict[str, Any]], body: Any) -> tuple[int, dict[str, Any]]:
    return post(api_event, "/sessions/extend", body)


def by_type(published: list[Published], message_type: str) -> list[dict[str, Any]]:
    return [p.body for p in published if p.attributes["messageType"] == message_type]


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


def created_event(session: dict[str, Any], *, with_arn: bool = False) -> dict[str, Any]:
    """CloudTrail's record of the session's CreateRemoteAccessSession call."""
    request = {
        "projectArn": session["arn"].replace(":session:", ":project:").rsplit("/", 2)[0],
        "deviceArn": session["device"]["arn"],
        "name": session["name"],
    }
    response = {"remoteAccessSession": {"arn": session["arn"]}} if with_arn else None
    return cloudtrail_event(
        "CreateRemoteAccessSession", request, response=response, at=created_at(session)
    )


def created_at(session: dict[str, Any]) -> datetime:
    return datetime.fromtimestamp(session["created"], UTC)


def minutes(value: float) -> timedelta:
    return timedelta(minutes=value)
