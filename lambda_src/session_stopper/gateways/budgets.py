"""How long each AWS call may take and how often it is tried, per kind of caller.

Events and sweeps can be patient: botocore's standard retries and generous timeouts. An API
request must be answered within API Gateway's 29 s, so its clients make one attempt with short
timeouts, and the longest sequence of calls one request can make is bounded by arithmetic
(`worst_case_seconds`), not hope: a throttled or failed call becomes an explicit 429/502/503
answer the caller can retry, and every outcome is still published or parked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

from session_stopper.config import settings

# botocore's standard mode: retry i (0-based) sleeps at most min(2**i, 20) s, plus up to 5 s
# more when the service asks for it with x-amz-retry-after.
_MAX_BACKOFF_SECONDS = 20.0
_RETRY_AFTER_EXTRA_SECONDS = 5.0


@dataclass(frozen=True)
class CallBudget:
    attempts: int
    connect_timeout: float
    read_timeout: float
    # The longest a call may wait for its token from the pacer (gateways/pacing.py) before
    # it is refused (Device Farm only: the service's API rate limits).
    pacing_seconds: float = 0.0

    def config(self, **options: Any) -> Config:
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            **options,
        )

    def worst_case_seconds(self) -> float:
        """The longest one call can take: the longest wait for a token, every attempt times
        out, every backoff is maximal."""
        waiting = sum(
            min(2.0**retry, _MAX_BACKOFF_SECONDS) + _RETRY_AFTER_EXTRA_SECONDS
            for retry in range(self.attempts - 1)
        )
        attempts = self.attempts * (self.connect_timeout + self.read_timeout)
        return self.pacing_seconds + attempts + waiting


@dataclass(frozen=True)
class Budgets:
    devicefarm: CallBudget
    dynamodb: CallBudget
    sns: CallBudget
    sqs: CallBudget
    cloudwatch: CallBudget
    scheduler: CallBudget
    # Chat notifications are a courtesy (the outcome topic is the record): short and few tries,
    # so a broken chat topic never eats a request's or a sweep's time.
    chat: CallBudget
    # Lambda Invoke (asynchronous): a sweep's continuation (domain/sweep_chain.py).
    invoke: CallBudget


API_GATEWAY_TIMEOUT_SECONDS = 29.0

# An API request waits at most this long for a Device Farm token; a longer wait is refused and
# answered 429 with Retry-After (the request's 29 s hold with it, in the arithmetic below).
INTERACTIVE_PACING_SECONDS = 0.5
# A sweep's worker waits its turn; with W workers on a bucket refilling r per second the wait
# is about W / r (8 s at the defaults). The bound only catches a pacer misconfigured to a
# rate so low that waiting would eat the invocation: then the call fails instead.
BATCH_PACING_SECONDS = 60.0

INTERACTIVE = Budgets(
    devicefarm=CallBudget(
        attempts=1,
        connect_timeout=1.0,
        read_timeout=2.0,
        pacing_seconds=INTERACTIVE_PACING_SECONDS,
    ),
    dynamodb=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=0.5),
    sns=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    sqs=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    cloudwatch=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    scheduler=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    chat=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=0.5),
    invoke=CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0),
)


def batch(devicefarm_attempts: int) -> Budgets:
    return Budgets(
        devicefarm=CallBudget(
            devicefarm_attempts,
            connect_timeout=5.0,
            read_timeout=15.0,
            pacing_seconds=BATCH_PACING_SECONDS,
        ),
        dynamodb=CallBudget(attempts=3, connect_timeout=2.0, read_timeout=5.0),
        sns=CallBudget(attempts=5, connect_timeout=5.0, read_timeout=10.0),
        sqs=CallBudget(attempts=5, connect_timeout=5.0, read_timeout=10.0),
        cloudwatch=CallBudget(attempts=3, connect_timeout=2.0, read_timeout=5.0),
        scheduler=CallBudget(attempts=3, connect_timeout=2.0, read_timeout=5.0),
        chat=CallBudget(attempts=2, connect_timeout=2.0, read_timeout=3.0),
        invoke=CallBudget(attempts=3, connect_timeout=2.0, read_timeout=5.0),
    )


def budgets_for(interactive: bool) -> Budgets:
    return INTERACTIVE if interactive else batch(settings().devicefarm_max_attempts)


def total_seconds(calls: Iterable[CallBudget]) -> float:
    return sum(call.worst_case_seconds() for call in calls)


def stop_seconds(budgets: Budgets) -> float:
    """One stop at worst. In a row: the idempotency record, Get, Stop. Then side by side
    (domain/service.py starts them together and waits for all): the record's completion, the
    publish (then the chat notification, then the park when SNS refused), and each of the
    session's two schedule deletes; the longest of them counts."""
    in_a_row = total_seconds([budgets.dynamodb, budgets.devicefarm, budgets.devicefarm])
    side_by_side = max(
        total_seconds([budgets.dynamodb]),
        total_seconds([budgets.sns, budgets.chat, budgets.sqs]),
        total_seconds([budgets.scheduler]),
    )
    return in_a_row + side_by_side


def extend_calls(budgets: Budgets) -> list[CallBudget]:
    """One extension with a clientToken: its in-progress record, Get the session, its project's
    tags, its expiry schedule, its recorded extension, replace the expiry and warning schedules
    (a create refused as existing becomes an update), record the new deadline, publish, the chat
    notification, park, then the token's answer."""
    return [
        budgets.dynamodb,
        budgets.devicefarm,
        budgets.devicefarm,
        budgets.scheduler,
        budgets.dynamodb,
        *[budgets.scheduler] * 4,
        budgets.dynamodb,
        budgets.sns,
        budgets.chat,
        budgets.sqs,
        budgets.dynamodb,
    ]


def sweep_closing_calls(budgets: Budgets) -> list[CallBudget]:
    """After the last stop of a sweep, at worst: hand the sweep lock to a continuation, invoke
    it, release the lock (also when it ended without one), publish (or park) the summary, tell
    the chat channels."""
    return [
        budgets.dynamodb,
        budgets.invoke,
        budgets.dynamodb,
        budgets.sns,
        budgets.chat,
        budgets.sqs,
    ]
