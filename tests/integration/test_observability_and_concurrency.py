"""What operators see (logs, metrics) and how concurrent work behaves, on the emulator."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from session_stopper.domain.service import StopService
from session_stopper.handler import lambda_handler
from session_stopper.observability import logger
from tests.integration.alarm_events import KILL_SWITCH_ALARM_NAME, fresh_alarm
from tests.integration.test_sweeps import split
from tests.support.aws import OutcomeSink, create_alarm
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


def json_lines(stdout: str) -> Iterator[dict[str, Any]]:
    for line in stdout.splitlines():
        if line.startswith("{"):
            yield json.loads(line)


@pytest.fixture
def running(world: DeviceFarmWorld) -> list[str]:
    specs = [SessionSpec("alpha", 90, "a1"), SessionSpec("beta", 90, "b1")]
    return [s["arn"] for s in world.populate(specs)]


def test_log_lines_carry_the_correlation_id_and_the_session_arn(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    stop_command_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    event = stop_command_event(detail={"arn": running[0]})
    stream = io.StringIO()  # Powertools' handler holds the stdout it saw at import
    monkeypatch.setattr(logger.registered_handler, "stream", stream)

    lambda_handler(event, FakeLambdaContext())

    lines = list(json_lines(stream.getvalue()))
    [published] = [line for line in lines if line.get("message") == "outcome published"]
    assert published["correlation_id"] == event["id"]
    assert published["session_arn"] == running[0]
    assert published["level"] == "INFO"
    assert published["service"] == "session-stopper"
    assert all(line["correlation_id"] == event["id"] for line in lines)


def test_metrics_use_the_configured_namespace_and_the_service_dimension(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    capsys: pytest.CaptureFixture[str],
) -> None:
    capsys.readouterr()
    lambda_handler({"arn": running[0]}, FakeLambdaContext())

    blobs = [line for line in json_lines(capsys.readouterr().out) if "_aws" in line]
    [outcome_blob] = [blob for blob in blobs if "OutcomeStopped" in blob]
    [directive] = outcome_blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "DeviceFarmSessionStopper"
    assert directive["Dimensions"] == [["service"]]
    assert outcome_blob["service"] == "session-stopper"


def test_a_sweep_keeps_at_most_sweep_workers_stops_in_flight(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world.populate([SessionSpec("alpha", 90, f"s{n}") for n in range(12)])
    monkeypatch.setenv("SWEEP_WORKERS", "3")
    real_stop = StopService.stop
    in_flight, peak, lock = 0, 0, threading.Lock()

    def counted(self: StopService, arn: str, origin: Any, **options: Any) -> Any:
        nonlocal in_flight, peak
        with lock:
            in_flight += 1
            peak = max(peak, in_flight)
        time.sleep(0.05)  # long enough for the pool to fill if it were unbounded
        try:
            return real_stop(self, arn, origin, **options)
        finally:
            with lock:
                in_flight -= 1

    monkeypatch.setattr(StopService, "stop", counted)
    summary = lambda_handler({"action": "sweep"}, FakeLambdaContext())

    assert summary["outcomes"] == {"STOPPED": 12}
    assert peak == 3


def test_the_kill_switch_stays_inside_the_configured_projects(
    world: DeviceFarmWorld,
    running: list[str],
    outcome_sink: OutcomeSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SWEEP_PROJECT_ARNS", world.project("alpha"))
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    create_alarm(outcome_sink.region, KILL_SWITCH_ALARM_NAME)

    result = lambda_handler(fresh_alarm("alarm_action_composite.json"), FakeLambdaContext())

    assert result["summary"]["outcomes"] == {"STOPPED": 1}
    assert [world.status(arn) for arn in running] == ["STOPPING", "RUNNING"]
    assert world.emulator.call_counts["ListProjects"] == 0


def test_two_requests_racing_for_one_session_make_one_stop_and_a_409(
    world: DeviceFarmWorld, running: list[str], outcome_sink: OutcomeSink, api_event: Any
) -> None:
    world.emulator.faults.latency_ms = 300  # Get + Stop take ~0.6 s: the second call lands inside

    def call(delay: float) -> int:
        time.sleep(delay)
        event = api_event({"arn": running[0]})
        event["requestContext"]["requestId"] = f"request-{delay}"
        return int(lambda_handler(event, FakeLambdaContext())["statusCode"])

    with ThreadPoolExecutor(max_workers=2) as pool:
        statuses = sorted(pool.map(call, [0.0, 0.15]))

    assert statuses == [200, 409]
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 1
    assert [p.body["outcome"] for p in split(outcome_sink.published())[0]] == ["STOPPED"]
