"""The stop decision for one session: read it, stop it only if it is still active.

Device Farm does not document what Stop does to a session that already ended, so the session is
read first and Stop is only called on an active one. A Stop that loses a race with the session's
own end (ArgumentException / NotFoundException) still means the session is over.
"""

from __future__ import annotations

from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.selection import Exemption
from session_stopper.gateways.devicefarm import DeviceFarmError, DeviceFarmGateway, PacedOutError
from session_stopper.models.enums import ENDED_STATUSES
from session_stopper.models.outcome import Outcome, OutcomeError, OutcomeMessage
from session_stopper.models.session import RemoteAccessSession
from session_stopper.observability import logger

NOT_FOUND_CODES = frozenset({"NotFoundException"})
# The real service answers a malformed ARN with ValidationException (not in the model).
BAD_ARN_CODES = frozenset({"ArgumentException", "ValidationException"})
STOP_RACE_CODES = frozenset({"ArgumentException", "NotFoundException"})


def stop_session(
    arn: str,
    origin: Origin,
    gateway: DeviceFarmGateway,
    exemption: Exemption | None = None,
    *,
    defer_when_paced: bool = False,
) -> OutcomeMessage:
    """`exemption` is given for automatic stops: an active session it covers is SKIPPED.
    `defer_when_paced` (sweeps): a call the pacer refused raises PacedOutError instead of
    becoming a FAILED outcome, so the session is left to the sweep's continuation."""
    try:
        session = gateway.get_session(arn)
    except DeviceFarmError as error:
        if defer_when_paced and isinstance(error, PacedOutError):
            raise
        return _outcome_of_failed_read(arn, origin, error)
    if session.status in ENDED_STATUSES:
        return outcome_message(Outcome.ALREADY_ENDED, origin, arn=arn, session=session)
    reason = exemption.reason(session) if exemption else None
    if reason:
        return outcome_message(Outcome.SKIPPED, origin, arn=arn, session=session, reason=reason)
    return _stop_active(session, origin, gateway, defer_when_paced)


def _stop_active(
    session: RemoteAccessSession, origin: Origin, gateway: DeviceFarmGateway, defer: bool
) -> OutcomeMessage:
    try:
        stopped = gateway.stop_session(session.arn)
    except DeviceFarmError as error:
        if defer and isinstance(error, PacedOutError):
            raise
        if error.code in STOP_RACE_CODES:
            logger.info("session ended while we stopped it", extra={"code": error.code})
            return outcome_message(
                Outcome.ALREADY_ENDED, origin, arn=session.arn, session=session, error=_error(error)
            )
        return outcome_message(
            Outcome.FAILED, origin, arn=session.arn, session=session, error=_error(error)
        )
    return outcome_message(Outcome.STOPPED, origin, arn=session.arn, session=stopped)


def _outcome_of_failed_read(arn: str, origin: Origin, error: DeviceFarmError) -> OutcomeMessage:
    if error.code in NOT_FOUND_CODES:
        outcome = Outcome.NOT_FOUND
    elif error.code in BAD_ARN_CODES:
        outcome = Outcome.REJECTED
    else:
        outcome = Outcome.FAILED
    return outcome_message(outcome, origin, arn=arn, error=_error(error))


def _error(error: DeviceFarmError) -> OutcomeError:
    return OutcomeError(code=error.code, message=error.message)
