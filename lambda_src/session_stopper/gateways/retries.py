"""Retries of the API's AWS calls, within what one request may spend on retrying.

botocore's standard mode decides what is worth retrying (throttling, LimitExceededException
among it; 5xx and InternalFailure; timeouts and connection errors) and how long to back off
(capped, jittered, exponential). Its schedule is not aware of a deadline, though: with every
attempt timing out and every backoff maximal, a few attempts of each call in a row would take
longer than API Gateway's 29 s. So on the API's clients each retry is admitted first against
the request's retry allowance (gateways/budgets.py): a retry starts only if its worst case, the
longest backoff botocore may sleep for it plus one attempt's connect and read timeouts, fits
in what is left. Once the retry is answered, what it did not use is given back.

One allowance serves every call and thread of the request (a stop's publish and timer deletes
run side by side), and a retry reserves its worst case before it starts, so all the retries
of one request, on any path through it, take at most the allowance in all. A retry that does
not fit is not made: the call ends with the error it has, and the API answers it (429 with
Retry-After for throttling). A Lambda environment serves one request at a time, so the
process holds one allowance; each API request sets it when it starts.

LimitExceededException: Device Farm answers it both for its API rate limits and for exceeded
quotas (concurrent jobs, device slots, projects). The quotas bind only the calls that create
something (CreateRemoteAccessSession, ScheduleRun, ...); the calls this function makes (Get,
Stop, List*) can only exceed the rate, so the code means throttling here and is retried, as
botocore's standard mode does.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, TypeVar

from botocore.client import BaseClient
from botocore.retries.standard import (
    ExponentialBackoff,
    RetryEventAdapter,
    StandardRetryConditions,
    ThrottlingErrorDetector,
)

from session_stopper.observability import logger

Client = TypeVar("Client", bound=BaseClient)

# Where a call keeps the reservation of its retry in flight (botocore's request context).
_RESERVATION = "session_stopper_retry_reservation"


class RetryAllowance:
    """Seconds of retrying left to one request, shared by all its calls and threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._left = 0.0

    def grant(self, seconds: float) -> None:
        """A new request: it may spend `seconds` on retries (0: none)."""
        with self._lock:
            self._left = seconds

    def left(self) -> float:
        with self._lock:
            return self._left

    def reserve(self, seconds: float) -> bool:
        """Take `seconds` if that much is left; False (taking nothing) otherwise."""
        with self._lock:
            if seconds > self._left:
                return False
            self._left -= seconds
            return True

    def settle(self, reserved: float, spent: float) -> None:
        """A reserved retry took `spent`: give back the rest (never more than was reserved)."""
        with self._lock:
            self._left += reserved - min(spent, reserved)


@functools.cache
def api_retry_allowance() -> RetryAllowance:
    """The allowance of the API request this process is answering."""
    return RetryAllowance()


class RetryGuard:
    """A `needs-retry` handler that runs before botocore's own and refuses a retry that would
    not fit in the allowance; otherwise botocore decides and backs off as usual."""

    def __init__(
        self,
        allowance: RetryAllowance,
        *,
        service_name: str,
        max_attempts: int,
        attempt_seconds: float,
    ) -> None:
        self._allowance = allowance
        self._attempt_seconds = attempt_seconds
        self._adapter = RetryEventAdapter()
        self._conditions = StandardRetryConditions(max_attempts=max_attempts)
        # botocore's own backoff with its random factor at its maximum: the longest it sleeps.
        self._longest_backoff = ExponentialBackoff(
            random=lambda: 1.0,
            service_name=service_name,
            throttling_detector=ThrottlingErrorDetector(self._adapter),
        )

    def needs_retry(self, **kwargs: Any) -> bool | None:
        """None lets botocore decide; False says no retry (botocore's `needs-retry` protocol)."""
        context = self._adapter.create_retry_context(**kwargs)
        self._settle(context.request_context)
        if not self._conditions.is_retryable(context):
            return None
        worst = self._longest_backoff.delay_amount(context) + self._attempt_seconds
        if not self._allowance.reserve(worst):
            logger.info(
                "not retrying: the request's retry allowance is spent",
                extra={"attempt": context.attempt_number, "error": context.get_error_code()},
            )
            return False
        context.request_context[_RESERVATION] = (worst, time.monotonic())
        return None

    def _settle(self, request_context: dict[str, Any]) -> None:
        """The retry reserved after the previous attempt has been answered: settle it."""
        reservation = request_context.pop(_RESERVATION, None)
        if reservation is not None:
            reserved, started = reservation
            self._allowance.settle(reserved, time.monotonic() - started)


def guard_retries(
    client: Client, *, max_attempts: int, attempt_seconds: float, allowance: RetryAllowance
) -> Client:
    """Admit each of `client`'s retries against `allowance` first."""
    service = client.meta.service_model.service_id.hyphenize()
    guard = RetryGuard(
        allowance,
        service_name=service,
        max_attempts=max_attempts,
        attempt_seconds=attempt_seconds,
    )
    # botocore's stubs type handlers as returning None; needs-retry reads what they return.
    client.meta.events.register_first(f"needs-retry.{service}", guard.needs_retry)  # type: ignore[arg-type]
    return client
