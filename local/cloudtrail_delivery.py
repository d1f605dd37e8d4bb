"""EventBridge's part in the timers: the emulator's CloudTrail events, through the stack's rule,
to the function.

In AWS a rule on the default bus in us-west-2 matches Device Farm's CloudTrail events and
invokes the function (asynchronously: its error is not the caller's). Locally the events come
from the emulator's feed and go through the same pattern before reaching the invoker.

Member accounts' records reach the hub through their spoke's forwarding rule, which keeps the
event as it is: `account` and the record's `recipientAccountId` are the member's. Locally each
member account's feed is drained alongside the hub's, its events unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from local.devicefarm_emulator.cloudtrail import CloudTrailFeed
from local.ticker import Ticker

log = logging.getLogger(__name__)

Invoke = Callable[[Any], Any]

# The rule of docs/contracts.md ("Expiry timers", CloudTrail): Create arms, Stop disarms.
TIMER_RULE_PATTERN: dict[str, Any] = {
    "source": ["aws.devicefarm"],
    "detail-type": ["AWS API Call via CloudTrail"],
    "detail": {
        "eventSource": ["devicefarm.amazonaws.com"],
        "eventName": ["CreateRemoteAccessSession", "StopRemoteAccessSession"],
    },
}


def matches(pattern: dict[str, Any], event: Any) -> bool:
    """EventBridge's matching for the plain patterns used here: every key of the pattern must
    be in the event; a list lists the values allowed, a mapping matches the nested object."""
    if not isinstance(event, dict):
        return False
    for key, wanted in pattern.items():
        if key not in event:
            return False
        if isinstance(wanted, dict):
            if not matches(wanted, event[key]):
                return False
        elif event[key] not in wanted:
            return False
    return True


@dataclass(frozen=True)
class Delivery:
    """One event the rule delivered, and what the function answered or raised."""

    event: dict[str, Any]
    result: Any
    error: str | None


class CloudTrailDelivery:
    def __init__(
        self,
        feed: CloudTrailFeed,
        invoke: Invoke,
        pattern: dict[str, Any] | None = None,
        member_feeds: Sequence[CloudTrailFeed] = (),
    ) -> None:
        self._feeds = (feed, *member_feeds)
        self._invoke = invoke
        self._pattern = pattern if pattern is not None else TIMER_RULE_PATTERN
        self._ticker = Ticker(self.deliver, "cloudtrail-delivery")

    def next_delivery_time(self) -> float | None:
        moments = [feed.next_delivery_time() for feed in self._feeds]
        return min((moment for moment in moments if moment is not None), default=None)

    def deliver(self) -> list[Delivery]:
        """Hand every due event the rule matches to the function, in the order of the calls
        (by their time, across accounts; each account's in its own order). Events no rule
        matches are dropped, as EventBridge drops them."""
        due = [event for feed in self._feeds for event in feed.drain()]
        deliveries = []
        for event in sorted(due, key=lambda event: str(event.get("time", ""))):
            if matches(self._pattern, event):
                deliveries.append(self._deliver(event))
        return deliveries

    def start(self, interval_seconds: float) -> None:
        self._ticker.start(interval_seconds)

    def stop(self) -> None:
        self._ticker.stop()

    def _deliver(self, event: dict[str, Any]) -> Delivery:
        try:
            return Delivery(event, self._invoke(event), None)
        except Exception as failure:  # the function's error; the next event still goes
            detail = event.get("detail") or {}
            log.warning("the function failed on %s: %s", detail.get("eventName"), failure)
            return Delivery(event, None, f"{type(failure).__name__}: {failure}")
