"""Throttling in front of moto, and a clock for botocore's backoff that does not really sleep.

moto answers every call of a client from a `before-send` handler; `throttle_first` puts a
handler in its place that answers the first calls of one operation as the real service does
when it throttles (its protocol's error, HTTP 400) and hands every other call to moto, so a
throttled call changes nothing in moto, as a throttled call changes nothing in AWS. The error
goes through botocore's whole response path: parsing, then its retry handlers.
"""

from __future__ import annotations

import json
import threading
from typing import Any

from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from moto.core.botocore_stubber import MockRawResponse
from moto.core.models import botocore_stubber

from local.devicefarm_emulator import Faults

# What each protocol's service answers when it throttles a call (code, HTTP 400).
_THROTTLED: dict[str, tuple[dict[str, str], str]] = {
    "dynamodb": (
        {"Content-Type": "application/x-amz-json-1.0"},
        json.dumps(
            {
                "__type": "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
                "message": "The level of configured provisioned throughput for the table was "
                "exceeded. Consider increasing your provisioning level with the UpdateTable API.",
            }
        ),
    ),
    "sns": (
        {"Content-Type": "text/xml"},
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error>'
        "<Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
        "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>",
    ),
}


class Throttle:
    """Counts the calls it throttled and the ones it let through to moto."""

    def __init__(self, operation: str, times: int, service: str) -> None:
        self.operation = operation
        self.remaining = times
        self.throttled = 0
        self.passed = 0
        self._service = service
        self._lock = threading.Lock()

    def before_send(self, request: AWSPreparedRequest, event_name: str, **kwargs: Any) -> Any:
        if not event_name.endswith(f".{self.operation}"):
            return botocore_stubber(event_name, request, **kwargs)
        with self._lock:
            throttle = self.remaining > 0
            if throttle:
                self.remaining -= 1
                self.throttled += 1
            else:
                self.passed += 1
        if not throttle:
            return botocore_stubber(event_name, request, **kwargs)
        headers, body = _THROTTLED[self._service]
        return AWSResponse(request.url, 400, headers, MockRawResponse(body))  # type: ignore[arg-type]


def throttle_first(client: Any, operation: str, times: int) -> Throttle:
    """The first `times` calls of `operation` on `client` (a moto-backed DynamoDB or SNS
    client) are throttled; everything else reaches moto."""
    service = client.meta.service_model.endpoint_prefix
    throttle = Throttle(operation, times, service)
    client.meta.events.unregister("before-send", botocore_stubber)
    client.meta.events.register("before-send", throttle.before_send)
    return throttle


class FakeClock:
    """Stands in for the `time` module of botocore's endpoint (its backoff sleeps) and of the
    retry guard (its clock): sleeping moves the clock on at once."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds
            self.slept.append(seconds)


def use_fake_clock(monkeypatch: Any) -> FakeClock:
    """botocore's backoff sleeps and the retry guard's clock on a FakeClock, for this test."""
    import botocore.endpoint  # noqa: PLC0415

    from session_stopper.gateways import retries  # noqa: PLC0415

    clock = FakeClock()
    monkeypatch.setattr(botocore.endpoint, "time", clock)
    monkeypatch.setattr(retries, "time", clock)
    return clock


def use_longest_backoff(monkeypatch: Any) -> FakeClock:
    """botocore's backoff at the top of its jitter every time (the retries' worst case),
    slept on a FakeClock so the test does not wait for it."""
    from botocore.retries.standard import ExponentialBackoff  # noqa: PLC0415

    original = ExponentialBackoff.delay_amount

    def longest(backoff: ExponentialBackoff, context: Any) -> float:
        backoff._random = lambda: 1.0  # type: ignore[attr-defined]
        return original(backoff, context)  # type: ignore[no-any-return]

    monkeypatch.setattr(ExponentialBackoff, "delay_amount", longest)
    return use_fake_clock(monkeypatch)


def seed_throttling(faults: Faults, fates: list[bool]) -> None:
    """Seed the emulator's faults so that its next calls are throttled exactly where `fates`
    says (True: throttled), at the throttle rate they have."""
    for seed in range(10_000):
        trial = Faults(throttle_rate=faults.throttle_rate, seed=seed)
        if [trial.draw() is not None for _ in fates] == fates:
            faults.reseed(seed)
            return
    raise AssertionError(f"no seed throttles {fates}")
