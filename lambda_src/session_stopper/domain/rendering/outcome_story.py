"""The story of an outcome: what became of one session a stop was asked for (or of a project a
sweep could not list)."""

from __future__ import annotations

from session_stopper.domain.rendering.story_parts import (
    EXTEND_REQUEST,
    GO_LIVE,
    arn_facts,
    context_of,
    error_facts,
    keywords,
    resources_of,
    session_facts,
    session_subject,
    session_thread,
    stop_request_step,
)
from session_stopper.domain.rendering.story_types import Fact, Step, Story
from session_stopper.domain.rendering.words import (
    arn_region,
    arn_tail,
    clean,
    instant,
    minutes,
    money,
    reason_phrase,
    session_label,
    short_device,
    trigger_phrase,
)
from session_stopper.models.enums import BillingMethod
from session_stopper.models.outcome import Outcome, OutcomeMessage, SessionSummary

# Triggers that stop sessions on their own, not because a person asked for this one.
AUTOMATIC_TRIGGERS = frozenset({"schedule", "expiry", "alarm", "cloudtrail"})


def outcome_story(message: OutcomeMessage, price_per_minute: float) -> Story:
    arn = message.session_arn
    label = session_label(message.session, arn)
    return Story(
        event_type=f"outcome.{message.outcome.value}",
        subject=_subject(message, label),
        headline=_headline(message, label),
        correlation_id=message.correlation_id,
        facts=tuple(_facts(message, price_per_minute)),
        next_steps=tuple(_steps(message)),
        keywords=keywords(
            message.outcome.value, message.trigger.kind.value, message.platform, message.reason
        ),
        resources=resources_of(arn, message.project_arn),
        thread=session_thread(arn or message.project_arn or message.correlation_id),
        context=context_of(message.correlation_id, message.trigger.kind.value, message.sweep_id),
    )


def _facts(message: OutcomeMessage, price_per_minute: float) -> list[Fact]:
    session = message.session
    return [
        *session_facts(session, message.session_arn),
        *arn_facts("Project", message.project_arn),
        *_minutes_facts(session, price_per_minute, stopped=message.outcome is Outcome.STOPPED),
        Fact("Asked by", trigger_phrase(message.trigger, message.sweep_id)),
        *([Fact("Why skipped", reason_phrase(message.reason))] if message.reason else []),
        *error_facts(message.error),
        *_input_facts(message),
        *_timer_facts(message),
        Fact("When", instant(message.occurred_at)),
    ]


def _subject(message: OutcomeMessage, label: str) -> str:
    outcome = message.outcome.value
    if message.project_arn:
        return f"{outcome} listing project {arn_tail(message.project_arn)}"
    if message.outcome is Outcome.REJECTED:
        code = message.error.code if message.error else "invalid request"
        return f"REJECTED {message.trigger.kind.value} request: {code}"
    device = short_device(message.session.device if message.session else None)
    subject = session_subject(outcome, label, device)
    if message.outcome is Outcome.FAILED and message.error:
        return f"{subject}: {message.error.code}"
    if message.outcome is Outcome.SKIPPED and message.reason:
        return f"{subject}: {message.reason}"
    return subject


def _headline(message: OutcomeMessage, label: str) -> str:
    session = f"Device Farm session {label}"
    if message.project_arn:
        return (
            f"A sweep could not list the sessions of project {arn_tail(message.project_arn)}: "
            "they were not checked."
        )
    reason = message.reason
    headlines = {
        Outcome.STOPPED: f"{session} was stopped.",
        Outcome.ALREADY_ENDED: f"{session} had already ended: nothing was stopped.",
        Outcome.NOT_FOUND: f"Device Farm knows no session {label}: nothing was stopped.",
        Outcome.REJECTED: "A request to stop a session was refused: nothing was stopped.",
        Outcome.FAILED: f"{session} could not be stopped: it may still be running and billing.",
    }
    if message.outcome in headlines:
        return headlines[message.outcome]
    if reason == "DRY_RUN":
        return f"{session} would have been stopped, but the deployment is in dry run."
    if reason == "ALARM_EXPIRED":
        return "An alarm event came too late to act on: nothing was stopped."
    return f"{session} was left running: {reason_phrase(reason)}."


def _steps(message: OutcomeMessage) -> list[Step]:
    if message.project_arn:
        return [
            Step("Nothing to do at once: the next sweep lists the project again."),
            Step(
                "If it keeps failing, check the error: the project may be gone, or the "
                "function may lack devicefarm:ListRemoteAccessSessions on it."
            ),
        ]
    if message.outcome is Outcome.STOPPED:
        return _stopped_steps(message)
    if message.outcome is Outcome.FAILED:
        return _failed_steps(message)
    if message.outcome is Outcome.SKIPPED:
        return _skipped_steps(message)
    return [
        {
            Outcome.ALREADY_ENDED: Step("Nothing to do."),
            Outcome.NOT_FOUND: Step(
                "Check the ARN: it names no session of this account in that region."
            ),
        }.get(message.outcome, Step("Fix the request that asked (see Error): nothing was stopped."))
    ]


def _stopped_steps(message: OutcomeMessage) -> list[Step]:
    steps = [Step("Nothing to do: Device Farm bills no more minutes for a stopped session.")]
    if message.trigger.kind.value in AUTOMATIC_TRIGGERS:
        steps.append(
            Step(
                "Sessions of this project need longer? Give the project a budget with the tag "
                "session-stopper:max-minutes (1 to 150), or extend a session when its warning "
                f"comes ({EXTEND_REQUEST})."
            )
        )
    return steps


def _failed_steps(message: OutcomeMessage) -> list[Step]:
    arn = clean(message.session_arn or "")
    throttled = message.error is not None and message.error.code == "LimitExceededException"
    return [
        Step(
            "Device Farm throttled the call; the next sweep or timer tries again."
            if throttled
            else "Retry the stop, or check the error first."
        ),
        Step(
            "To stop it by hand, with the AWS CLI:",
            f"aws devicefarm stop-remote-access-session --region {arn_region(arn)} --arn {arn}",
        ),
        stop_request_step("or through the API", message.session_arn),
    ]


def _skipped_steps(message: OutcomeMessage) -> list[Step]:
    if message.reason == "DRY_RUN":
        return [
            Step(
                "If the deployment is in dry run (a dry run that was not asked for), let "
                "sweeps, alarms and timers stop sessions by deploying with:",
                GO_LIVE,
            ),
            stop_request_step("To stop this one now", message.session_arn),
        ]
    if message.reason in {"PROTECTED", "EXEMPT"}:
        return [
            Step("Nothing to do if it is meant to run."),
            stop_request_step("If it should end, stop it by hand", message.session_arn),
        ]
    return [Step("Nothing to do: a later alarm event acts while the alarm is still in ALARM.")]


def _timer_facts(message: OutcomeMessage) -> list[Fact]:
    if message.timer is None:
        return []
    timer = message.timer
    return [
        Fact(
            "Timer",
            f"deadline {instant(timer.deadline)} (budget {timer.budget_minutes} min), acted "
            f"{timer.overshoot_seconds:.1f} s after it",
        )
    ]


def _input_facts(message: OutcomeMessage) -> list[Fact]:
    """What a refused event sent for a session ARN: the excerpt, never the whole text."""
    sent = message.input
    if sent is None:
        return []
    how_much = f"excerpt of {sent.length} characters" if sent.truncated else "whole"
    return [Fact("Sent as ARN", f"{sent.excerpt} ({how_much}, escaped)")]


def _minutes_facts(
    session: SessionSummary | None, price_per_minute: float, *, stopped: bool
) -> list[Fact]:
    used = session.device_minutes if session else None
    if session is None or used is None or used.total is None:
        return []
    metered = session.billing_method == BillingMethod.METERED
    billing = clean(session.billing_method or "billing unknown").lower()
    text = f"{minutes(used.total)} ({billing})"
    if metered and used.metered:
        text += f", about {money(used.metered * price_per_minute)} at {money(price_per_minute)}/min"
    if stopped:
        text += "; no more from now on"
    return [Fact("Device minutes", text)]
