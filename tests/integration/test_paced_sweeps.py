"""A kill switch over 100 active sessions against Device Farm's rate limits (the emulator's
buckets on): paced, it ends with every session stopped and no throttled answer.

Both sides run 10 times faster than the service (the emulator's refill `timeScale`, the
function's DEVICE_FARM_*_RATE), bursts unchanged, so the test takes seconds, not minutes."""

from __future__ import annotations

from typing import Any

import pytest

from local.devicefarm_emulator import RateLimitSettings
from session_stopper.handler import lambda_handler
from tests.integration.alarm_events import KILL_SWITCH_ALARM_NAME, fresh_alarm
from tests.support.aws import create_alarm
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

SCALE = 10
SESSIONS = 100


@pytest.fixture
def limited_world(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> DeviceFarmWorld:
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    create_alarm("eu-west-1", KILL_SWITCH_ALARM_NAME)
    world.populate([SessionSpec(f"p{n % 4}", 20 + n % 50) for n in range(SESSIONS)])
    world.emulator.rate_limiter.settings = RateLimitSettings(time_scale=SCALE)
    world.emulator.rate_limiter.refill()
    return world


def _pace(monkeypatch: pytest.MonkeyPatch, stop: float, read: float) -> None:
    monkeypatch.setenv("DEVICE_FARM_STOP_RATE", str(stop))
    monkeypatch.setenv("DEVICE_FARM_STOP_BURST", "10")
    monkeypatch.setenv("DEVICE_FARM_READ_RATE", str(read))
    monkeypatch.setenv("DEVICE_FARM_READ_BURST", "50")
    reset_function_caches()


def _kill_switch() -> dict[str, Any]:
    result: dict[str, Any] = lambda_handler(
        fresh_alarm("alarm_state_change_composite.json"), FakeLambdaContext()
    )
    assert result["action"] == "killSwitch"
    return dict(result["summary"])


def test_a_paced_kill_switch_stops_all_100_without_one_throttled_answer(
    limited_world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pace(monkeypatch, stop=1.0 * SCALE, read=10.0 * SCALE)
    summary = _kill_switch()
    assert summary["outcomes"] == {"STOPPED": SESSIONS}
    assert dict(limited_world.emulator.throttled_counts) == {}
    # The burst of 10, then one Stop per (scaled) second: the quota is what sets the pace.
    assert summary["durationSeconds"] >= 0.95 * (SESSIONS - 10) / SCALE


def test_unpaced_the_same_kill_switch_is_throttled(
    limited_world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the emulator's buckets bite when the function does not pace."""
    _pace(monkeypatch, stop=1000.0, read=1000.0)
    monkeypatch.setenv("DEVICE_FARM_STOP_BURST", "1000")
    monkeypatch.setenv("DEVICE_FARM_READ_BURST", "1000")
    reset_function_caches()
    summary = _kill_switch()
    assert limited_world.emulator.throttled_counts["StopRemoteAccessSession"] > 0
    assert summary["outcomes"].get("FAILED", 0) > 0
