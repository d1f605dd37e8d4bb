"""Failure paths: nothing is lost, one failure never ends a sweep, metrics tell the truth."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyInconsistentStateError,
)

from session_stopper.domain.service import OutcomeNotPublishedError, StopService
from session_stopper.gateways.organization import OrganizationAccounts, OrganizationUnreadError
from session_stopper.handler import lambda_handler
from tests.integration.test_sweeps import split
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


def emf_metrics(stdout: str) -> dict[str, list[float]]:
    """Every EMF metric the invocation printed, by name."""
    found: dict[str, list[float]] = {}
    for line in stdout.splitlines():
        if '"_aws"' not in line:
            continue
        blob = json.loads(line)
        for directive in blob["_aws"]["CloudWatchMetrics"]:
            for metric in directive["Metrics"]:
                found.setdefault(metric["Name"], []).extend(blob[metric["Name"]])
    return found


def drop_topic(sink: OutcomeSink) -> None:
    boto3.client("sns", region_name=sink.region).delete_topic(TopicArn=sink.topic_arn)


def restore_topic(sink: OutcomeSink) -> None:
    sns = boto3.client("sns", region_name=sink.region)
    assert sns.create_topic(Name=sink.topic_arn.rsplit(":", 1)[1])["TopicArn"] == sink.topic_arn
    sqs = boto3.client("sqs", region_name=sink.region)
    tap = sqs.get_queue_attributes(QueueUrl=sink.tap_queue_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=sink.topic_arn, Protocol="sqs", Endpoint=tap["Attributes"]["QueueArn"])


@pytest.fixture
def running(world: DeviceFarmWorld) -> list[str]:
    return [s["arn"] for s in world.populate([SessionSpec("alpha", 90, f"s{n}") for n in range(3)])]


def test_a_retried_event_republishes_the_outcome_sns_refused(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    stop_command_event: Any,
) -> None:
    event = stop_command_event(detail={"arn": running[0]})
    drop_topic(outcome_sink)
    with pytest.raises(OutcomeNotPublishedError):
        lambda_handler(event, FakeLambdaContext())
    restore_topic(outcome_sink)

    retried = lambda_handler(event, FakeLambdaContext())  # Lambda's retry: the same event

    assert retried["outcome"] == "STOPPED"
    assert [p.body["outcome"] for p in outcome_sink.published()] == ["STOPPED"]
    assert [p.body["outcome"] for p in outcome_sink.parked()] == ["STOPPED"]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1


def test_another_request_inside_the_window_gets_the_first_outcome_unpublished(
    world: DeviceFarmWorld, running: list[str], outcome_sink: OutcomeSink
) -> None:
    first = lambda_handler({"arn": running[0]}, FakeLambdaContext())
    second = lambda_handler({"arn": running[0]}, FakeLambdaContext())

    assert (second["replay"], second["replayedFor"]["kind"]) == (True, "direct")
    assert {**second, "replay": False, "replayedFor": None} == first
    assert len(outcome_sink.published()) == 1
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1


def test_the_api_answers_503_with_the_outcome_even_when_the_dlq_is_gone_too(
    world: DeviceFarmWorld, running: list[str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    drop_topic(outcome_sink)
    boto3.client("sqs", region_name=outcome_sink.region).delete_queue(QueueUrl=outcome_sink.dlq_url)

    response = lambda_handler(api_event({"arn": running[0]}), FakeLambdaContext())

    assert response["statusCode"] == 503
    assert json.loads(response["body"])["outcome"] == "STOPPED"


@pytest.mark.parametrize("path", ["/sessions/stop", "/sweeps"])
def test_no_idempotency_store_means_no_stop_and_a_clear_503(
    path: str, world: DeviceFarmWorld, running: list[str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    """A stop cannot be made single, nor a sweep the only one: the API says so and stops nothing."""
    boto3.client("dynamodb", region_name=outcome_sink.region).delete_table(
        TableName="session-stopper-idempotency"
    )
    body = {"arn": running[0]} if path == "/sessions/stop" else {}

    response = lambda_handler(api_event(body, path=path, resource=path), FakeLambdaContext())

    assert response["statusCode"] == 503
    assert json.loads(response["body"])["error"]["code"] == "IDEMPOTENCY_STORE_UNAVAILABLE"
    assert world.emulator.call_counts.total() == 0


def test_an_idempotency_record_in_an_inconsistent_state_is_a_503_to_retry(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    api_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Powertools raises this when a record changes between its write and its read."""

    def inconsistent(*_args: Any, **_kwargs: Any) -> Any:
        raise IdempotencyInconsistentStateError("record changed while being read")

    monkeypatch.setattr(StopService, "stop", inconsistent)

    response = lambda_handler(api_event({"arn": running[0]}), FakeLambdaContext())

    assert response["statusCode"] == 503
    assert json.loads(response["body"])["error"]["code"] == "IDEMPOTENCY_STORE_UNAVAILABLE"


def test_failing_sessions_never_end_a_sweep(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.populate([SessionSpec(f"p{n % 3}", 90, f"s{n}") for n in range(40)])
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "1")
    world.emulator.faults.internal_failure_rate = 0.2
    world.emulator.faults.reseed(7)

    summary = lambda_handler(
        {"action": "sweep", "projectArns": list(world.projects.values())}, FakeLambdaContext()
    )

    outcomes, _ = split(outcome_sink.published())
    counted = summary["outcomes"]
    assert counted.get("FAILED", 0) > 0
    assert counted.get("STOPPED", 0) > 0
    assert sum(counted.values()) == len(outcomes)
    listed = summary["inventory"]["sessionsSelected"] + len(summary["inventory"]["projectsFailed"])
    assert len(outcomes) == listed, "one outcome per selected session and per unlisted project"
    failures = {p.body["error"]["code"] for p in outcomes if p.body["outcome"] == "FAILED"}
    assert failures == {"InternalFailure"}


def test_an_unexpected_error_on_one_session_is_reported_and_the_sweep_goes_on(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_stop = StopService.stop

    def flaky(self: StopService, arn: str, origin: Any, **options: Any) -> Any:
        if arn == running[1]:
            raise RuntimeError("disk on fire")
        return real_stop(self, arn, origin, **options)

    monkeypatch.setattr(StopService, "stop", flaky)
    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    assert summary["outcomes"] == {"STOPPED": 2, "FAILED": 1}
    outcomes, _ = split(outcome_sink.published())
    [failed] = [p.body for p in outcomes if p.body["outcome"] == "FAILED"]
    assert failed["sessionArn"] == running[1]
    assert failed["error"] == {"code": "UNEXPECTED_ERROR", "message": "disk on fire"}


def test_repeated_projects_are_swept_once(
    world: DeviceFarmWorld, running: list[str], outcome_sink: OutcomeSink
) -> None:
    alpha = world.project("alpha")

    summary = lambda_handler(
        {"action": "sweep", "projectArns": [alpha, alpha]}, FakeLambdaContext()
    )

    assert summary["outcomes"] == {"STOPPED": 3}
    assert summary["inventory"]["sessionsSeen"] == 3
    outcomes, _ = split(outcome_sink.published())
    assert sorted(p.body["sessionArn"] for p in outcomes) == sorted(running)


def test_metrics_mirror_the_outcomes(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    lambda_handler({"action": "sweep"}, FakeLambdaContext())
    lambda_handler({"arn": running[0].replace(running[0][-12:-6], "ffffff")}, FakeLambdaContext())

    metrics = emf_metrics(capsys.readouterr().out)

    assert sum(metrics["OutcomeStopped"]) == 3
    assert sum(metrics["OutcomeNotFound"]) == 1
    assert sum(metrics["DeviceMinutesStopped"]) == pytest.approx(3 * 90, abs=1)
    assert metrics["SweepSessionsLeftUndone"] == [0.0]


def test_device_minutes_are_counted_for_stopped_sessions_only(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An ended session (ALREADY_ENDED) and a dry run's SKIPPED carry device minutes too; only
    the minutes of sessions this function stopped belong in DeviceMinutesStopped."""
    world.emulator.stop_session(running[0])  # someone else ended it
    capsys.readouterr()

    ended = lambda_handler({"arn": running[0]}, FakeLambdaContext())
    lambda_handler({"action": "sweep", "dryRun": True}, FakeLambdaContext())

    metrics = emf_metrics(capsys.readouterr().out)
    assert ended["outcome"] == "ALREADY_ENDED"
    assert ended["session"]["deviceMinutes"]["total"] > 0
    assert (sum(metrics["OutcomeAlreadyEnded"]), sum(metrics["OutcomeSkipped"])) == (1, 2)
    assert "DeviceMinutesStopped" not in metrics


class _UnreadOrganization(OrganizationAccounts):
    def accounts(self, admit: object = None) -> frozenset[str]:
        raise OrganizationUnreadError("AWSOrganizationsNotInUseException: not in use")


def test_an_organization_that_cannot_be_read_counts_as_an_account_not_reached(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its accounts are nobody knows which: the sweep says so and the alarm's metric counts it,
    while the hub's own sessions are swept as ever."""
    monkeypatch.setenv("ORGANIZATION_UNIT_IDS", "ou-ab12-cdef3456")
    monkeypatch.setenv("SPOKE_ROLE_NAME", "spoke")
    monkeypatch.setenv("SPOKE_EXTERNAL_ID", "external")
    monkeypatch.setattr(
        "session_stopper.domain.accounts.organization_accounts", _UnreadOrganization
    )
    reset_function_caches()
    capsys.readouterr()

    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    metrics = emf_metrics(capsys.readouterr().out)
    assert metrics["AccountsNotReached"] == [1.0]
    assert [f["code"] for f in summary["listingFailures"]] == ["ORGANIZATION_NOT_READ"]
    assert summary["outcomes"].get("STOPPED") == 3
