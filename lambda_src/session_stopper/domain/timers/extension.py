"""Moving a session's deadline: how far it may go, and the move itself (POST /sessions/extend).

A deadline moves within Device Farm's 150-minute limit and the operator's maximum past the
project's budget, from the deadline in force (the later of the armed timer's, else the budget's,
and the latest extension recorded) or from now when that has passed. Each new deadline is
recorded apart from the timer (gateways/extension_ledger.py), so a late CloudTrail record or
a sweep that finds the timer gone re-arms it there, not at the budget's. The warning's extend
hint offers the same room.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from http import HTTPStatus

from session_stopper import clock
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.service import StopService
from session_stopper.domain.session_budgets import EXEMPT, ProjectBudgets
from session_stopper.domain.timers.schedules import (
    SessionTimers,
    TimerChangedError,
    deadline_of,
    hard_limit,
)
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.gateways.extension_ledger import ExtensionLedger, LedgerError
from session_stopper.gateways.scheduler import SchedulerError
from session_stopper.models.enums import ENDED_STATUSES
from session_stopper.models.outcome import SessionSummary
from session_stopper.models.rejection import Rejection
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.timer import ExtendCommand, ExtendedMessage, ExtendHint
from session_stopper.observability import logger

# The example in a warning's extend hint: a useful step, never more than what is left.
SUGGESTED_EXTENSION_MINUTES = 15
# A recorded extension is kept this long after Device Farm's limit has ended its session.
LEDGER_MARGIN = timedelta(hours=1)
# Still throttled when the request's retry allowance ran out: the caller may try again later.
_THROTTLING_CODES = frozenset({"LimitExceededException", "ThrottlingException"})


TIMER_CHANGED = "TIMER_CHANGED"


class ExtensionRefusedError(Exception):
    """An extension that cannot be granted; `status` is the HTTP answer it deserves."""

    def __init__(self, status: HTTPStatus, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.rejection = Rejection(code=code, message=message)


@dataclass(frozen=True)
class _Deadlines:
    current: datetime
    latest: datetime
    budget_minutes: int
    armed: bool


class Extensions:
    def __init__(
        self,
        *,
        devicefarm: DeviceFarmGateway,
        timers: SessionTimers,
        budgets: ProjectBudgets,
        service: StopService,
        ledger: ExtensionLedger,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._devicefarm = devicefarm
        self._timers = timers
        self._ledger = ledger
        self._budgets = budgets
        self._service = service
        self._now = now

    def extend(self, command: ExtendCommand, origin: Origin) -> ExtendedMessage:
        """Move the deadline (and its warning) `minutes` later, within the 150-minute limit and
        the operator's maximum. Raises ExtensionRefusedError with the answer to give."""
        session = self._active_session(command.arn)
        try:
            deadlines = self._deadlines(session)
        except (DeviceFarmError, SchedulerError) as error:
            raise _unavailable(error) from error
        # A deadline already passed (the session is overdue) is extended from now: an extension
        # must leave the session time to run, not arm a timer in the past.
        start = max(deadlines.current, _to_the_second(self._now()))
        new_deadline = start + timedelta(minutes=command.minutes)
        if new_deadline > deadlines.latest:
            raise self._beyond_the_limit(start, deadlines.latest)
        try:
            self._timers.move(
                session.arn, new_deadline, deadlines.budget_minutes, armed=deadlines.armed
            )
        except TimerChangedError as error:
            raise ExtensionRefusedError(
                HTTPStatus.CONFLICT,
                TIMER_CHANGED,
                "the session's timer fired or was armed while this request read it; nothing "
                "was changed: send a new request",
            ) from error
        except SchedulerError as error:
            raise _unavailable(error) from error
        self._record(session, new_deadline)
        message = ExtendedMessage(
            correlation_id=origin.correlation_id,
            trigger=origin.trigger,
            session_arn=session.arn,
            session=SessionSummary.of(session),
            previous_deadline=deadlines.current,
            deadline=new_deadline,
            minutes_added=command.minutes,
            latest_deadline=deadlines.latest,
        )
        self._service.publish_notice(message)
        return message

    def granted(self, session_arn: str) -> datetime | None:
        """The latest deadline an extension gave the session, None if never extended (or no
        longer remembered: Device Farm has ended it). Raises LedgerError."""
        return self._ledger.latest(session_arn)

    def _record(self, session: RemoteAccessSession, deadline: datetime) -> None:
        """Keep the new deadline apart from the timer, which can be gone while the session runs.
        The timer moved already, and it is what fires: a failure here is logged, not answered."""
        forget_after = hard_limit(session.created or self._now()) + LEDGER_MARGIN
        try:
            self._ledger.record(session.arn, deadline, forget_after)
        except LedgerError as error:
            logger.warning(
                "extension not recorded; its timer holds it", extra={"error": str(error)}
            )

    def hint(self, session: RemoteAccessSession, deadline: datetime) -> ExtendHint | None:
        """What a warning offers: the request body to extend, None when there is no room."""
        try:
            room = self._deadlines(session).latest - deadline
        except (DeviceFarmError, SchedulerError, ExtensionRefusedError):
            return None
        minutes = int(room.total_seconds() // 60)
        if minutes < 1:
            return None
        return ExtendHint(
            body={"arn": session.arn, "minutes": min(minutes, SUGGESTED_EXTENSION_MINUTES)},
            max_minutes=minutes,
        )

    def _beyond_the_limit(self, start: datetime, latest: datetime) -> ExtensionRefusedError:
        room = max(0, int((latest - start).total_seconds() // 60))
        return ExtensionRefusedError(
            HTTPStatus.UNPROCESSABLE_ENTITY,
            "EXTENSION_LIMIT",
            f"the deadline can move {room} more minute(s) at most: the latest allowed is "
            f"{latest.isoformat()} (Device Farm's 150-minute limit, or the operator's maximum "
            f"of {self._timers.max_extension_minutes} minutes past the budget)",
        )

    def _active_session(self, arn: str) -> RemoteAccessSession:
        try:
            session = self._devicefarm.get_session(arn)
        except DeviceFarmError as error:
            if error.code == "NotFoundException":
                raise ExtensionRefusedError(
                    HTTPStatus.NOT_FOUND, "NOT_FOUND", "Device Farm knows no such session"
                ) from error
            raise _unavailable(error) from error
        if session.status in ENDED_STATUSES:
            raise ExtensionRefusedError(
                HTTPStatus.CONFLICT,
                "SESSION_ENDED",
                f"the session already ended ({session.status})",
            )
        return session

    def _deadlines(self, session: RemoteAccessSession) -> _Deadlines:
        """The deadline in force (the armed timer's, else the budget's) and the furthest one."""
        budget = self._budgets.of_session(session.arn)
        if budget.minutes is None:
            raise ExtensionRefusedError(
                HTTPStatus.CONFLICT, EXEMPT, "the session's project is exempt: it has no deadline"
            )
        created = session.created or self._now()
        armed = self._timers.current(session.arn)
        base = deadline_of(created, budget.minutes)
        latest = min(
            hard_limit(created), base + timedelta(minutes=self._timers.max_extension_minutes)
        )
        granted = self._granted_or_none(session.arn)
        current = armed.deadline_at if armed else base
        current = max(current, granted) if granted else current
        budget_minutes = armed.budget_minutes if armed else budget.minutes
        return _Deadlines(current, latest, budget_minutes, armed=armed is not None)

    def _granted_or_none(self, session_arn: str) -> datetime | None:
        """An unreadable record counts as none: the armed timer (else the budget) is the base,
        and the record only ever moves forwards, so nothing granted is lost by it."""
        try:
            return self.granted(session_arn)
        except LedgerError as error:
            logger.warning("cannot read extensions", extra={"error": str(error)})
            return None


def _to_the_second(moment: datetime) -> datetime:
    return moment.replace(microsecond=0)


def _unavailable(error: DeviceFarmError | SchedulerError) -> ExtensionRefusedError:
    if error.code in _THROTTLING_CODES:
        return ExtensionRefusedError(
            HTTPStatus.TOO_MANY_REQUESTS, "THROTTLED", f"{error.code}: {error.message}"
        )
    if isinstance(error, SchedulerError):
        return ExtensionRefusedError(
            HTTPStatus.SERVICE_UNAVAILABLE,
            "SCHEDULER_UNAVAILABLE",
            f"{error.code}: {error.message}",
        )
    return ExtensionRefusedError(
        HTTPStatus.BAD_GATEWAY, "DEVICE_FARM_ERROR", f"{error.code}: {error.message}"
    )
