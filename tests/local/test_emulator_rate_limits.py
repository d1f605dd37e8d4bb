"""Device Farm's API rate limits in the emulator: token buckets per operation, over HTTP."""

from __future__ import annotations

import time
from typing import Any

import pytest

from local.devicefarm_emulator import DeviceFarmEmulator, RateLimitSettings
from local.devicefarm_emulator.rate_limits import RateLimiter
from local.world import new_emulator
from tests.local.emulator_wire import admin_call, raw_call


class _Monotonic:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _admitted(limiter: RateLimiter, operation: str, calls: int) -> int:
    return sum(limiter.admit(operation) for _ in range(calls))


def test_documented_limits_burst_then_refill_per_operation() -> None:
    clock = _Monotonic()
    limiter = RateLimiter(RateLimitSettings(), monotonic=clock)
    assert _admitted(limiter, "StopRemoteAccessSession", 15) == 10  # burst 10
    assert _admitted(limiter, "GetRemoteAccessSession", 60) == 50  # burst 50
    assert _admitted(limiter, "ListProjects", 60) == 50  # its own bucket, same limits
    clock.now += 3.0
    assert _admitted(limiter, "StopRemoteAccessSession", 10) == 3  # 1 per second
    assert _admitted(limiter, "GetRemoteAccessSession", 60) == 30  # 10 per second
    clock.now += 1000.0
    assert _admitted(limiter, "StopRemoteAccessSession", 20) == 10  # never more than the burst


def test_off_by_default_for_unit_level_emulators_on_in_the_local_stack() -> None:
    assert DeviceFarmEmulator().rate_limiter.settings.enabled is False
    emulator, _clock = new_emulator()
    assert emulator.rate_limiter.settings.enabled is True
    assert new_emulator(rate_limits=False)[0].rate_limiter.settings.enabled is False


def test_buckets_ignore_the_emulator_clock(devicefarm_server: Any, devicefarm_client: Any) -> None:
    """The session clock jumps in tests and demos; tokens come from real time only."""
    emulator: DeviceFarmEmulator = devicefarm_server.emulator
    emulator.rate_limiter.settings.update_from_json({"enabled": True, "otherRate": 0.001})
    project = emulator.create_project("p")["arn"]
    arns = [emulator.create_session(project)["arn"] for _ in range(11)]
    for arn in arns[:10]:
        devicefarm_client.stop_remote_access_session(arn=arn)
    emulator.clock.advance(minutes=60)
    with pytest.raises(devicefarm_client.exceptions.LimitExceededException):
        devicefarm_client.stop_remote_access_session(arn=arns[10])


def test_throttled_over_http_as_the_service_answers_then_refilled(
    devicefarm_server: Any, devicefarm_client: Any
) -> None:
    url = devicefarm_server.url
    emulator: DeviceFarmEmulator = devicefarm_server.emulator
    status, limits = admin_call(url, "POST", "/_emulator/rate-limits", {"enabled": True})
    assert status == 200
    assert limits == {
        "enabled": True, "readBurst": 50, "readRate": 10.0, "otherBurst": 10, "otherRate": 1.0,
        "timeScale": 1.0,
    }  # fmt: skip
    project = emulator.create_project("p")["arn"]
    arns = [emulator.create_session(project)["arn"] for _ in range(12)]

    for arn in arns[:10]:  # the burst
        devicefarm_client.stop_remote_access_session(arn=arn)
    with pytest.raises(devicefarm_client.exceptions.LimitExceededException) as caught:
        devicefarm_client.stop_remote_access_session(arn=arns[10])
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    status, body = raw_call(url, "StopRemoteAccessSession", {"arn": arns[10]})
    assert status == 400
    assert body["__type"].endswith("LimitExceededException")
    devicefarm_client.get_remote_access_session(arn=arns[0])  # reads: their own bucket

    time.sleep(1.1)  # one second refills one Stop token
    devicefarm_client.stop_remote_access_session(arn=arns[10])
    with pytest.raises(devicefarm_client.exceptions.LimitExceededException):
        devicefarm_client.stop_remote_access_session(arn=arns[11])

    calls = admin_call(url, "GET", "/_emulator/calls")[1]
    assert calls["throttled"] == {"StopRemoteAccessSession": 3}


def test_time_scale_refills_faster(devicefarm_server: Any, devicefarm_client: Any) -> None:
    url = devicefarm_server.url
    emulator: DeviceFarmEmulator = devicefarm_server.emulator
    admin_call(url, "POST", "/_emulator/rate-limits", {"enabled": True, "timeScale": 20})
    project = emulator.create_project("p")["arn"]
    arns = [emulator.create_session(project)["arn"] for _ in range(11)]
    for arn in arns[:10]:
        devicefarm_client.stop_remote_access_session(arn=arn)
    time.sleep(0.1)  # 2 tokens at 20/s
    devicefarm_client.stop_remote_access_session(arn=arns[10])


def test_admin_refuses_bad_rate_limits_and_reset_restores(devicefarm_server: Any) -> None:
    url = devicefarm_server.url
    emulator: DeviceFarmEmulator = devicefarm_server.emulator
    for body in ({"otherRate": 0}, {"readBurst": 1.5}, {"enabled": "yes"}, {"burst": 3}):
        assert admin_call(url, "POST", "/_emulator/rate-limits", body)[0] == 400
    assert admin_call(url, "GET", "/_emulator/rate-limits")[1]["enabled"] is False
    admin_call(url, "POST", "/_emulator/rate-limits", {"enabled": True, "otherBurst": 3})
    assert emulator.rate_limiter.settings.other_burst == 3
    admin_call(url, "POST", "/_emulator/reset")
    assert emulator.rate_limiter.settings.enabled is False
    assert emulator.rate_limiter.settings.other_burst == 10
