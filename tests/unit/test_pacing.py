"""The pacer: one set of token buckets per process, shared by every thread, waits bounded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from session_stopper.config import ConfigurationError, PacingSettings, load_settings
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.gateways.pacing import Pacer, PaceRefusedError, devicefarm_pacer
from tests.unit.test_config import REQUIRED

SESSION_ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


class FrozenTime:
    """A monotonic clock that moves only when told to (so waits can be read exactly)."""

    def __init__(self) -> None:
        self.now = 50.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


EXACT: dict[str, Any] = {"rate_share": 1.0, "reserved_tokens": 0}  # no headroom: exact math


def test_by_default_it_keeps_headroom_below_the_quota() -> None:
    """One token of the burst unused and 95 % of the rate: jitter must not meet the quota."""
    time = FrozenTime()
    pacer = Pacer(PacingSettings(), monotonic=time, sleep=time.sleep)
    waits = [pacer.reserve("StopRemoteAccessSession", max_wait=60) for _ in range(11)]
    assert waits == pytest.approx([0.0] * 9 + [1 / 0.95, 2 / 0.95])
    # After the burst, a long run of stops goes below the quota (1 per second), yet at 0.9x it.
    more = [pacer.reserve("StopRemoteAccessSession", max_wait=600) for _ in range(100)]
    rate = len(more) / (more[-1] - waits[-1])
    assert 0.9 <= rate < 1.0


def test_documented_numbers_burst_then_one_stop_per_second() -> None:
    time = FrozenTime()
    pacer = Pacer(PacingSettings(), monotonic=time, sleep=time.sleep, **EXACT)
    waits = [pacer.reserve("StopRemoteAccessSession", max_wait=60) for _ in range(13)]
    assert waits == [0.0] * 10 + [1.0, 2.0, 3.0]
    reads = [pacer.reserve("GetRemoteAccessSession", max_wait=60) for _ in range(52)]
    assert reads[:50] == [0.0] * 50
    assert reads[50:] == pytest.approx([0.1, 0.2])
    assert pacer.reserve("ListProjects", max_wait=0) == 0.0  # each API its own bucket
    time.now += 100.0  # the promised tokens were made, and the bucket filled to its burst
    assert [pacer.reserve("StopRemoteAccessSession", max_wait=0) for _ in range(10)] == [0.0] * 10


def test_threads_share_one_bucket_and_are_served_in_turn() -> None:
    time = FrozenTime()
    pacer = Pacer(
        PacingSettings(stop_rate=2.0, stop_burst=4), monotonic=time, sleep=time.sleep, **EXACT
    )
    waits: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(24)

    def worker() -> None:
        start.wait()
        waited = pacer.acquire("StopRemoteAccessSession", max_wait=60)
        with lock:
            waits.append(waited)

    threads = [threading.Thread(target=worker) for _ in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 4 at once, then one every half second: 20 more over 10 s, never two on the same token.
    assert sorted(waits) == [0.0] * 4 + [0.5 * n for n in range(1, 21)]
    assert sorted(time.slept) == [0.5 * n for n in range(1, 21)]


def test_a_wait_longer_than_allowed_is_refused_and_takes_nothing() -> None:
    time = FrozenTime()
    pacer = Pacer(PacingSettings(stop_burst=1), monotonic=time, sleep=time.sleep, **EXACT)
    assert pacer.reserve("StopRemoteAccessSession", max_wait=0.5) == 0.0
    with pytest.raises(PaceRefusedError) as refused:
        pacer.reserve("StopRemoteAccessSession", max_wait=0.5)
    assert refused.value.retry_after == pytest.approx(1.0)
    time.now += 0.6
    assert pacer.reserve("StopRemoteAccessSession", max_wait=0.5) == pytest.approx(0.4)


def test_the_process_has_one_pacer_from_the_settings(env: pytest.MonkeyPatch) -> None:
    monkeypatch = env
    monkeypatch.setenv("DEVICE_FARM_STOP_RATE", "2.5")
    monkeypatch.setenv("DEVICE_FARM_STOP_BURST", "3")
    pacers: list[Pacer] = []
    threads = [threading.Thread(target=lambda: pacers.append(devicefarm_pacer())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(pacer) for pacer in pacers}) == 1
    assert load_settings().devicefarm_pacing == PacingSettings(stop_rate=2.5, stop_burst=3)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DEVICE_FARM_STOP_RATE", "0"),
        ("DEVICE_FARM_STOP_RATE", "nan"),
        ("DEVICE_FARM_STOP_RATE", "inf"),
        ("DEVICE_FARM_STOP_RATE", "1e3"),
        ("DEVICE_FARM_READ_RATE", "-1"),
        ("DEVICE_FARM_READ_RATE", "\u0661\u0660"),  # Arabic-Indic digits
        ("DEVICE_FARM_STOP_BURST", "0"),
        ("DEVICE_FARM_STOP_BURST", "2.5"),
        ("DEVICE_FARM_READ_BURST", "100000"),
    ],
)
def test_bad_pacing_settings_are_refused(env: pytest.MonkeyPatch, name: str, value: str) -> None:
    env.setenv(name, value)
    with pytest.raises(ConfigurationError, match=name):
        load_settings()


class _NeverCalled:
    def stop_remote_access_session(self, **_params: Any) -> Any:
        raise AssertionError("a refused call must not reach Device Farm")


def test_an_api_call_that_would_wait_too_long_is_throttled_without_calling() -> None:
    time = FrozenTime()
    pacer = Pacer(PacingSettings(stop_burst=1), monotonic=time, sleep=time.sleep, **EXACT)
    pacer.reserve("StopRemoteAccessSession", max_wait=0)
    gateway = DeviceFarmGateway(_NeverCalled(), interactive=True, pacer=pacer)  # type: ignore[arg-type]
    with pytest.raises(DeviceFarmError) as raised:
        gateway.stop_session(SESSION_ARN)
    assert raised.value.code == "LimitExceededException"  # the API answers 429, Retry-After
    assert time.slept == []
