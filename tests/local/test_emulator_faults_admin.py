"""Fault injection, call accounting, the admin API and the HTTP edges of the protocol."""

from __future__ import annotations

import time
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.retries.standard import ExponentialBackoff

from local.devicefarm_emulator import (
    DeviceFarmEmulator,
    Faults,
    InternalFailureError,
    LimitExceededError,
)
from local.devicefarm_emulator.testing import make_devicefarm_client
from tests.local.emulator_wire import admin_call, raw_call


def _fates(faults: Faults, calls: int) -> list[str]:
    emu = DeviceFarmEmulator(faults=faults)
    fates = []
    for _ in range(calls):
        try:
            emu.handle("ListProjects", {})
            fates.append("ok")
        except (LimitExceededError, InternalFailureError) as error:
            fates.append(error.code)
    return fates


def test_seeded_faults_are_reproducible_and_near_their_rates() -> None:
    first = _fates(Faults(throttle_rate=0.3, internal_failure_rate=0.1, seed=7), 400)
    again = _fates(Faults(throttle_rate=0.3, internal_failure_rate=0.1, seed=7), 400)
    other = _fates(Faults(throttle_rate=0.3, internal_failure_rate=0.1, seed=8), 400)
    assert first == again
    assert first != other
    assert 0.22 < first.count("LimitExceededException") / 400 < 0.38
    assert 0.05 < first.count("InternalFailure") / 400 < 0.15


def test_fault_settings_are_validated() -> None:
    with pytest.raises(ValueError, match="throttle_rate"):
        Faults(throttle_rate=1.5)
    with pytest.raises(ValueError, match="latency_ms"):
        Faults(latency_ms=-1)


def test_standard_retries_recover_from_half_the_calls_throttled(
    devicefarm_server: Any, devicefarm_emulator: DeviceFarmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Real backoff waits up to seconds per throttle; the retry decisions are what is tested.
    monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda *_: 0.0)
    project = devicefarm_emulator.create_project("retries")["arn"]
    devicefarm_emulator.faults.throttle_rate = 0.5
    devicefarm_emulator.faults.reseed(3)
    client = make_devicefarm_client(devicefarm_server.url, max_attempts=10)

    answers = [client.get_project(arn=project)["project"]["arn"] for _ in range(30)]

    assert answers == [project] * 30
    throttled = devicefarm_emulator.fault_counts["LimitExceededException"]
    assert throttled > 5
    assert devicefarm_emulator.call_counts["GetProject"] == 30 + throttled


def test_internal_failures_are_500s_on_the_wire(devicefarm_server: Any) -> None:
    devicefarm_server.emulator.faults.internal_failure_rate = 1.0
    status, body = raw_call(devicefarm_server.url, "ListProjects", {})
    assert status == 500
    assert body["__type"] == "InternalFailure"


def test_latency_is_added_to_every_call(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.faults.latency_ms = 60
    began = time.perf_counter()
    devicefarm_client.list_projects()
    assert time.perf_counter() - began >= 0.06


def test_calls_are_counted_per_operation_and_setup_is_not(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    session = devicefarm_emulator.create_session(devicefarm_emulator.create_project("c")["arn"])
    for _ in range(3):
        devicefarm_client.stop_remote_access_session(arn=session["arn"])
    devicefarm_client.get_remote_access_session(arn=session["arn"])
    assert devicefarm_emulator.call_counts == {
        "StopRemoteAccessSession": 3,
        "GetRemoteAccessSession": 1,
    }


def test_admin_api_controls_a_running_server(
    devicefarm_server: Any, devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    url = devicefarm_server.url
    session = devicefarm_emulator.create_session(devicefarm_emulator.create_project("a")["arn"])
    assert admin_call(url, "GET", "/_emulator/health")[1]["status"] == "ok"

    status, now = admin_call(url, "POST", "/_emulator/clock/advance", {"minutes": 2, "seconds": 1})
    assert status == 200
    assert now["now"] == pytest.approx(session["created"] + 121)
    assert admin_call(url, "GET", "/_emulator/clock")[1] == now
    assert (
        devicefarm_client.get_remote_access_session(arn=session["arn"])["remoteAccessSession"][
            "status"
        ]
        == "RUNNING"
    )

    assert admin_call(url, "POST", "/_emulator/faults", {"throttleRate": 1, "seed": 4})[0] == 200
    assert admin_call(url, "GET", "/_emulator/faults")[1] == {
        "throttleRate": 1.0, "latencyMs": 0.0, "internalFailureRate": 0.0, "seed": 4
    }  # fmt: skip
    with pytest.raises(devicefarm_client.exceptions.LimitExceededException):
        devicefarm_client.list_projects()
    calls = admin_call(url, "GET", "/_emulator/calls")[1]
    assert calls == {
        "calls": {"GetRemoteAccessSession": 1, "ListProjects": 1},
        "faults": {"LimitExceededException": 1},
        "throttled": {},  # by the rate limits, which unit-level emulators leave off
        "total": 2,
    }

    assert admin_call(url, "POST", "/_emulator/reset")[0] == 200
    assert devicefarm_emulator.list_projects() == []
    assert devicefarm_emulator.faults.throttle_rate == 0.0
    assert admin_call(url, "GET", "/_emulator/calls")[1]["total"] == 0


def test_admin_api_refuses_bad_input(devicefarm_server: Any) -> None:
    url = devicefarm_server.url
    assert admin_call(url, "POST", "/_emulator/faults", {"throttleRate": 2})[0] == 400
    assert admin_call(url, "POST", "/_emulator/faults", {"latencyMs": "slow"})[0] == 400
    assert devicefarm_server.emulator.faults.throttle_rate == 0.0
    assert admin_call(url, "POST", "/_emulator/clock/advance", {"seconds": -5})[0] == 400
    assert admin_call(url, "GET", "/_emulator/nothing")[0] == 404
    devicefarm_server.emulator.call_counts["X"] += 1
    assert admin_call(url, "DELETE", "/_emulator/calls")[1]["total"] == 0


@pytest.mark.parametrize(
    ("target", "body", "code"),
    [
        ("DeviceFarm_20150623.ScheduleRun", {}, "UnknownOperationException"),
        ("DeviceFarm_20150623.Nope", {}, "UnknownOperationException"),
        ("Other_20200101.ListProjects", {}, "UnknownOperationException"),
        ("DeviceFarm_20150623.ListProjects", b"{not json", "SerializationException"),
        ("DeviceFarm_20150623.ListProjects", b"[1, 2]", "SerializationException"),
    ],
)
def test_protocol_edges_answer_json_errors(
    devicefarm_server: Any, target: str, body: Any, code: str
) -> None:
    status, answer = raw_call(devicefarm_server.url, "", body, target=target)
    assert (status, answer["__type"]) == (400, code)


def test_an_empty_body_is_an_empty_request(devicefarm_server: Any) -> None:
    assert raw_call(devicefarm_server.url, "ListProjects", b"") == (200, {"projects": []})


def test_a_bug_in_the_emulator_is_an_internal_failure_not_a_hang(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(devicefarm_emulator, "list_projects", lambda: 1 / 0)
    with pytest.raises(ClientError, match="InternalFailure"):
        devicefarm_client.list_projects()
