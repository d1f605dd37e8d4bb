"""CloudTrail for the emulator: the Create/Stop calls it answered, as EventBridge would get them.

Only protocol calls (`DeviceFarmEmulator.handle`, i.e. over HTTP) are recorded. Sessions created
with the Python arranging methods (`create_session`, the seeded worlds) leave no trace: they
stand for sessions that predate the deploy, which the function only meets through sweeps.

Delivery: each event becomes deliverable `delivery_lag_seconds` after the call, on the
emulator's clock (CloudTrail delivers minutes late in AWS; 0 locally by default). Due events are
taken once, either pulled (`drain`) or pushed to subscribers (`deliver_due`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from local.devicefarm_emulator.clock import Clock
from local.devicefarm_emulator.errors import DeviceFarmError
from local.devicefarm_emulator.trail_record import Caller, api_call_event

Event = dict[str, Any]
Subscriber = Callable[[Event], None]

# The calls the function's EventBridge rule listens for (docs/contracts.md, "Expiry timers").
TRAILED_OPERATIONS = frozenset({"CreateRemoteAccessSession", "StopRemoteAccessSession"})


@dataclass
class TrailSettings:
    """`include_response_elements`: whether a successful call's record carries the answer
    (`{"remoteAccessSession": {...}}`). Off by default: no public sample of a Device Farm
    record shows the real service including it, and the function must not depend on it."""

    include_response_elements: bool = False
    delivery_lag_seconds: float = 0.0

    def __post_init__(self) -> None:
        if self.delivery_lag_seconds < 0:
            raise ValueError("delivery_lag_seconds must not be negative")

    def copy(self) -> TrailSettings:
        return TrailSettings(self.include_response_elements, self.delivery_lag_seconds)

    def to_json(self) -> dict[str, Any]:
        return {
            "includeResponseElements": self.include_response_elements,
            "deliveryLagSeconds": self.delivery_lag_seconds,
        }

    def update_from_json(self, body: dict[str, Any]) -> None:
        """The admin API's partial update; checked before anything changes."""
        include = body.get("includeResponseElements", self.include_response_elements)
        if not isinstance(include, bool):
            raise ValueError("includeResponseElements must be true or false")
        lag = float(body.get("deliveryLagSeconds", self.delivery_lag_seconds))
        if lag < 0:
            raise ValueError("deliveryLagSeconds must not be negative")
        self.include_response_elements, self.delivery_lag_seconds = include, lag


@dataclass(frozen=True)
class _Pending:
    deliver_at: float
    event: Event


class CloudTrailFeed:
    """Recorded events, the ones not yet delivered, and who wants them pushed."""

    def __init__(self, clock: Clock, account_id: str, settings: TrailSettings | None = None):
        self.clock = clock
        self.account_id = account_id
        self.settings = settings if settings is not None else TrailSettings()
        self._lock = threading.Lock()
        self._recorded: list[Event] = []
        self._pending: list[_Pending] = []
        self._subscribers: list[Subscriber] = []

    def record(
        self,
        operation: str,
        request: dict[str, Any],
        caller: Caller,
        *,
        answer: dict[str, Any] | None = None,
        error: DeviceFarmError | None = None,
    ) -> Event | None:
        """Record one answered call (`answer`) or refused one (`error`); other operations are
        not trailed and return None."""
        if operation not in TRAILED_OPERATIONS:
            return None
        now = self.clock.now()
        settings = self.settings
        event = api_call_event(
            operation=operation,
            request=request,
            caller=caller,
            account_id=self.account_id,
            now=now,
            response=answer if settings.include_response_elements else None,
            error=(error.code, error.message) if error is not None else None,
        )
        with self._lock:
            self._recorded.append(event)
            self._pending.append(_Pending(now + settings.delivery_lag_seconds, event))
        return event

    def events(self) -> list[Event]:
        """Every event recorded so far, delivered or not, oldest first."""
        with self._lock:
            return list(self._recorded)

    def pending(self) -> int:
        """How many events wait for delivery (their time may not have come yet)."""
        with self._lock:
            return len(self._pending)

    def next_delivery_time(self) -> float | None:
        """When the next waiting event becomes deliverable (epoch seconds), None if none waits."""
        with self._lock:
            return min((item.deliver_at for item in self._pending), default=None)

    def drain(self) -> list[Event]:
        """Take the events whose delivery time has come, in the order of their calls."""
        now = self.clock.now()
        with self._lock:
            due = [item.event for item in self._pending if item.deliver_at <= now]
            self._pending = [item for item in self._pending if item.deliver_at > now]
        return due

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Have `deliver_due` push events to `subscriber`; answers the way to unsubscribe."""
        with self._lock:
            self._subscribers.append(subscriber)

        def unsubscribe() -> None:
            with self._lock:
                if subscriber in self._subscribers:
                    self._subscribers.remove(subscriber)

        return unsubscribe

    def deliver_due(self) -> list[Event]:
        """Push the due events to every subscriber and answer them. Without subscribers the
        events stay for `drain`: an event nobody received is not lost."""
        with self._lock:
            subscribers = list(self._subscribers)
        if not subscribers:
            return []
        due = self.drain()
        for event in due:
            for subscriber in subscribers:
                subscriber(event)
        return due

    def clear(self) -> None:
        with self._lock:
            self._recorded.clear()
            self._pending.clear()
