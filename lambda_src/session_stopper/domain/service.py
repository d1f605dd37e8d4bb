"""Stop one session at most once per idempotency window, and publish what happened.

The idempotent unit is the decision and the Stop call, keyed by the session ARN: a repeat
inside the window gets the first outcome back without another Stop call or SNS message.
Publishing happens outside it, by the invocation that decided (recognised by its correlation
id), so a retry of that invocation after SNS refused republishes the true outcome instead of
deciding again and reporting ALREADY_ENDED. Outcomes a later call could change (FAILED, and
SKIPPED by an automatic stop's exemption) are not remembered, so the next attempt really tries.

What follows a decision does not wait for the idempotency record: as soon as the outcome is
known, its publish and (for an ended session) the deletes of its two timers start on threads of
their own, while Powertools writes the record; `stop` joins them all before it returns or
raises, so no work outlives the invocation. Only Get and Stop, which must be sequential, and the
in-progress record before them (the lock that makes the Stop single) stay on the critical path.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait

import boto3
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from session_stopper.config import settings
from session_stopper.domain.accounts import ORGANIZATION_NOT_READ
from session_stopper.domain.announce import publish_for_everyone
from session_stopper.domain.outcomes import (
    Origin,
    message_attributes,
    record_metrics,
)
from session_stopper.domain.selection import Exemption
from session_stopper.domain.stop import stop_session
from session_stopper.domain.timers.schedules import SessionTimers, schedule_names
from session_stopper.gateways.budgets import budgets_for
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.gateways.outcomes import OutcomePublisher, PublishError
from session_stopper.models.outcome import Outcome, OutcomeMessage, TimerFacts
from session_stopper.models.sweep import SweepSummary
from session_stopper.models.timer import Notice
from session_stopper.observability import logger, metrics


class StopRequest(BaseModel):
    """The idempotency payload: only `arn` forms the key (see IdempotencyConfig below)."""

    model_config = ConfigDict(frozen=True)

    arn: str
    origin: Origin
    exemption: Exemption | None = None
    timer: TimerFacts | None = None
    # A sweep's stop: a call the pacer refused raises PacedOutError (nothing is remembered).
    defer_when_paced: bool = False


# The session is over: whatever ended it, its timers have nothing left to do.
_ENDED_OUTCOMES = frozenset({Outcome.STOPPED, Outcome.ALREADY_ENDED, Outcome.NOT_FOUND})


class _NotRemembered(Exception):
    """Carries an outcome out of the idempotent function so Powertools forgets the attempt."""

    def __init__(self, message: OutcomeMessage) -> None:
        super().__init__(message.outcome)
        self.message = message


class OutcomeNotPublishedError(Exception):
    """SNS refused the outcome after retries. The outcome rides along so it is never lost."""

    def __init__(self, message: OutcomeMessage, cause: str) -> None:
        super().__init__(
            f"outcome {message.outcome} for {message.session_arn} not published: {cause}"
        )
        self.message = message


class _FollowUp:
    """A decided outcome's publish and timer deletes, running on threads of their own."""

    def __init__(self, arn: str, message: OutcomeMessage, publish: Callable[[], None]) -> None:
        self.arn = arn
        self.message = message
        self._pool = ThreadPoolExecutor(max_workers=3, thread_name_prefix="stop-follow-up")
        self._published = self._submit(publish)
        self._others: list[Future[None]] = []

    def also(self, task: Callable[[], None]) -> None:
        self._others.append(self._submit(task))

    def _submit(self, task: Callable[[], None]) -> Future[None]:
        arn = self.arn

        def in_session() -> None:  # the calling thread's log keys are its own
            logger.thread_safe_append_keys(session_arn=arn)
            try:
                task()
            finally:
                logger.thread_safe_remove_keys(["session_arn"])

        return self._pool.submit(in_session)

    def finish(self) -> OutcomeMessage:
        """Wait for every task, then return the outcome; raises OutcomeNotPublishedError when
        SNS refused it (after the timers were deleted all the same), which goes first: it
        carries the outcome, to be parked."""
        try:
            wait([self._published, *self._others])
            self._published.result()
            for other in self._others:
                other.result()
        finally:
            self._pool.shutdown(wait=True)
        return self.message


@functools.cache
def _idempotency_config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="arn",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=settings().idempotency_window_seconds,
    )


@functools.cache
def _persistence(interactive: bool = False) -> DynamoDBPersistenceLayer:
    # Our client, from boto3's default session: left to itself, Powertools builds a boto3
    # Session of its own, which loads botocore's endpoint data again (about 10 MiB and 40 ms
    # of a cold start).
    budget = budgets_for(interactive).dynamodb
    return DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table_name,
        boto3_client=budget.guarded(boto3.client("dynamodb", config=budget.config())),
    )


def register_lambda_context(context: LambdaContext) -> None:
    """Lets Powertools expire in-progress records when this invocation would time out."""
    _idempotency_config().register_lambda_context(context)


class StopService:
    """`interactive` picks the API's call budgets (see gateways/budgets.py) for every call."""

    def __init__(
        self,
        gateway: DeviceFarmGateway | None = None,
        publisher: OutcomePublisher | None = None,
        *,
        interactive: bool = False,
        timers: SessionTimers | None = None,
    ) -> None:
        self._gateway = gateway or DeviceFarmGateway(interactive=interactive)
        self._publisher = publisher or OutcomePublisher(interactive=interactive)
        self._timers = timers
        self._follow_ups = threading.local()  # the follow-up `_decide` started, per caller
        self._decide_once: Callable[..., OutcomeMessage] = idempotent_function(
            data_keyword_argument="request",
            persistence_store=_persistence(interactive),
            config=_idempotency_config(),
            output_serializer=PydanticSerializer(model=OutcomeMessage),
        )(self._decide)

    def stop(
        self,
        arn: str,
        origin: Origin,
        exemption: Exemption | None = None,
        *,
        timer: TimerFacts | None = None,
        defer_when_paced: bool = False,
    ) -> OutcomeMessage:
        """Stop the session (at most once per window); publish the outcome if we decided it,
        then delete the session's timers if it is over.

        Automatic stops pass an `exemption`: a protected session (or any, in a dry run) is
        SKIPPED instead; an expiry timer passes its `timer` facts for the outcome. Raises
        OutcomeNotPublishedError (carrying the outcome) when SNS refuses it; with
        `defer_when_paced` (sweeps), PacedOutError when the pacer refused a call: nothing was
        decided, remembered or published.

        The publish and the timer deletes of an outcome decided here run while Powertools
        records it (see the module's docstring); if recording it fails once they have started,
        the outcome is still the truth and is returned (or raised, unpublished) as it would be
        otherwise: the record stays in progress until it expires, as Powertools leaves it."""
        logger.thread_safe_append_keys(session_arn=arn)
        self._follow_ups.started = None
        try:
            try:
                request = StopRequest(
                    arn=arn,
                    origin=origin,
                    exemption=exemption,
                    timer=timer,
                    defer_when_paced=defer_when_paced,
                )
                message = self._decide_once(request=request)
            except _NotRemembered as signal:
                message = signal.message
            except Exception:
                started = self._started_follow_up()
                if started is None:
                    raise
                logger.exception("outcome decided but not recorded in the idempotency store")
                return started.finish()
            started = self._started_follow_up()
            if started is not None:
                return started.finish()
            if message.correlation_id != origin.correlation_id:
                logger.info("repeat inside the idempotency window: first outcome returned")
                return message.model_copy(update={"replay": True, "replayed_for": origin.trigger})
            # The invocation that decided, retried (SNS refused it before): publish it again.
            return self._follow_up(arn, message).finish()
        finally:
            logger.thread_safe_remove_keys(["session_arn"])

    def _started_follow_up(self) -> _FollowUp | None:
        started: _FollowUp | None = getattr(self._follow_ups, "started", None)
        self._follow_ups.started = None
        return started

    def _follow_up(self, arn: str, message: OutcomeMessage) -> _FollowUp:
        """Start publishing `message` and, for an ended session, deleting its two timers, all
        at once (the deletes do not depend on the publish, nor on each other)."""
        record_metrics(message)  # on the calling thread, as every metric
        follow_up = _FollowUp(arn, message, functools.partial(self._send, message))
        if self._timers and message.outcome in _ENDED_OUTCOMES:
            for name in schedule_names(arn):
                follow_up.also(functools.partial(self._timers.delete_schedule, name))
        return follow_up

    def publish(self, message: OutcomeMessage) -> None:
        """Count, publish and log one outcome; raises OutcomeNotPublishedError if SNS refuses.

        Counted first: what happened to the session is true whether or not SNS takes it."""
        record_metrics(message)
        self._send(message)

    def _send(self, message: OutcomeMessage) -> None:
        """Publish and log one outcome (uncounted); raises OutcomeNotPublishedError."""
        try:
            publish_for_everyone(self._publisher, message, message_attributes(message))
        except PublishError as error:
            raise OutcomeNotPublishedError(message, str(error)) from error
        logger.info(
            "outcome published",
            extra={
                "outcome": message.outcome.value,
                "session_arn": message.session_arn,
                "error": message.error.model_dump() if message.error else None,
            },
        )

    def publish_or_park(self, message: OutcomeMessage) -> None:
        """Publish; if SNS refuses, keep the outcome in the dead-letter queue instead."""
        try:
            self.publish(message)
        except OutcomeNotPublishedError as error:
            self.park(error)

    def park(self, error: OutcomeNotPublishedError) -> None:
        """Keep an outcome SNS refused in the dead-letter queue (raises ParkError if that fails)."""
        self._publisher.park(error.message, message_attributes(error.message), str(error))

    def publish_summary(self, summary: SweepSummary) -> None:
        metrics.add_metric(
            name="SweepSessionsLeftUndone", unit=MetricUnit.Count, value=summary.left_undone_count
        )
        # An organization that could not be read hides accounts nobody knows of: one at least.
        unread = any(f.code == ORGANIZATION_NOT_READ for f in summary.listing_failures)
        unreached = sum(1 for account in summary.accounts if not account.reached) + int(unread)
        metrics.add_metric(name="AccountsNotReached", unit=MetricUnit.Count, value=unreached)
        self.publish_notice(summary)

    def publish_notice(self, notice: SweepSummary | Notice) -> None:
        """Publish a message that is not an outcome (a sweep summary, a timer's news); one SNS
        refuses is parked rather than failing the invocation."""
        attributes = {"messageType": notice.message_type, "trigger": notice.trigger.kind.value}
        if isinstance(notice, SweepSummary):
            # Email's filter policy reads attributes only: it gets the summaries worth reading.
            attributes["needsAPerson"] = str(notice.needs_a_person).lower()
        try:
            publish_for_everyone(self._publisher, notice, attributes)
        except PublishError as error:
            self._publisher.park(notice, attributes, str(error))

    def _decide(self, request: StopRequest) -> OutcomeMessage:
        message = stop_session(
            request.arn,
            request.origin,
            self._gateway,
            request.exemption,
            defer_when_paced=request.defer_when_paced,
        )
        if request.timer:
            message = message.model_copy(update={"timer": request.timer})
        # Decided: what follows starts now, while Powertools records (or forgets) the decision.
        self._follow_ups.started = self._follow_up(request.arn, message)
        # A retry could change a failure, and a skip must not stand in for a later explicit stop.
        if message.outcome in {Outcome.FAILED, Outcome.SKIPPED}:
            raise _NotRemembered(message)
        return message
