"""Trigger events in the shapes AWS delivers them (see tests/fixtures/), for the demo and help."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

ACCOUNT_ID = "123456789012"
REGION = "eu-west-1"
SWEEP_RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT_ID}:rule/session-stopper-sweep"
# The alarms the local stack creates (in ALARM) and names in the function's settings.
KILL_SWITCH_ALARM_NAME = "devicefarm-kill-switch"
IDLE_ALARM_NAME = "devicefarm-stop-idle-session"
KILL_SWITCH_ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{KILL_SWITCH_ALARM_NAME}"
IDLE_ALARM_ARN = f"arn:aws:cloudwatch:{REGION}:{ACCOUNT_ID}:alarm:{IDLE_ALARM_NAME}"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _eventbridge(
    detail_type: str, source: str, detail: dict[str, Any], resources: list[str]
) -> dict[str, Any]:
    """The envelope EventBridge wraps every event in."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": detail_type,
        "source": source,
        "account": ACCOUNT_ID,
        "time": _now(),
        "region": REGION,
        "resources": resources,
        "detail": detail,
    }


def scheduled_event() -> dict[str, Any]:
    """An EventBridge scheduled rule without input: a sweep with the function's defaults."""
    return _eventbridge("Scheduled Event", "aws.events", {}, [SWEEP_RULE_ARN])


def composite_alarm_state_change() -> dict[str, Any]:
    """A composite alarm entering ALARM, via EventBridge: no session named, so a kill switch."""
    detail = {
        "alarmName": KILL_SWITCH_ALARM_NAME,
        "state": {"value": "ALARM", "reason": "daily-minutes transitioned to ALARM"},
        "previousState": {"value": "OK"},
        "configuration": {"alarmRule": 'ALARM("daily-minutes") OR ALARM("concurrency-blocked")'},
    }
    return _eventbridge(
        "CloudWatch Alarm State Change", "aws.cloudwatch", detail, [KILL_SWITCH_ALARM_ARN]
    )


def unknown_session_arn(project_arn: str) -> str:
    """Well formed, in a real project, but no such session."""
    project_id = project_arn.rsplit(":", 1)[1]
    return f"arn:aws:devicefarm:us-west-2:{ACCOUNT_ID}:session:{project_id}/{uuid.uuid4()}/00000"


def stop_command_event(arn: str) -> dict[str, Any]:
    return _eventbridge(
        "Stop Remote Access Session", "devicefarm.session-stopper", {"arn": arn}, []
    )


def alarm_action_event(arn: str, alarm_arn: str = IDLE_ALARM_ARN) -> dict[str, Any]:
    """A CloudWatch Lambda alarm action whose metric names one session."""
    metric = {
        "namespace": "QA/DeviceFarm",
        "name": "IdleMinutes",
        "dimensions": {"SessionArn": arn},
    }
    return {
        "source": "aws.cloudwatch",
        "alarmArn": alarm_arn,
        "accountId": ACCOUNT_ID,
        "time": _now(),
        "region": REGION,
        "alarmData": {
            "alarmName": alarm_arn.rsplit(":", 1)[1],
            "state": {"value": "ALARM", "reason": "Threshold Crossed", "timestamp": _now()},
            "previousState": {"value": "OK"},
            "configuration": {
                "metrics": [{"id": "m1", "metricStat": {"metric": metric, "period": 60}}]
            },
        },
    }
