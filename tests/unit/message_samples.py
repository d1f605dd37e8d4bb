"""One of every message the function publishes, as the function builds them: for the renderers'
tests (email text, chat notifications) and the chat schema's."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from session_stopper.models.excerpt import excerpt_of
from session_stopper.models.outcome import (
    DeviceSummary,
    MinutesSummary,
    Outcome,
    OutcomeError,
    OutcomeMessage,
    SessionSummary,
    TimerFacts,
    Trigger,
    TriggerKind,
)
from session_stopper.models.sweep import (
    ListingFailure,
    PlannedSession,
    SweepAction,
    SweepCounts,
    SweepSummary,
    TimerCounts,
)
from session_stopper.models.timer import (
    ExtendedMessage,
    ExtendHint,
    TimerMessage,
    TimerStatus,
    WarningMessage,
)

NOW = datetime(2026, 11, 28, 3, 0, tzinfo=UTC)
ACCOUNT = "123456789012"
PROJECT = f"arn:aws:devicefarm:us-west-2:{ACCOUNT}:project:11111111-2222-3333-4444-555555555555"
ARN = (
    f"arn:aws:devicefarm:us-west-2:{ACCOUNT}:session:11111111-2222-3333-4444-555555555555/"
    "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee/00000"
)
OTHER_ARN = ARN.replace("aaaaaaaa", "bbbbbbbb")
RULE = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/session-stopper-dev-sweep-schedule"
SCHEDULE = (
    f"arn:aws:scheduler:eu-west-1:{ACCOUNT}:schedule/session-stopper-dev-timers/expiry-3f2a9c"
)
ALARM = f"arn:aws:cloudwatch:eu-west-1:{ACCOUNT}:alarm:qa-lab-budget"
CORRELATION = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


def session(name: str = "checkout-flow", arn: str = ARN, **changes: Any) -> SessionSummary:
    values: dict[str, Any] = {
        "arn": arn,
        "name": name,
        "status": "STOPPING",
        "result": "PENDING",
        "device": DeviceSummary(
            name="Google Pixel 8", platform="ANDROID", os="14", model="Pixel 8"
        ),
        "created": NOW - timedelta(minutes=62),
        "started": NOW - timedelta(minutes=61),
        "device_minutes": MinutesSummary(total=61.0, metered=61.0, unmetered=0.0),
        "billing_method": "METERED",
    }
    return SessionSummary(**{**values, **changes})


def outcome(kind: Outcome, **changes: Any) -> OutcomeMessage:
    values: dict[str, Any] = {
        "outcome": kind,
        "correlation_id": CORRELATION,
        "trigger": Trigger(kind=TriggerKind.API, id=CORRELATION),
        "session_arn": ARN,
        "session": session(),
        "occurred_at": NOW,
    }
    return OutcomeMessage(**{**values, **changes})


def sweep_summary(*, dry_run: bool) -> SweepSummary:
    reason = "DRY_RUN" if dry_run else "SELECTED"
    action = SweepAction.SKIP if dry_run else SweepAction.STOP
    planned = [
        PlannedSession(
            arn=ARN,
            name="forgotten-debug",
            device="Google Pixel 8",
            platform="ANDROID",
            status="RUNNING",
            age_minutes=75.0,
            device_minutes=75.0,
            cost_so_far_usd=12.75,
            action=action,
            reason=reason,
        ),
        PlannedSession(
            arn=OTHER_ARN,
            name="keep-perf-baseline",
            device="Apple iPhone 15",
            platform="IOS",
            status="RUNNING",
            age_minutes=90.0,
            device_minutes=90.0,
            cost_so_far_usd=15.3,
            action=SweepAction.SKIP,
            reason="PROTECTED",
        ),
    ]
    skipped = {"PROTECTED": 1, **({"DRY_RUN": 1} if dry_run else {})}
    outcomes = {"SKIPPED": 2} if dry_run else {"STOPPED": 1, "SKIPPED": 1}
    return SweepSummary(
        sweep_id="5d0f7e2a-sweep",
        correlation_id=CORRELATION,
        trigger=Trigger(kind=TriggerKind.SCHEDULE, id=RULE),
        dry_run=dry_run,
        kill_switch=False,
        max_age_minutes=60,
        selection="deadline",
        scope=[],
        inventory=SweepCounts(
            projects_listed=1,
            projects_failed=[PROJECT.replace("1111", "9999")],
            sessions_seen=4,
            sessions_active=3,
            sessions_selected=2,
        ),
        outcomes=outcomes,
        device_minutes_stopped=0.0 if dry_run else 75.0,
        estimated_savings_usd=0.0 if dry_run else 12.75,
        left_undone_count=0,
        left_undone=[],
        started_at=NOW,
        finished_at=NOW + timedelta(seconds=2),
        duration_seconds=1.8,
        timers=None if dry_run else TimerCounts(armed=1),
        skipped=skipped,
        sessions=planned,
        listing_failures=[
            ListingFailure(
                operation="ListRemoteAccessSessions",
                project_arn=PROJECT.replace("1111", "9999"),
                code="AccessDeniedException",
                message="not authorized to perform devicefarm:ListRemoteAccessSessions",
            )
        ],
    )


def timer(status: TimerStatus = TimerStatus.ARMED) -> TimerMessage:
    armed = status is TimerStatus.ARMED
    return TimerMessage(
        status=status,
        correlation_id=CORRELATION,
        trigger=Trigger(kind=TriggerKind.CLOUDTRAIL, id="event-1"),
        session_arn=None if status is TimerStatus.UNMATCHED else ARN,
        project_arn=PROJECT,
        deadline=NOW + timedelta(minutes=30) if armed else None,
        warning_at=NOW + timedelta(minutes=25) if armed else None,
        budget_minutes=30 if armed else None,
        budget_source="tag" if armed else None,
        error=OutcomeError(code="ThrottlingException", message="Rate exceeded")
        if status is TimerStatus.NOT_ARMED
        else None,
        occurred_at=NOW,
    )


def warning(*, extendable: bool = True) -> WarningMessage:
    return WarningMessage(
        correlation_id=CORRELATION,
        trigger=Trigger(kind=TriggerKind.EXPIRY, id=SCHEDULE.replace("expiry", "warning")),
        session_arn=ARN,
        session=session(status="RUNNING", result=None),
        deadline=NOW + timedelta(minutes=5),
        minutes_left=5.0,
        minutes_so_far=54.0,
        cost_so_far_usd=9.18,
        extend=ExtendHint(body={"arn": ARN, "minutes": 15}, max_minutes=60) if extendable else None,
        occurred_at=NOW,
    )


def extended() -> ExtendedMessage:
    return ExtendedMessage(
        correlation_id=CORRELATION,
        trigger=Trigger(kind=TriggerKind.API, id=CORRELATION),
        session_arn=ARN,
        session=session(status="RUNNING", result=None),
        previous_deadline=NOW,
        deadline=NOW + timedelta(minutes=10),
        minutes_added=10,
        latest_deadline=NOW + timedelta(minutes=60),
        occurred_at=NOW,
    )


def every_message() -> dict[str, BaseModel]:
    """Named so a failing case says which message it was."""
    timer_facts = TimerFacts(deadline=NOW, budget_minutes=60, overshoot_seconds=12.5)
    return {
        "stopped": outcome(Outcome.STOPPED),
        "stopped-by-timer": outcome(
            Outcome.STOPPED,
            trigger=Trigger(kind=TriggerKind.EXPIRY, id=SCHEDULE),
            timer=timer_facts,
        ),
        "stopped-by-alarm": outcome(
            Outcome.STOPPED, trigger=Trigger(kind=TriggerKind.ALARM, id=ALARM)
        ),
        "already-ended": outcome(Outcome.ALREADY_ENDED, session=session(status="COMPLETED")),
        "not-found": outcome(
            Outcome.NOT_FOUND,
            session=None,
            error=OutcomeError(code="NotFoundException", message="No session found"),
        ),
        "rejected": outcome(
            Outcome.REJECTED,
            session=None,
            session_arn=None,
            input=excerpt_of("arn:aws:devicefarm:bogus\u202e"),
            trigger=Trigger(kind=TriggerKind.EVENTBRIDGE, id="event-9"),
            error=OutcomeError(code="INVALID_ARN", message="must look like arn:aws:..."),
        ),
        "failed": outcome(
            Outcome.FAILED,
            session=session(status="RUNNING"),
            error=OutcomeError(code="LimitExceededException", message="Rate exceeded"),
        ),
        "failed-listing": outcome(
            Outcome.FAILED,
            session=None,
            session_arn=None,
            project_arn=PROJECT,
            trigger=Trigger(kind=TriggerKind.SCHEDULE, id=RULE),
            sweep_id="5d0f7e2a-sweep",
            error=OutcomeError(code="AccessDeniedException", message="not authorized"),
        ),
        "skipped-dry-run": outcome(
            Outcome.SKIPPED,
            reason="DRY_RUN",
            session=session(status="RUNNING"),
            trigger=Trigger(kind=TriggerKind.SCHEDULE, id=RULE),
            sweep_id="5d0f7e2a-sweep",
        ),
        "skipped-protected": outcome(
            Outcome.SKIPPED,
            reason="PROTECTED",
            session=session("keep-perf", status="RUNNING"),
        ),
        "skipped-exempt": outcome(
            Outcome.SKIPPED,
            reason="EXEMPT",
            session=None,
            trigger=Trigger(kind=TriggerKind.EXPIRY, id=SCHEDULE),
            timer=timer_facts,
        ),
        "skipped-alarm-expired": outcome(
            Outcome.SKIPPED,
            reason="ALARM_EXPIRED",
            session=None,
            session_arn=None,
            trigger=Trigger(kind=TriggerKind.ALARM, id=ALARM),
        ),
        "sweep-live": sweep_summary(dry_run=False),
        "sweep-dry-run": sweep_summary(dry_run=True),
        **{f"timer-{status.value.lower()}": timer(status) for status in TimerStatus},
        "warning": warning(),
        "warning-not-extendable": warning(extendable=False),
        "extended": extended(),
    }
