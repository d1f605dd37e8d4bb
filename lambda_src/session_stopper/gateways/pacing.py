"""Pacing Device Farm calls to the service's own API rate limits, process-wide.

Device Farm throttles by token bucket, per account and API (developer guide, "Limits"): List*
and Get* burst 50 and refill 10 per second; every other API, StopRemoteAccessSession included,
bursts 10 and refills 1 per second. A sweep that ignores them gets LimitExceededException after
the burst, and botocore's retries then only spread the failures out. So every Device Farm call
first takes a token here, from one limiter per account shared by all threads of the process (the
sweep's workers, a kill switch's, the API's), one bucket per operation with its family's numbers
(DEVICE_FARM_STOP_RATE/BURST for the non-read family, DEVICE_FARM_READ_RATE/BURST for reads).
Each member account has limiters of its own: its quotas are its own.

Headroom: the service's buckets start and refill on its own clock, and calls arrive with
network jitter, so a client pacing exactly at the quota arrives a few milliseconds early now
and then and is throttled. The pacer therefore refills at RATE_SHARE (95 %) of the configured
rate and keeps RESERVED_TOKENS (1) of the burst unused; the cost is 5 % of the throughput.

Tokens are reserved: a caller that finds the bucket empty takes the next token that will be
made and sleeps until then, so waiting workers are served in turn at exactly the refill rate
(no thundering herd, no throttled retries). A caller says how long it may wait: an API request
must answer within API Gateway's 29 s, so it refuses a wait longer than its budget's pacing
allowance (gateways/budgets.py) and answers 429 with Retry-After instead; a refused wait takes
no token.

Why not botocore's adaptive retry mode: its client-side rate limiter is per client (we have two
Device Farm clients, the API's and the batch one, whose calls would not share a budget) and
per client, not per operation (a burst of reads would slow the Stops, which have their own
bucket at the service); it learns the rate only from throttled answers (it must be throttled
first, then backs off and probes upwards again, so a kill switch over 100 sessions still sees
throttling), it cannot bound a wait for an API request, and it is marked experimental. The
documented limits are known numbers, so we pace to them; standard retries stay behind this as
the safety net for throttling caused by other callers in the account.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from session_stopper.config import PacingSettings, settings

RATE_SHARE = 0.95
RESERVED_TOKENS = 1


def is_read(operation: str) -> bool:
    return operation.startswith(("List", "Get"))


class PaceRefusedError(Exception):
    """The caller's bucket would make it wait longer than it may: try again later."""

    def __init__(self, operation: str, retry_after: float) -> None:
        super().__init__(f"{operation}: rate limit would make this call wait {retry_after:.1f} s")
        self.operation = operation
        self.retry_after = retry_after


@dataclass
class _Bucket:
    burst: int
    rate: float  # tokens per second
    tokens: float  # negative: tokens already promised to waiting callers
    stamp: float


class Pacer:
    """Token buckets per operation, shared by every thread that holds this object."""

    def __init__(
        self,
        limits: PacingSettings,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        rate_share: float = RATE_SHARE,
        reserved_tokens: int = RESERVED_TOKENS,
    ) -> None:
        self._limits = limits
        self._rate_share = rate_share
        self._reserved_tokens = reserved_tokens
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def reserve(self, operation: str, max_wait: float) -> float:
        """Take the operation's next token; returns how long to wait for it (0 when one is
        there). Raises PaceRefusedError, taking nothing, when that is longer than max_wait."""
        with self._lock:
            now = self._monotonic()
            bucket = self._buckets.get(operation)
            if bucket is None:
                bucket = self._new_bucket(operation, now)
                self._buckets[operation] = bucket
            bucket.tokens = min(
                float(bucket.burst), bucket.tokens + (now - bucket.stamp) * bucket.rate
            )
            bucket.stamp = now
            wait = 0.0 if bucket.tokens >= 1.0 else (1.0 - bucket.tokens) / bucket.rate
            if wait > max_wait:
                raise PaceRefusedError(operation, wait)
            bucket.tokens -= 1.0
            return wait

    def acquire(self, operation: str, max_wait: float) -> float:
        """Reserve a token and sleep until it is ours; returns the seconds waited."""
        wait = self.reserve(operation, max_wait)
        if wait > 0:
            self._sleep(wait)
        return wait

    def _new_bucket(self, operation: str, now: float) -> _Bucket:
        limits = self._limits
        if is_read(operation):
            burst, rate = limits.read_burst, limits.read_rate
        else:
            burst, rate = limits.stop_burst, limits.stop_rate
        burst = max(1, burst - self._reserved_tokens)
        rate *= self._rate_share
        return _Bucket(burst=burst, rate=rate, tokens=float(burst), stamp=now)


@functools.cache
def devicefarm_pacer(account: str = "") -> Pacer:
    """The process's pacer for one account (Device Farm's quotas are each account's own; ""
    is the hub's); tests call `devicefarm_pacer.cache_clear()`."""
    if account == settings().devicefarm_account_id:
        return devicefarm_pacer()
    return Pacer(settings().devicefarm_pacing)
