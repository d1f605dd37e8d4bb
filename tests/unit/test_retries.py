"""The API's retries: botocore decides what to retry and how long to back off; each retry is
first admitted against what is left of its request's allowance."""

from __future__ import annotations

import json
import threading
from typing import Any

import boto3
import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from moto.core.botocore_stubber import MockRawResponse

from session_stopper.gateways.retries import RetryAllowance, guard_retries
from tests.support.throttling import FakeClock, use_longest_backoff

ATTEMPT_SECONDS = 1.0  # the client's connect and read timeouts, as the guard is told


class Answers:
    """Answers every GetItem as DynamoDB would: `code` (HTTP `status`) every time."""

    def __init__(self, code: str, status: int = 400, headers: dict[str, str] | None = None):
        self.code, self.status, self.headers = code, status, headers or {}
        self.calls = 0

    def before_send(self, request: Any, **_kwargs: Any) -> AWSResponse:
        self.calls += 1
        body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{self.code}"})
        headers = {"Content-Type": "application/x-amz-json-1.0", **self.headers}
        return AWSResponse(request.url, self.status, headers, MockRawResponse(body))  # type: ignore[arg-type]


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    return use_longest_backoff(monkeypatch)


def call(allowance: RetryAllowance, answers: Answers, attempts: int = 10) -> None:
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        config=boto3.session.Config(retries={"mode": "standard", "total_max_attempts": attempts}),
    )
    guard_retries(
        client, max_attempts=attempts, attempt_seconds=ATTEMPT_SECONDS, allowance=allowance
    )
    client.meta.events.register("before-send.dynamodb.GetItem", answers.before_send)
    with pytest.raises(ClientError):
        client.get_item(TableName="t", Key={"id": {"S": "k"}})


def granted(seconds: float) -> RetryAllowance:
    allowance = RetryAllowance()
    allowance.grant(seconds)
    return allowance


@pytest.mark.parametrize(
    ("seconds", "attempts", "slept"),
    [
        (0.0, 1, []),
        # The first retry's worst case: 1 s of backoff and a 1-s attempt.
        (1.99, 1, []),
        (2.0, 2, [1.0]),
        # Then 2 s of backoff and an attempt: 1 s slept + 3 s more fit in 4 s, not in 3.99 s.
        (3.99, 2, [1.0]),
        (4.0, 3, [1.0, 2.0]),
    ],
)
def test_a_retry_starts_only_if_its_worst_case_fits_in_what_is_left(
    clock: FakeClock, seconds: float, attempts: int, slept: list[float]
) -> None:
    answers = Answers("ThrottlingException")
    call(granted(seconds), answers)
    assert answers.calls == attempts
    assert clock.slept == slept


def test_what_a_retry_did_not_use_is_given_back(clock: FakeClock) -> None:
    allowance = granted(10.0)
    answers = Answers("ThrottlingException")
    call(allowance, answers, attempts=3)
    # Two retries reserved 2 s and 3 s; each used only its backoff (the attempts took no time
    # on this clock): 1 s and 2 s are gone, the rest came back.
    assert allowance.left() == pytest.approx(10.0 - 1.0 - 2.0)


def test_a_service_asking_for_more_time_is_counted_at_its_longest(clock: FakeClock) -> None:
    """x-amz-retry-after (9 s here) lengthens the 1-s backoff by at most 5 s: 6 s of backoff
    and the attempt are what the retry may take, and what the guard counts."""
    waiting = {"x-amz-retry-after": "9000"}
    answers = Answers("ThrottlingException", headers=waiting)
    call(granted(6.99), answers)
    assert answers.calls == 1
    call(granted(7.0), Answers("ThrottlingException", headers=waiting), attempts=2)
    assert clock.slept == [6.0]


def test_server_errors_are_retried_with_botocores_short_backoff(clock: FakeClock) -> None:
    answers = Answers("InternalServerError", status=500)
    call(granted(1.1), answers)
    # DynamoDB's backoff after a server error: up to 25 ms, then 50 ms, then 100 ms, each
    # admitted with its 1-s attempt: the third retry (1.1 s) no longer fits in what is left.
    assert answers.calls == 3
    assert clock.slept == pytest.approx([0.025, 0.05])


def test_an_error_not_worth_retrying_takes_nothing(clock: FakeClock) -> None:
    allowance = granted(5.0)
    answers = Answers("ResourceNotFoundException")
    call(allowance, answers)
    assert (answers.calls, allowance.left()) == (1, 5.0)


def test_threads_share_the_allowance_and_cannot_overspend_it() -> None:
    allowance = granted(10.0)
    taken: list[bool] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        taken.append(allowance.reserve(3.0))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert taken.count(True) == 3
    assert allowance.left() == pytest.approx(1.0)


def test_settling_never_gives_back_more_than_was_reserved() -> None:
    allowance = granted(5.0)
    assert allowance.reserve(4.0)
    allowance.settle(4.0, spent=6.0)  # took longer than its worst case: nothing comes back
    assert allowance.left() == pytest.approx(1.0)
    assert not allowance.reserve(1.5)
    assert allowance.left() == pytest.approx(1.0), "a refused reservation takes nothing"
