"""What EventBridge Scheduler does with one-time schedules, for a group in moto.

moto stores schedules but never fires them. The runner reads a group's schedules, and each
ENABLED `at(yyyy-mm-ddThh:mm:ss)` schedule whose time has come on the given clock (the Device
Farm emulator's, so a test can jump an hour) is fired: its Target.Input, with Scheduler's context
attributes filled in, is decoded and handed to `invoke` as the event. Then ActionAfterCompletion
DELETE is honoured, unless the invocation itself deleted the schedule or moved it to another
time (the function moves deadlines): a moved schedule stays, to fire at its new time.

Scheduler invokes Lambda asynchronously: a function error does not fail the schedule, so an
invocation that raises is recorded (`Fired.error`) and the schedule completes all the same.
Only UTC `at()` schedules are understood (the contract's); anything else is refused loudly
rather than fired at a guessed time.
"""

from __future__ import annotations

import json
import re
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from botocore.exceptions import ClientError

from local.ticker import Ticker

Clock = Callable[[], float]
Invoke = Callable[[Any], Any]
# What became of a schedule once fired: deleted by the runner (ActionAfterCompletion DELETE),
# gone already (the target deleted it), moved (updated to another time during the invocation,
# so kept), or kept (no DELETE action: it stays, but never fires again at that time).
Completion = Literal["deleted", "gone", "moved", "kept"]

_AT = re.compile(r"at\(([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})\)")
_NOT_FOUND = "ResourceNotFoundException"
_UTC_NAMES = ("", "UTC")  # absent means UTC, Scheduler's default


class UnsupportedScheduleError(ValueError):
    """A schedule in the group the runner cannot fire faithfully."""


@dataclass(frozen=True)
class Fired:
    """One invocation: when it was due and when it ran, both on the runner's clock."""

    name: str
    arn: str
    scheduled_time: float  # epoch seconds, from the at() expression
    fired_at: float  # the clock when the target was invoked
    execution_id: str
    event: Any  # what the target received
    result: Any
    error: str | None
    completion: Completion

    @property
    def overshoot_seconds(self) -> float:
        """How late it fired (a benchmark's measure: the runner's interval shows here)."""
        return self.fired_at - self.scheduled_time


@dataclass(frozen=True)
class _Schedule:
    name: str
    arn: str
    expression: str
    at: float
    state: str
    input: str | None
    action_after_completion: str

    @property
    def key(self) -> tuple[str, str]:
        return self.arn, self.expression


def parse_at(expression: str, timezone: str | None, name: str = "?") -> float:
    """Epoch seconds of a one-time schedule's `at(...)` in UTC; refuses everything else."""
    if (timezone or "") not in _UTC_NAMES:
        raise UnsupportedScheduleError(
            f"schedule {name}: ScheduleExpressionTimezone {timezone!r} is not supported "
            "locally; the runner fires UTC schedules only (docs/contracts.md)"
        )
    match = _AT.fullmatch(expression)
    if match is None:
        raise UnsupportedScheduleError(
            f"schedule {name}: {expression!r} is not a one-time at(yyyy-mm-ddThh:mm:ss) "
            "expression; the runner fires no rate() or cron() schedules"
        )
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as error:
        raise UnsupportedScheduleError(f"schedule {name}: {expression!r}: {error}") from error
    return moment.timestamp()


def iso_utc(epoch: float) -> str:
    """Scheduler's <aws.scheduler.scheduled-time> format, e.g. 2022-03-22T18:59:43Z."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SchedulerRunner:
    """Fires the due schedules of one group; `run_due` on demand, or `start` in the background."""

    def __init__(
        self,
        scheduler: Any,
        group_name: str,
        clock: Clock,
        invoke: Invoke,
        *,
        page_size: int | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._group = group_name
        self._clock = clock
        self._invoke = invoke
        self._page_size = page_size
        self._lock = threading.Lock()  # one round at a time, whoever asks
        self._fired: list[Fired] = []
        self._completed: set[tuple[str, str]] = set()  # kept schedules that already fired
        self._ticker = Ticker(self.run_due, f"scheduler-runner-{group_name}")

    @property
    def fired(self) -> list[Fired]:
        """Everything fired so far, in order."""
        with self._lock:
            return list(self._fired)

    def next_due_time(self) -> float | None:
        """When the earliest schedule still to fire is due (epoch seconds), None if none is."""
        with self._lock:
            return min((s.at for s in self._waiting()), default=None)

    def run_due(self) -> list[Fired]:
        """Fire every schedule due now, earliest first; answers what fired."""
        with self._lock:
            now = self._clock()
            due = sorted((s for s in self._waiting() if s.at <= now), key=lambda s: (s.at, s.name))
            fired = []
            for listed in due:
                # Read again: firing an earlier one may have deleted or moved this one.
                current = self._read(listed.name)
                if current is None or current.key != listed.key or current.state == "DISABLED":
                    continue
                fired.append(self._fire(current))
            self._fired.extend(fired)
            return fired

    def start(self, interval_seconds: float = 1.0) -> None:
        """Fire due schedules every `interval_seconds` on a daemon thread until `stop`."""
        self._ticker.start(interval_seconds)

    def stop(self) -> None:
        self._ticker.stop()

    # -- internals -------------------------------------------------------------------------

    def _waiting(self) -> list[_Schedule]:
        """The group's schedules that may still fire. Refuses the round if any cannot be read
        faithfully: firing the others while one is misread would hide the problem."""
        schedules = [self._read(name) for name in self._names()]
        return [
            s
            for s in schedules
            # moto forgets State on an UpdateSchedule without it; AWS's default is ENABLED.
            if s is not None and s.state != "DISABLED" and s.key not in self._completed
        ]

    def _names(self) -> list[str]:
        paging = {"PageSize": self._page_size} if self._page_size else {}
        pages = self._scheduler.get_paginator("list_schedules").paginate(
            GroupName=self._group, PaginationConfig=paging
        )
        return [summary["Name"] for page in pages for summary in page["Schedules"]]

    def _read(self, name: str) -> _Schedule | None:
        try:
            answer = self._scheduler.get_schedule(GroupName=self._group, Name=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _NOT_FOUND:
                return None
            raise
        expression = answer["ScheduleExpression"]
        target = answer.get("Target") or {}
        return _Schedule(
            name=name,
            arn=answer["Arn"],
            expression=expression,
            at=parse_at(expression, answer.get("ScheduleExpressionTimezone"), name),
            state=answer.get("State") or "ENABLED",
            input=target.get("Input"),
            action_after_completion=answer.get("ActionAfterCompletion") or "NONE",
        )

    def _fire(self, schedule: _Schedule) -> Fired:
        execution_id = secrets.token_hex(8)  # like Scheduler's, e.g. d32c5kddcf5bb8c3
        fired_at = self._clock()
        event: Any = None
        result: Any = None
        error: str | None = None
        try:
            event = _event(schedule, execution_id)
            result = self._invoke(event)
        except Exception as failure:  # the function's error, not the runner's
            error = f"{type(failure).__name__}: {failure}"
        return Fired(
            name=schedule.name,
            arn=schedule.arn,
            scheduled_time=schedule.at,
            fired_at=fired_at,
            execution_id=execution_id,
            event=event,
            result=result,
            error=error,
            completion=self._complete(schedule),
        )

    def _complete(self, fired: _Schedule) -> Completion:
        now = self._read(fired.name)
        if now is None:
            return "gone"
        if now.key != fired.key:
            return "moved"  # a new deadline: it fires again, then
        if fired.action_after_completion != "DELETE":
            self._completed.add(fired.key)
            return "kept"
        try:
            self._scheduler.delete_schedule(GroupName=self._group, Name=fired.name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != _NOT_FOUND:
                raise
            return "gone"
        return "deleted"


def _event(schedule: _Schedule, execution_id: str) -> Any:
    """Target.Input with the context attributes Scheduler fills in, decoded as Lambda would."""
    if schedule.input is None:
        return {}  # the contract's schedules always carry Input; nothing to substitute
    text = (
        schedule.input.replace("<aws.scheduler.schedule-arn>", schedule.arn)
        .replace("<aws.scheduler.scheduled-time>", iso_utc(schedule.at))
        .replace("<aws.scheduler.execution-id>", execution_id)
        .replace("<aws.scheduler.attempt-number>", "1")  # the first attempt always succeeds here
    )
    return json.loads(text)
