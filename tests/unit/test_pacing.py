"""The pacer: one set of token buckets per process, shared by every thread, waits bounded."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from session_stopper.config import ConfigurationError, PacingSettings, load_settings
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.gateways.pacing import Pacer, PaceRefusedError, devicefarm_pacer
from tests.support import botocore_samples as samples
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
    # Sustained, the calls come at 0.95 per second: below the quota, and at least 0.9x of it.
    later = [pacer.reserve("StopRemoteAccessSession", max_wait=600) for _ in range(100)]
    rate = 100 / (later[-1] - waits[-1])
    assert 0.9 <= rate < 1.0


@pytest.mark.parametrize(("rate_share", "reserved_tokens"), [(1.0, 0), (0.95, 1)])
def test_idling_never_fills_a_bucket_beyond_its_burst(
    rate_share: float, reserved_tokens: int
) -> None:
    """After an hour without calls, a burst gets its burst size at once (less the reserved
    token), and the next call waits for the refill as after any burst."""
    time = FrozenTime()
    pacer = Pacer(
        PacingSettings(),
        monotonic=time,
        sleep=time.sleep,
        rate_share=rate_share,
        reserved_tokens=reserved_tokens,
    )
    pacer.reserve("StopRemoteAccessSession", max_wait=0)
    time.now += 3600.0
    burst = PacingSettings().stop_burst - reserved_tokens

    at_once = [pacer.reserve("StopRemoteAccessSession", max_wait=0) for _ in range(burst)]

    assert at_once == [0.0] * burst
    with pytest.raises(PaceRefusedError) as refused:
        pacer.reserve("StopRemoteAccessSession", max_wait=0)
    assert refused.value.retry_after == pytest.approx(1 / (PacingSettings().stop_rate * rate_share))


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


class _Stops:
    """Answers every Stop as Device Farm does (botocore's model is the sample's oracle)."""

    def __init__(self) -> None:
        self.calls = 0

    def stop_remote_access_session(self, **_params: Any) -> Any:
        self.calls += 1
        return {"remoteAccessSession": samples.session("STOPPING")}


def _stop_waiting(wait: float) -> tuple[FrozenTime, _Stops, DeviceFarmGateway]:
    """An API gateway whose next Stop token is `wait` seconds away."""
    time = FrozenTime()
    pacer = Pacer(PacingSettings(stop_burst=1), monotonic=time, sleep=time.sleep, **EXACT)
    pacer.reserve("StopRemoteAccessSession", max_wait=0)  # the only token: the next in 1 s
    time.now += 1.0 - wait
    stops = _Stops()
    gateway = DeviceFarmGateway(stops, interactive=True, pacer=pacer, hub_account=samples.ACCOUNT)  # type: ignore[arg-type]
    return time, stops, gateway


@pytest.mark.parametrize("wait", [0.6, 0.75, 0.9])
def test_an_api_call_that_would_wait_longer_than_half_a_second_is_throttled(wait: float) -> None:
    time, stops, gateway = _stop_waiting(wait)
    with pytest.raises(DeviceFarmError) as raised:
        gateway.stop_session(SESSION_ARN)
    assert raised.value.code == "LimitExceededException"  # the API answers 429, Retry-After
    assert (stops.calls, time.slept) == (0, [])


@pytest.mark.parametrize("wait", [0.25, 0.5])
def test_an_api_call_waits_up_to_half_a_second_for_its_token(wait: float) -> None:
    time, stops, gateway = _stop_waiting(wait)
    assert gateway.stop_session(SESSION_ARN).status == "STOPPING"
    assert stops.calls == 1
    assert time.slept == [pytest.approx(wait)]


def test_an_api_call_that_would_wait_too_long_is_throttled_without_calling() -> None:
    time = FrozenTime()
    pacer = Pacer(PacingSettings(stop_burst=1), monotonic=time, sleep=time.sleep, **EXACT)
    pacer.reserve("StopRemoteAccessSession", max_wait=0)
    gateway = DeviceFarmGateway(
        _NeverCalled(), interactive=True, pacer=pacer, hub_account=samples.ACCOUNT
    )  # type: ignore[arg-type]
    with pytest.raises(DeviceFarmError) as raised:
        gateway.stop_session(SESSION_ARN)
    assert raised.value.code == "LimitExceededException"  # the API answers 429, Retry-After
    assert time.slept == []
