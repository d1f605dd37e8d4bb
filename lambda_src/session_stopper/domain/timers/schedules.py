"""A session's timers: one schedule at its deadline, one at its warning, in the stack's group.

Schedules are named after a hash of the session ARN, so any invocation can find or delete a
session's timers without a lookup table. Arming only creates (a session's timer that exists is
never replaced by arming: it may hold its owner's extension); only an extension moves one.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from pydantic import ValidationError

from session_stopper import clock
from session_stopper.config import SESSION_LIMIT_MINUTES, TimerSettings
from session_stopper.gateways.scheduler import OneTimeSchedule, SchedulerError, SchedulerGateway
from session_stopper.models.timer import TimerAction, TimerInput, format_instant
from session_stopper.observability import logger

# Scheduler fills these in the target input when the schedule fires.
SCHEDULE_ARN_ATTRIBUTE = "<aws.scheduler.schedule-arn>"
SCHEDULED_TIME_ATTRIBUTE = "<aws.scheduler.scheduled-time>"
_ONE_SECOND = timedelta(seconds=1)


def _to_second(moment: datetime, *, up: bool) -> datetime:
    whole = moment.replace(microsecond=0)
    return whole + _ONE_SECOND if up and whole != moment else whole


def hard_limit(created: datetime) -> datetime:
    """Device Farm ends the session by then anyway: no timer is ever armed past it."""
    return _to_second(created + timedelta(minutes=SESSION_LIMIT_MINUTES), up=False)


def deadline_of(created: datetime, budget_minutes: int) -> datetime:
    """`created` + the budget, to the second (schedules have no finer grain), within the limit."""
    deadline = _to_second(created + timedelta(minutes=budget_minutes), up=True)
    return min(deadline, hard_limit(created))


@dataclass(frozen=True)
class ArmResult:
    """A timer this call armed; `warning_at` None when no warning was (or could be) armed."""

    warning_at: datetime | None


class TimerChangedError(Exception):
    """The session's expiry schedule appeared or went away between reading and moving it."""


def schedule_names(session_arn: str) -> tuple[str, str]:
    """The expiry and warning schedule names (64 characters at most, as Scheduler requires)."""
    digest = hashlib.sha256(session_arn.encode()).hexdigest()[:48]
    return f"expiry-{digest}", f"warning-{digest}"


class SessionTimers:
    def __init__(
        self,
        settings: TimerSettings,
        scheduler: SchedulerGateway,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._settings = settings
        self._scheduler = scheduler
        self._now = now

    @property
    def warning_lead(self) -> timedelta:
        return timedelta(minutes=self._settings.warning_lead_minutes)

    @property
    def max_extension_minutes(self) -> int:
        return self._settings.max_extension_minutes

    def warning_time(self, deadline: datetime) -> datetime | None:
        """When to warn before `deadline`; None with no lead time configured."""
        return deadline - self.warning_lead if self._settings.warning_lead_minutes else None

    def move(
        self, session_arn: str, deadline: datetime, budget_minutes: int, *, armed: bool
    ) -> datetime | None:
        """Write the expiry schedule at `deadline`, then the warning one if its time is still
        ahead; returns the warning's time, or None when none was armed. Only an extension moves a
        timer: it computed `deadline` from what it read, `armed` saying whether the expiry
        schedule existed. The write is conditioned on that (update it, or create it), so a timer
        that fired or was armed in between is never overwritten blind, and the write is one
        call. Raises TimerChangedError then (nothing was written), SchedulerError on failure."""
        expiry_name, _ = schedule_names(session_arn)
        expire = timer_input(TimerAction.EXPIRE, session_arn, deadline, budget_minutes)
        expiry = self._schedule(expiry_name, deadline, expire)
        written = self._scheduler.update(expiry) if armed else self._scheduler.create(expiry)
        if not written:
            raise TimerChangedError(session_arn)
        return self._warning(session_arn, deadline, budget_minutes, self._scheduler.put)

    def arm_if_absent(
        self, session_arn: str, deadline: datetime, budget_minutes: int
    ) -> ArmResult | None:
        """Create the expiry schedule unless the session has one (None: it is left as it is,
        whoever armed it, maybe an extension racing this call), then the warning the same way.
        Raises SchedulerError."""
        expiry_name, _ = schedule_names(session_arn)
        expire = timer_input(TimerAction.EXPIRE, session_arn, deadline, budget_minutes)
        if not self._scheduler.create(self._schedule(expiry_name, deadline, expire)):
            return None
        warning_at = self._warning(session_arn, deadline, budget_minutes, self._scheduler.create)
        return ArmResult(warning_at)

    def _warning(
        self,
        session_arn: str,
        deadline: datetime,
        budget_minutes: int,
        write: Callable[[OneTimeSchedule], object],
    ) -> datetime | None:
        warning_at = self.warning_time(deadline)
        if warning_at is None or warning_at <= self._now():
            return None
        _, warning_name = schedule_names(session_arn)
        warn = timer_input(TimerAction.WARN, session_arn, deadline, budget_minutes)
        write(self._schedule(warning_name, warning_at, warn))
        return warning_at

    def current(self, session_arn: str) -> TimerInput | None:
        """The armed expiry timer's input, or None when the session has none. Raises
        SchedulerError."""
        expiry_name, _ = schedule_names(session_arn)
        raw = self._scheduler.input_of(self._settings.schedule_group, expiry_name)
        if raw is None:
            return None
        try:
            return TimerInput.model_validate_json(raw)
        except ValidationError:
            logger.warning("an expiry schedule with input we did not write", extra={"name": raw})
            return None

    def disarm(self, session_arn: str) -> None:
        """Delete both schedules. A failure is logged, not raised: whatever ended the session has
        happened, and a timer left behind finds it ended (ALREADY_ENDED)."""
        for name in schedule_names(session_arn):
            self.delete_schedule(name)

    def delete_schedule(self, name: str) -> None:
        """Delete one of a session's schedules (`schedule_names`), logging a failure as
        `disarm` does; the two are independent, so a caller may delete them at once."""
        try:
            self._scheduler.delete(self._settings.schedule_group, name)
        except SchedulerError as error:
            logger.warning("could not delete a timer", extra={"schedule": name, "code": error.code})

    def _schedule(self, name: str, at: datetime, payload: TimerInput) -> OneTimeSchedule:
        return OneTimeSchedule(
            group=self._settings.schedule_group,
            name=name,
            at=at,
            input=payload.model_dump_json(by_alias=True),
            target_arn=self._settings.target_arn,
            role_arn=self._settings.role_arn,
            description=f"{payload.action} {payload.arn}",
        )


def timer_input(
    action: TimerAction, session_arn: str, deadline: datetime, budget_minutes: int
) -> TimerInput:
    """What a schedule sends; Scheduler fills in the schedule's ARN and time when it fires."""
    return TimerInput(
        action=action.value,
        arn=session_arn,
        deadline=format_instant(deadline),
        budget_minutes=budget_minutes,
        schedule_arn=SCHEDULE_ARN_ATTRIBUTE,
        scheduled_time=SCHEDULED_TIME_ATTRIBUTE,
    )
