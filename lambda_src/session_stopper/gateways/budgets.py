"""How long each AWS call may take and how often it is tried, per kind of caller.

Events and sweeps can be patient: botocore's standard retries and generous timeouts. An API
request must be answered within API Gateway's 29 s, so its clients have short timeouts, and
their retries (botocore's standard mode too) draw on one allowance per request
(gateways/retries.py): a retry starts only if its worst case fits in what is left. The longest
a request can take is then arithmetic (`worst_case_seconds`), not hope: every call's first
attempt at worst, plus the request's retry allowance once. A call still failing when the
allowance is spent becomes an explicit 429/502/503 answer the caller can retry, and every
outcome is still published or parked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

from session_stopper.config import settings
from session_stopper.gateways.retries import Client, api_retry_allowance, guard_retries

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
    # An API call: its retries draw on its request's allowance (gateways/retries.py).
    retries_from_request: bool = False

    def config(self, **options: Any) -> Config:
        return Config(
            retries={"mode": "standard", "total_max_attempts": self.attempts},
            connect_timeout=self.connect_timeout,
            read_timeout=self.read_timeout,
            **options,
        )

    def guarded(self, client: Client) -> Client:
        """`client`, built with `config()`; an API call's retries admitted by its request."""
        if not self.retries_from_request:
            return client
        return guard_retries(
            client,
            max_attempts=self.attempts,
            attempt_seconds=self.attempt_seconds(),
            allowance=api_retry_allowance(),
        )

    def attempt_seconds(self) -> float:
        """The longest one attempt can take: it times out connecting, then reading."""
        return self.connect_timeout + self.read_timeout

    def schedule_seconds(self) -> float:
        """botocore's whole schedule at worst: every attempt times out, every backoff is
        maximal."""
        waiting = sum(
            min(2.0**retry, _MAX_BACKOFF_SECONDS) + _RETRY_AFTER_EXTRA_SECONDS
            for retry in range(self.attempts - 1)
        )
        return self.attempts * self.attempt_seconds() + waiting

    def worst_case_seconds(self) -> float:
        """The longest one call can take, from its wait for a token on. An API call counts its
        first attempt only: its retries are its request's, counted once per request (the
        request's allowance, `retry_allowance_seconds`)."""
        if self.retries_from_request:
            return self.pacing_seconds + self.attempt_seconds()
        return self.pacing_seconds + self.schedule_seconds()


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
    # Lambda Invoke (asynchronous): a sweep's continuation (domain/sweeps/chain.py).
    invoke: CallBudget
    # STS AssumeRole into a member account's spoke role (gateways/spoke_access.py).
    sts: CallBudget


API_GATEWAY_TIMEOUT_SECONDS = 29.0
# What an answer must leave of the 29 s besides its AWS calls: Lambda's own start (the function
# restored or initialised) and the function's work between the calls.
API_MARGIN_SECONDS = 3.0

# An API request waits at most this long for a Device Farm token; a longer wait is refused and
# answered 429 with Retry-After (the request's 29 s hold with it, in the arithmetic below).
INTERACTIVE_PACING_SECONDS = 0.5
# A sweep's worker waits its turn; with W workers on a bucket refilling r per second the wait
# is about W / r (8 s at the defaults). The bound only catches a pacer misconfigured to a
# rate so low that waiting would eat the invocation: then the call fails instead.
BATCH_PACING_SECONDS = 60.0


def _api_call(attempts: int, connect_timeout: float, read_timeout: float) -> CallBudget:
    return CallBudget(attempts, connect_timeout, read_timeout, retries_from_request=True)


# `attempts` is botocore's cap; the request's retry allowance usually ends retrying first. Five
# loses nothing: within a stop's 14 s, a sixth attempt could never start (its backoff alone may
# be 16 s).
INTERACTIVE = Budgets(
    devicefarm=CallBudget(
        attempts=5,
        connect_timeout=1.0,
        read_timeout=2.0,
        pacing_seconds=INTERACTIVE_PACING_SECONDS,
        retries_from_request=True,
    ),
    dynamodb=_api_call(attempts=5, connect_timeout=0.5, read_timeout=0.5),
    sns=_api_call(attempts=5, connect_timeout=0.5, read_timeout=1.0),
    sqs=_api_call(attempts=5, connect_timeout=0.5, read_timeout=1.0),
    cloudwatch=_api_call(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    scheduler=_api_call(attempts=5, connect_timeout=0.5, read_timeout=1.0),
    # A courtesy, never retried: a broken chat topic must not eat what the outcome may need.
    chat=_api_call(attempts=1, connect_timeout=0.5, read_timeout=0.5),
    invoke=_api_call(attempts=1, connect_timeout=0.5, read_timeout=1.0),
    # STS answers in tens of milliseconds; a slow attempt is retried from the allowance.
    sts=_api_call(attempts=5, connect_timeout=0.5, read_timeout=0.5),
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
        sts=CallBudget(attempts=3, connect_timeout=2.0, read_timeout=5.0),
    )


def budgets_for(interactive: bool) -> Budgets:
    return INTERACTIVE if interactive else batch(settings().devicefarm_max_attempts)


def total_seconds(calls: Iterable[CallBudget]) -> float:
    return sum(call.worst_case_seconds() for call in calls)


def stop_seconds(budgets: Budgets) -> float:
    """One stop at worst. In a row: the idempotency record, the member account's credentials
    (AssumeRole, when none are cached), Get, Stop. Then side by side
    (domain/service.py starts them together and waits for all): the record's completion, the
    publish (then the chat notification, then the park when SNS refused), and each of the
    session's two schedule deletes; the longest of them counts."""
    in_a_row = total_seconds(
        [budgets.dynamodb, budgets.sts, budgets.devicefarm, budgets.devicefarm]
    )
    side_by_side = max(
        total_seconds([budgets.dynamodb]),
        total_seconds([budgets.sns, budgets.chat, budgets.sqs]),
        total_seconds([budgets.scheduler]),
    )
    return in_a_row + side_by_side


def extend_calls(budgets: Budgets) -> list[CallBudget]:
    """One extension with a clientToken: its in-progress record, the member account's
    credentials, Get the session, its project's
    tags, its expiry schedule, its recorded extension, write the expiry schedule (one call,
    conditioned on what was read) and the warning one (a create refused as existing becomes an
    update), record the new deadline, publish, the chat notification, park, then the token's
    answer."""
    return [
        budgets.dynamodb,
        budgets.sts,
        budgets.devicefarm,
        budgets.devicefarm,
        budgets.scheduler,
        budgets.dynamodb,
        *[budgets.scheduler] * 3,
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


def retry_allowance_seconds(first_attempts_seconds: float) -> float:
    """What an API request may spend on retries: what the worst case of its calls' first
    attempts (`stop_seconds`, ...) and the margin leave of API Gateway's 29 s."""
    spare = API_GATEWAY_TIMEOUT_SECONDS - API_MARGIN_SECONDS - first_attempts_seconds
    return max(0.0, spare)


# The retry allowance of each API request that has one. A sweep (and the sessions view) has
# none: its deadline reserve keeps time for what is in flight only, and what it could not do
# goes to its continuation, which runs on the patient budgets.
STOP_RETRY_SECONDS = retry_allowance_seconds(stop_seconds(INTERACTIVE))
EXTEND_RETRY_SECONDS = retry_allowance_seconds(total_seconds(extend_calls(INTERACTIVE)))
