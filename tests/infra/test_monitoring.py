"""Ops alarms into the ops topic, and the dashboard."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.synth
PREFIX = "session-stopper-dev"
BOTH_STACKS = pytest.mark.parametrize("which", ["default_stack", "narrow_stack"])
OPS_ALARMS = (
    "function-errors",
    "function-throttles",
    "outcome-failed",
    "outcome-dlq-not-empty",
    "async-failures-not-empty",
    "event-dlq-not-empty",
    "command-dlq-not-empty",
    "command-rule-failed-invocations",
    "sweep-schedule-rule-failed-invocations",
)
TIMER_ALARMS = ("device-farm-calls-rule-failed-invocations", "timers-dropped")


def alarms(stack: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        alarm["Properties"]["AlarmName"]: alarm["Properties"]
        for alarm in stack.resources("AWS::CloudWatch::Alarm").values()
    }


@pytest.mark.parametrize(
    ("which", "prefix", "expected"),
    [
        # No alarm rule by default, so nothing to watch for failed alarm-rule invocations; the
        # timers' rule and the timers themselves instead (the narrow stack has no timers).
        ("default_stack", "session-stopper-dev", (*OPS_ALARMS, *TIMER_ALARMS)),
        ("narrow_stack", "session-stopper-prod", (*OPS_ALARMS, "alarm-rule-failed-invocations")),
    ],
)
def test_the_expected_alarms_exist(
    which: str, prefix: str, expected: tuple[str, ...], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    assert sorted(alarms(stack)) == sorted(f"{prefix}-{suffix}" for suffix in expected)


@BOTH_STACKS
def test_every_alarm_notifies_the_ops_topic_on_first_occurrence(
    which: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    ops_topic = {"Ref": stack.logical_id("AWS::SNS::Topic", "ops-alarms")}
    for name, alarm in alarms(stack).items():
        assert alarm["AlarmActions"] == [ops_topic], name
        assert alarm["OKActions"] == [ops_topic], name
        assert alarm["Threshold"] == 0, name
        assert alarm["ComparisonOperator"] == "GreaterThanThreshold", name
        assert alarm["TreatMissingData"] == "notBreaching", name


def test_outcome_failed_alarm_reads_the_function_metric(default_stack: Synthesized) -> None:
    alarm = alarms(default_stack)[f"{PREFIX}-outcome-failed"]
    assert alarm["Namespace"] == "DeviceFarmSessionStopper"
    assert alarm["MetricName"] == "OutcomeFailed"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "session-stopper"}]
    assert alarm["Statistic"] == "Sum"


def test_queue_and_rule_alarms_watch_the_right_metrics(default_stack: Synthesized) -> None:
    depth = alarms(default_stack)[f"{PREFIX}-event-dlq-not-empty"]
    assert depth["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert depth["Statistic"] == "Maximum"
    failed = alarms(default_stack)[f"{PREFIX}-command-rule-failed-invocations"]
    assert (failed["Namespace"], failed["MetricName"]) == ("AWS/Events", "FailedInvocations")
    rule_id = default_stack.logical_id("AWS::Events::Rule", f"{PREFIX}-commands")
    assert failed["Dimensions"] == [{"Name": "RuleName", "Value": {"Ref": rule_id}}]


@BOTH_STACKS
def test_every_rule_has_a_failed_invocations_alarm(
    which: str, request: pytest.FixtureRequest
) -> None:
    """One FailedInvocations alarm per EventBridge rule, the alarm rule included when there is
    one, and none for a rule the stack does not have."""
    stack: Synthesized = request.getfixturevalue(which)
    watched = sorted(
        alarm["Dimensions"][0]["Value"]["Ref"]
        for alarm in alarms(stack).values()
        if alarm.get("MetricName") == "FailedInvocations"
    )
    assert watched == sorted(stack.resources("AWS::Events::Rule"))


def test_dashboard_shows_outcomes_minutes_duration_and_errors(default_stack: Synthesized) -> None:
    dashboard = default_stack.only("AWS::CloudWatch::Dashboard")["Properties"]
    assert dashboard["DashboardName"] == f"{PREFIX}-overview"
    body = json.dumps(dashboard["DashboardBody"])
    for text in (
        "Outcomes by type",
        "OutcomeStopped",
        "OutcomeSkipped",
        "DeviceMinutesStopped",
        "Duration",
        "Errors and throttles",
    ):
        assert text in body


def test_dropped_timers_alarm_watches_the_timer_group(default_stack: Synthesized) -> None:
    """Scheduler drops a timer after its retries: an expiry that stopped nothing."""
    alarm = alarms(default_stack)[f"{PREFIX}-timers-dropped"]
    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/Scheduler", "InvocationDroppedCount")
    assert alarm["Dimensions"] == [{"Name": "ScheduleGroup", "Value": "session-stopper-dev-timers"}]
    assert alarm["Statistic"] == "Sum"
