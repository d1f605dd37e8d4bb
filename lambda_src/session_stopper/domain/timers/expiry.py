"""Expiry timers end to end: arm a deadline when a session is created, warn before it, stop at
it, forget it when the session ends (its owner moves it through domain/timers/extension.py).

Every stop goes through StopService, the same validated, idempotent, published path as any
other. A timer that cannot be armed is reported (`timer` NOT_ARMED) and left to the sweep, which
arms what is missing: a Scheduler failure never loses a stop.

Events arrive late, twice and out of order, so the deadline in force is the armed timer's, or
the latest extension recorded (gateways/extension_ledger.py) when the timer is gone; a budget's
deadline only applies to a session that has neither. Arming never replaces a timer that exists,
a session that has ended is never armed, and a timer whose deadline has moved later stops
nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from session_stopper import clock
from session_stopper.config import Settings
from session_stopper.domain.authority import Authority
from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.selection import Exemption, age_minutes
from session_stopper.domain.service import StopService
from session_stopper.domain.session_budgets import EXEMPT, Budget, ProjectBudgets
from session_stopper.domain.timers import creation
from session_stopper.domain.timers.extension import Extensions
from session_stopper.domain.timers.notices import not_armed, timer_notice, unmatched
from session_stopper.domain.timers.schedules import SessionTimers, deadline_of, timer_input
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway
from session_stopper.gateways.extension_ledger import LedgerError
from session_stopper.gateways.scheduler import SchedulerError
from session_stopper.models.arn import arn_parts
from session_stopper.models.cloudtrail import CloudTrailRecord
from session_stopper.models.enums import ENDED_STATUSES, BillingMethod
from session_stopper.models.outcome import (
    Outcome,
    OutcomeError,
    OutcomeMessage,
    SessionSummary,
    TimerFacts,
)
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.timer import (
    TimerAction,
    TimerInput,
    TimerMessage,
    TimerStatus,
    WarningMessage,
    format_instant,
)
from session_stopper.observability import logger

TAGS_UNREADABLE = "TAGS_UNREADABLE"
EXTENSIONS_UNREADABLE = "EXTENSIONS_UNREADABLE"


@dataclass(frozen=True)
class Ignored:
    """Nothing to do and nothing to publish (a late or repeated event, a superseded timer); `why`
    is logged and answered to the invocation."""

    why: str


class Expiry:
    def __init__(
        self,
        *,
        settings: Settings,
        authority: Authority,
        devicefarm: DeviceFarmGateway,
        timers: SessionTimers,
        budgets: ProjectBudgets,
        service: StopService,
        extensions: Extensions,
        now: Callable[[], datetime] = clock.now,
    ) -> None:
        self._settings = settings
        self._authority = authority
        self._devicefarm = devicefarm
        self._timers = timers
        self._budgets = budgets
        self._service = service
        self._extensions = extensions
        self._now = now

    # -- arming ------------------------------------------------------------------------------

    def on_created(
        self, record: CloudTrailRecord, origin: Origin
    ) -> TimerMessage | OutcomeMessage | Ignored:
        """Arm the timer of the session a CreateRemoteAccessSession record created, unless it
        has one (the record is late or repeated: the timer may hold its owner's extension).
        Ignored for a session outside this deployment's scope or already over."""
        session = self._created_session(record, origin)
        if session is None:
            return Ignored("out of scope")
        if isinstance(session, TimerMessage):
            return self._announce(session)
        if session.status in ENDED_STATUSES:
            return Ignored("the session ended before its creation was reported")
        return self._arm_if_absent(session, origin)

    def reconcile(
        self, session: RemoteAccessSession, origin: Origin
    ) -> TimerMessage | OutcomeMessage | None:
        """For the sweep: arm the timer of an active session that has none; None when it has
        one already, or has ended since the sweep listed it (it is read again first: someone
        may have stopped it, and disarmed it, meanwhile)."""
        try:
            armed = self._timers.current(session.arn)
        except SchedulerError as error:
            return self._announce(not_armed(session.arn, origin, error.code, error))
        if armed:
            return None
        try:
            session = self._devicefarm.get_session(session.arn)
        except DeviceFarmError as error:
            return self._announce(not_armed(session.arn, origin, error.code, error))
        if session.status in ENDED_STATUSES:
            return None
        result = self._arm_if_absent(session, origin)
        return None if isinstance(result, Ignored) else result

    def _arm_if_absent(
        self, session: RemoteAccessSession, origin: Origin
    ) -> TimerMessage | OutcomeMessage | Ignored:
        """Arm the session's deadline and warning if it has no timer. The deadline is the later
        of its budget's and any extension recorded for it; one already past is stopped now (only
        here: never over a timer that exists), and one inside its warning time warned now."""
        found = self._deadline_to_arm(session, origin)
        if not isinstance(found, tuple):
            return found
        deadline, minutes, budget = found
        arn = session.arn
        if deadline <= self._now():
            return self.expire(timer_input(TimerAction.EXPIRE, arn, deadline, minutes), origin)
        try:
            armed_now = self._timers.arm_if_absent(arn, deadline, minutes)
        except SchedulerError as error:
            return self._announce(not_armed(arn, origin, error.code, error))
        if armed_now is None:
            return Ignored("a timer was armed meanwhile (an extension, another record): kept")
        if armed_now.warning_at is None and self._timers.warning_time(deadline):
            self._warn_session(session, deadline, origin)
        message = timer_notice(TimerStatus.ARMED, origin, arn, budget)
        return self._announce(
            message.model_copy(update={"deadline": deadline, "warning_at": armed_now.warning_at})
        )

    def _deadline_to_arm(
        self, session: RemoteAccessSession, origin: Origin
    ) -> tuple[datetime, int, Budget] | TimerMessage | OutcomeMessage | Ignored:
        """The deadline a session without a timer gets, and its budget; Ignored when it has a
        timer, a message when it gets none (exempt, or what could not be read)."""
        arn = session.arn
        try:
            armed = self._timers.current(arn)
            granted = None if armed else self._extensions.granted(arn)
        except SchedulerError as error:
            return self._announce(not_armed(arn, origin, error.code, error))
        except LedgerError as error:
            return self._announce(not_armed(arn, origin, EXTENSIONS_UNREADABLE, error))
        if armed:
            return Ignored(f"its timer is armed already (deadline {armed.deadline}): kept")
        try:
            budget = self._budgets.of_session(arn)
        except DeviceFarmError as error:
            return self._announce(not_armed(arn, origin, TAGS_UNREADABLE, error))
        if budget.minutes is None:
            return self._announce(timer_notice(TimerStatus.EXEMPT, origin, arn, budget))
        deadline = deadline_of(session.created or self._now(), budget.minutes)
        return (max(deadline, granted) if granted else deadline), budget.minutes, budget

    def armed_deadline(self, session_arn: str) -> datetime | None:
        """The deadline the session's timer holds, None without one. When Scheduler cannot say,
        None too: the budget's deadline has passed, and the sweep is the backstop for exactly
        the times Scheduler fails."""
        try:
            armed = self._timers.current(session_arn)
        except SchedulerError as error:
            logger.warning("cannot read a timer; its budget applies", extra={"code": error.code})
            return None
        return armed.deadline_at if armed else None

    def deadline_in_force(self, session_arn: str) -> datetime | None:
        """The later of the deadline its timer holds and the latest extension recorded for it:
        what a sweep must not stop it before. None when neither says anything (or neither can be
        read: then its budget's deadline applies)."""
        armed = self.armed_deadline(session_arn)
        try:
            granted = self._extensions.granted(session_arn)
        except LedgerError as error:
            logger.warning(
                "cannot read extensions; the timer's deadline applies", extra={"error": str(error)}
            )
            return armed
        return max(armed, granted) if armed and granted else armed or granted

    def on_stopped(self, session_arn: str) -> None:
        """Someone (we included) stopped the session: its timers have nothing left to do."""
        self._timers.disarm(session_arn)

    def _created_session(
        self, record: CloudTrailRecord, origin: Origin
    ) -> RemoteAccessSession | TimerMessage | None:
        arn = creation.arn_in_response(record.response_elements)
        if arn is not None:
            return None if self._authority.session_refusal(arn) else self._read_created(arn, origin)
        project = creation.requested_project(record.request_parameters)
        if project is None:
            return unmatched(origin, "the record names no valid projectArn")
        if self._authority.project_refusal(project):
            return None
        try:
            listed = [s for page in self._devicefarm.session_pages(project) for s in page]
        except DeviceFarmError as error:
            return not_armed(None, origin, error.code, error, project)
        found = creation.best_match(listed, record.request_parameters or {}, record.event_time)
        if found is None:
            return unmatched(
                origin, f"no session of {project} matches the request made at {record.event_time}"
            )
        return found

    def _read_created(self, arn: str, origin: Origin) -> RemoteAccessSession | TimerMessage:
        try:
            return self._devicefarm.get_session(arn)
        except DeviceFarmError as error:
            return not_armed(arn, origin, error.code, error)

    # -- firing ------------------------------------------------------------------------------

    def on_fired(self, timer: TimerInput, origin: Origin) -> OutcomeMessage | Ignored:
        """A session's expiry schedule fired: stop it, unless its deadline has moved later since
        that schedule was written (Scheduler retries a copy of the old one for up to an hour)."""
        later = self._later_deadline(timer)
        if later is not None:
            return Ignored(f"superseded: its deadline moved to {format_instant(later)}")
        return self.expire(timer, origin)

    def _later_deadline(self, timer: TimerInput) -> datetime | None:
        """A deadline in force later than the one `timer` carries, if any. When neither the timer
        nor the extensions can be read, the timer that fired stands: an unknown extension cannot
        hold a session that its own timer says is due."""
        moved = self.deadline_in_force(timer.arn)
        return moved if moved and moved > timer.deadline_at else None

    def expire(self, timer: TimerInput, origin: Origin) -> OutcomeMessage:
        """Stop the session at its deadline, unless its project is exempt, its name protected,
        or the deployment in dry run (then SKIPPED says so)."""
        facts = TimerFacts(
            deadline=timer.deadline_at,
            budget_minutes=timer.budget_minutes,
            overshoot_seconds=round((self._now() - timer.deadline_at).total_seconds(), 3),
        )
        try:
            budget = self._budgets.of_session(timer.arn)
        except DeviceFarmError as error:
            failure = OutcomeError(code=TAGS_UNREADABLE, message=str(error)[:500])
            message = outcome_message(Outcome.FAILED, origin, arn=timer.arn, error=failure)
            message = message.model_copy(update={"timer": facts})
            self._service.publish_or_park(message)
            return message
        if budget.exempt:
            skipped = outcome_message(Outcome.SKIPPED, origin, arn=timer.arn, reason=EXEMPT)
            skipped = skipped.model_copy(update={"timer": facts})
            self._service.publish_or_park(skipped)
            return skipped
        exemption = Exemption.of(self._settings.rules_for(arn_parts(timer.arn).account))
        return self._service.stop(timer.arn, origin, exemption, timer=facts)

    def warn(self, timer: TimerInput, origin: Origin) -> WarningMessage | None:
        """Tell the session's owner its deadline is near; nothing for an ended session, nor from a
        stale copy of a warning whose deadline moved since."""
        if self._later_deadline(timer) is not None:
            logger.info("no warning: the deadline moved since this warning was armed")
            return None
        try:
            session = self._devicefarm.get_session(timer.arn)
        except DeviceFarmError as error:
            logger.warning("cannot read the session to warn about", extra={"code": error.code})
            return None
        if session.status in ENDED_STATUSES:
            logger.info("no warning: the session already ended")
            return None
        return self._warn_session(session, timer.deadline_at, origin)

    def _warn_session(
        self, session: RemoteAccessSession, deadline: datetime, origin: Origin
    ) -> WarningMessage:
        now = self._now()
        minutes = age_minutes(session.started, session.created, now)
        metered = session.billing_method == BillingMethod.METERED
        message = WarningMessage(
            correlation_id=origin.correlation_id,
            trigger=origin.trigger,
            session_arn=session.arn,
            session=SessionSummary.of(session),
            deadline=deadline,
            minutes_left=round(max(0.0, (deadline - now).total_seconds() / 60), 1),
            minutes_so_far=round(minutes, 1),
            cost_so_far_usd=round(minutes * self._settings.price_per_device_minute, 2)
            if metered
            else 0.0,
            extend=self._extensions.hint(session, deadline),
        )
        self._service.publish_notice(message)
        return message

    # -- messages ----------------------------------------------------------------------------

    def _announce(self, message: TimerMessage | OutcomeMessage) -> TimerMessage | OutcomeMessage:
        if isinstance(message, TimerMessage):
            self._service.publish_notice(message)
        return message
