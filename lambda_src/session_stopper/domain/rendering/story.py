"""What to tell a person about a message: what happened, to which session, why, what next.

One `Story` per message, whatever will carry it; `email.py` and `chat.py` only lay it out.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from pydantic import BaseModel

from session_stopper.domain.rendering.story_types import Fact, Listing, Step, Story
from session_stopper.domain.rendering.words import (
    arn_region,
    arn_tail,
    clean,
    clip,
    clock_time,
    device_label,
    instant,
    minutes,
    money,
    plural,
    reason_phrase,
    session_label,
    short_device,
    thread_of,
    trigger_phrase,
)
from session_stopper.models.enums import BillingMethod
from session_stopper.models.outcome import Outcome, OutcomeMessage, SessionSummary
from session_stopper.models.sweep import ListingFailure, PlannedSession, SweepAction, SweepSummary
from session_stopper.models.timer import (
    ExtendedMessage,
    ExtendHint,
    TimerMessage,
    TimerStatus,
    WarningMessage,
)

# A person reads a list, not a dump: longer lists say how many more there are.
MAX_LISTED = 40
EXTEND_REQUEST = "POST /sessions/extend"
STOP_REQUEST = "POST /sessions/stop"

__all__ = ["Fact", "Listing", "Step", "Story", "story_of"]


def story_of(message: BaseModel, price_per_minute: float) -> Story:
    """The story of any message the function publishes. `price_per_minute` (USD) prices the
    metered minutes of an outcome's session."""
    if isinstance(message, OutcomeMessage):
        return _outcome_story(message, price_per_minute)
    if isinstance(message, SweepSummary):
        return _sweep_story(message)
    if isinstance(message, TimerMessage):
        return _timer_story(message)
    if isinstance(message, WarningMessage):
        return _warning_story(message)
    if isinstance(message, ExtendedMessage):
        return _extended_story(message)
    raise TypeError(f"no story for {type(message).__name__}")


# -- outcomes ---------------------------------------------------------------------------------


def _outcome_story(message: OutcomeMessage, price_per_minute: float) -> Story:
    arn = message.session_arn
    session = message.session
    label = session_label(session, arn)
    outcome = message.outcome.value
    facts = [
        *_session_facts(session, arn),
        *([Fact("Project", clean(message.project_arn), code=True)] if message.project_arn else []),
        *_minutes_facts(session, price_per_minute, stopped=message.outcome is Outcome.STOPPED),
        Fact("Asked by", trigger_phrase(message.trigger, message.sweep_id)),
        *([Fact("Why skipped", reason_phrase(message.reason))] if message.reason else []),
        *(
            [Fact("Error", clean(f"{message.error.code}: {message.error.message}"))]
            if message.error
            else []
        ),
        *_timer_facts(message),
        Fact("When", instant(message.occurred_at)),
    ]
    return Story(
        event_type=f"outcome.{outcome}",
        subject=_outcome_subject(message, label),
        headline=_outcome_headline(message, label),
        correlation_id=message.correlation_id,
        facts=tuple(facts),
        next_steps=tuple(_outcome_steps(message)),
        keywords=_keywords(outcome, message.trigger.kind.value, message.platform, message.reason),
        resources=tuple(clean(value) for value in (arn, message.project_arn) if value),
        thread=_thread(arn or message.project_arn or message.correlation_id),
        context=_context(message.correlation_id, message.trigger.kind.value, message.sweep_id),
    )


def _outcome_subject(message: OutcomeMessage, label: str) -> str:
    outcome = message.outcome.value
    if message.project_arn:
        return f"{outcome} listing project {arn_tail(message.project_arn)}"
    if message.outcome is Outcome.REJECTED:
        code = message.error.code if message.error else "invalid request"
        return f"REJECTED {message.trigger.kind.value} request: {code}"
    device = short_device(message.session.device if message.session else None)
    subject = f"{outcome} {label}" + (f" ({device})" if device else "")
    if message.outcome is Outcome.FAILED and message.error:
        return f"{subject}: {message.error.code}"
    if message.outcome is Outcome.SKIPPED and message.reason:
        return f"{subject}: {message.reason}"
    return subject


def _outcome_headline(message: OutcomeMessage, label: str) -> str:
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


def _outcome_steps(message: OutcomeMessage) -> list[Step]:
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
    if message.trigger.kind.value in {"schedule", "expiry", "alarm", "cloudtrail"}:
        steps.append(
            Step(
                "Sessions of this project need longer? Give the project a budget with the tag "
                "session-stopper:max-minutes (1 to 150), or extend a session when its warning "
                f"comes ({EXTEND_REQUEST})."
            )
        )
    return steps


def _stop_request(message: OutcomeMessage) -> str:
    return json.dumps({"arn": clean(message.session_arn or "")})


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
        Step(f"or through the API ({STOP_REQUEST}):", _stop_request(message)),
    ]


GO_LIVE = "make deploy CONTEXT='-c sweepDryRun=false'"


def _skipped_steps(message: OutcomeMessage) -> list[Step]:
    if message.reason == "DRY_RUN":
        return [
            Step(
                "If the deployment is in dry run (a dry run that was not asked for), let "
                "sweeps, alarms and timers stop sessions by deploying with:",
                GO_LIVE,
            ),
            Step(f"To stop this one now ({STOP_REQUEST}):", _stop_request(message)),
        ]
    if message.reason in {"PROTECTED", "EXEMPT"}:
        return [
            Step("Nothing to do if it is meant to run."),
            Step(f"If it should end, stop it by hand ({STOP_REQUEST}):", _stop_request(message)),
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


# -- expiry timers ----------------------------------------------------------------------------


def _timer_story(message: TimerMessage) -> Story:
    arn = message.session_arn
    label = session_label(None, arn)
    status = message.status
    headlines = {
        TimerStatus.ARMED: f"Session {label} has an expiry timer: it is stopped at "
        f"{instant(message.deadline)} unless its owner extends it.",
        TimerStatus.EXEMPT: f"Session {label} has no expiry timer: its project is exempt.",
        TimerStatus.UNMATCHED: "A CloudTrail record of a new session named no session the "
        "function could find: the next sweep arms its timer.",
        TimerStatus.NOT_ARMED: f"The expiry timer of session {label} could not be armed: the "
        "next sweep arms it.",
    }
    source = "the project's tag" if message.budget_source == "tag" else "the default"
    budget = f"{message.budget_minutes} min ({source})" if message.budget_minutes else None
    facts = [
        *([Fact("ARN", clean(arn), code=True)] if arn else []),
        *([Fact("Project", clean(message.project_arn), code=True)] if message.project_arn else []),
        *([Fact("Deadline", instant(message.deadline))] if message.deadline else []),
        *([Fact("Warning at", instant(message.warning_at))] if message.warning_at else []),
        *([Fact("Budget", budget)] if budget else []),
        *(
            [Fact("Error", clean(f"{message.error.code}: {message.error.message}"))]
            if message.error
            else []
        ),
        Fact("Asked by", trigger_phrase(message.trigger)),
        Fact("When", instant(message.occurred_at)),
    ]
    steps = {
        TimerStatus.ARMED: [Step("Nothing to do; a warning comes before the deadline.")],
        TimerStatus.EXEMPT: [Step("Nothing to do: no automatic stop touches this project.")],
    }.get(status, [Step("Nothing to do unless it repeats: the next sweep covers the session.")])
    return Story(
        event_type=f"timer.{status.value}",
        subject=f"Timer {status.value} {label}",
        headline=headlines[status],
        correlation_id=message.correlation_id,
        facts=tuple(facts),
        next_steps=tuple(steps),
        keywords=_keywords("timer", status.value, message.trigger.kind.value),
        resources=tuple(clean(value) for value in (arn, message.project_arn) if value),
        thread=_thread(arn or message.correlation_id),
        context=_context(message.correlation_id, message.trigger.kind.value),
    )


def _warning_story(message: WarningMessage) -> Story:
    session = message.session
    label = session_label(session, message.session_arn)
    device = short_device(session.device)
    left = f"{message.minutes_left:g} min"
    so_far = minutes(message.minutes_so_far) + (
        f", about {money(message.cost_so_far_usd)}" if message.cost_so_far_usd else ""
    )
    facts = [
        *_session_facts(session, message.session_arn),
        Fact("Deadline", f"{instant(message.deadline)} ({left} from now)"),
        Fact("So far", so_far),
        Fact("When", instant(message.occurred_at)),
    ]
    return Story(
        event_type="warning",
        subject=f"WARNING {label}" + (f" ({device})" if device else "") + f" stops in {left}",
        headline=f"Device Farm session {label} will be stopped in {left}, at "
        f"{clock_time(message.deadline)}.",
        correlation_id=message.correlation_id,
        facts=tuple(facts),
        next_steps=tuple(_extend_steps(message.extend)),
        keywords=_keywords(
            "warning",
            message.trigger.kind.value,
            session.device.platform if session.device else None,
        ),
        resources=(clean(session.arn),),
        thread=_thread(session.arn),
        context=_context(message.correlation_id, message.trigger.kind.value),
    )


def _extend_steps(hint: ExtendHint | None) -> list[Step]:
    if hint is None:
        return [
            Step(
                "It cannot be extended (Device Farm's 150-minute limit, or the operator's "
                "maximum): save your work before the deadline."
            )
        ]
    body = json.dumps(hint.body)
    command = f"dfss extend {hint.body['arn']} --minutes {hint.body['minutes']}"
    return [
        Step(
            f"To keep it longer, extend it (by at most {hint.max_minutes} min): "
            f"{EXTEND_REQUEST} with the body",
            body,
        ),
        Step("or with the project's command-line tool (the caller policy allows it):", command),
        Step("Otherwise nothing to do: it is stopped at the deadline."),
    ]


def _extended_story(message: ExtendedMessage) -> Story:
    session = message.session
    label = session_label(session, message.session_arn)
    device = short_device(session.device)
    facts = [
        *_session_facts(session, message.session_arn),
        Fact("Deadline", instant(message.deadline)),
        Fact("Was", instant(message.previous_deadline)),
        Fact("Latest possible", instant(message.latest_deadline)),
        Fact("Asked by", trigger_phrase(message.trigger)),
        Fact("When", instant(message.occurred_at)),
    ]
    return Story(
        event_type="extended",
        subject=f"EXTENDED {label}"
        + (f" ({device})" if device else "")
        + f" +{message.minutes_added} min, to {clock_time(message.deadline)}",
        headline=f"The deadline of Device Farm session {label} moved {message.minutes_added} "
        f"min later, to {clock_time(message.deadline)}.",
        correlation_id=message.correlation_id,
        facts=tuple(facts),
        next_steps=(
            Step(
                "Nothing to do: it is stopped at the new deadline unless extended again "
                f"(at most until {clock_time(message.latest_deadline)})."
            ),
        ),
        keywords=_keywords("extended", message.trigger.kind.value),
        resources=(clean(session.arn),),
        thread=_thread(session.arn),
        context=_context(message.correlation_id, message.trigger.kind.value),
    )


# -- sweep summaries --------------------------------------------------------------------------


def _sweep_story(summary: SweepSummary) -> Story:
    stopped = summary.outcomes.get(Outcome.STOPPED.value, 0)
    would_stop = summary.skipped.get("DRY_RUN", 0)
    failures = summary.listing_failures
    facts = [
        Fact("Asked by", trigger_phrase(summary.trigger)),
        Fact("Selection", _selection(summary)),
        Fact("Scope", plural(len(summary.scope), "project") if summary.scope else "every project"),
        Fact("Checked", _checked(summary)),
        Fact("Outcomes", _counts(summary.outcomes) or "none"),
        *([Fact("Skipped", _counts(summary.skipped))] if summary.skipped else []),
        *(
            [
                Fact(
                    "Stopped",
                    f"{summary.device_minutes_stopped:,.1f} device minutes; about "
                    f"{money(summary.estimated_savings_usd)} saved before Device Farm's 150-minute "
                    "limit",
                )
            ]
            if stopped
            else []
        ),
        *(
            [
                Fact(
                    "Left undone",
                    f"{plural(summary.left_undone_count, 'session')}, for the next sweep",
                )
            ]
            if summary.left_undone_count
            else []
        ),
        *(
            [
                Fact(
                    "Not reached",
                    f"{plural(len(summary.inventory.projects_not_reached), 'project')}"
                    ", for the next sweep",
                )
            ]
            if summary.inventory.projects_not_reached
            else []
        ),
        *(
            [
                Fact(
                    "Timers",
                    f"{summary.timers.armed} armed, {summary.timers.failed} failed, "
                    f"{summary.timers.stopped_overdue} stopped overdue",
                )
            ]
            if summary.timers
            else []
        ),
        Fact("Took", f"{summary.duration_seconds:.1f} s, finished {instant(summary.finished_at)}"),
        Fact("Sweep id", clean(summary.sweep_id), code=True),
    ]
    listings = [
        *([_sessions_listing(summary)] if summary.sessions else []),
        *([_failures_listing(failures)] if failures else []),
        *([_left_undone_listing(summary)] if summary.left_undone else []),
    ]
    return Story(
        event_type="sweepSummary",
        subject=_sweep_subject(summary, stopped, would_stop),
        headline=_sweep_headline(summary, stopped, would_stop),
        correlation_id=summary.correlation_id,
        facts=tuple(facts),
        listings=tuple(listings),
        next_steps=tuple(_sweep_steps(summary, would_stop)),
        keywords=_keywords(
            "sweep",
            summary.trigger.kind.value,
            "dry-run" if summary.dry_run else None,
            "kill-switch" if summary.kill_switch else None,
        ),
        resources=tuple(clean(planned.arn) for planned in summary.sessions[:10]),
        thread=thread_of("sweep", summary.sweep_id or summary.correlation_id),
        context=_context(summary.correlation_id, summary.trigger.kind.value, summary.sweep_id),
    )


def _sweep_subject(summary: SweepSummary, stopped: int, would_stop: int) -> str:
    if summary.yielded_to:
        return "Sweep yielded to a sweep already running"
    head = "Kill switch sweep" if summary.kill_switch else "Sweep"
    parts = [f"would stop {would_stop}" if summary.dry_run else f"stopped {stopped}"]
    others = {k: v for k, v in summary.skipped.items() if k != "DRY_RUN"}
    if others:
        parts.append(f"skipped {sum(others.values())} ({', '.join(sorted(others))})")
    failed = summary.outcomes.get(Outcome.FAILED.value, 0)
    if failed:
        parts.append(f"failed {failed}")
    if summary.listing_failures:
        parts.append(f"{len(summary.listing_failures)} listing failed")
    return f"{head}{' (dry run)' if summary.dry_run else ''}: {', '.join(parts)}"


def _sweep_headline(summary: SweepSummary, stopped: int, would_stop: int) -> str:
    if summary.yielded_to:
        running = summary.yielded_to
        return (
            f"The sweep did nothing: another sweep ({clean(running.sweep_id)}, started "
            f"{clean(running.started_at)} by {clean(running.trigger_kind)}) was running."
        )
    if summary.dry_run:
        return (
            f"The sweep (dry run) would have stopped {plural(would_stop, 'session')}; "
            "it stopped nothing."
        )
    return f"The sweep stopped {plural(stopped, 'session')}."


def _selection(summary: SweepSummary) -> str:
    if summary.selection == "killSwitch":
        return "every active session (kill switch)"
    age = f"{summary.max_age_minutes:g} min" if summary.max_age_minutes is not None else "?"
    if summary.selection == "deadline":
        return f"active sessions past their deadline (budget {age}, or the project's tag)"
    return f"active sessions older than {age}"


def _checked(summary: SweepSummary) -> str:
    counts = summary.inventory
    return (
        f"{plural(counts.projects_listed, 'project')}, {plural(counts.sessions_seen, 'session')}"
        f" ({counts.sessions_active} active, {counts.sessions_selected} selected)"
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{clean(name)} {count}" for name, count in sorted(counts.items()))


def _sessions_listing(summary: SweepSummary) -> Listing:
    heading = (
        "Sessions it would stop or skipped (dry run)" if summary.dry_run else "Sessions it acted on"
    )
    items = [_planned_line(planned, summary) for planned in summary.sessions[:MAX_LISTED]]
    more = len(summary.sessions) - len(items) + summary.sessions_not_listed
    if more > 0:
        items.append(Step(f"and {plural(more, 'more session')}"))
    return Listing(heading, tuple(items))


def _planned_line(planned: PlannedSession, summary: SweepSummary) -> Step:
    if planned.action is SweepAction.STOP:
        verdict = f"selected to stop: {_why_selected(summary)}"
    elif planned.reason == "DRY_RUN":
        verdict = f"would stop: {_why_selected(summary)} (dry run)"
    else:
        verdict = f"skipped: {clean(planned.reason)}"
    device = ", ".join(clip(clean(part), 80) for part in (planned.device, planned.platform) if part)
    cost = f", {money(planned.cost_so_far_usd)} so far" if planned.cost_so_far_usd else ""
    name = clip(clean(planned.name or arn_tail(planned.arn)), 120)
    return Step(
        f"{name} ({device or 'unknown device'}), {minutes(planned.age_minutes)} old{cost}: "
        f"{verdict}",
        clean(planned.arn),
    )


def _why_selected(summary: SweepSummary) -> str:
    return {
        "killSwitch": "kill switch",
        "deadline": "past its deadline",
    }.get(summary.selection, "older than the sweep's age")


def _failures_listing(failures: Iterable[ListingFailure]) -> Listing:
    items = [
        Step(
            clean(f"{failure.operation} failed: {failure.code}: {failure.message}"),
            clean(failure.project_arn) if failure.project_arn else "(every project)",
        )
        for failure in failures
    ]
    return Listing("Could not list (those sessions were not checked)", tuple(items[:MAX_LISTED]))


def _left_undone_listing(summary: SweepSummary) -> Listing:
    items = [Step("session", clean(arn)) for arn in summary.left_undone[:10]]
    more = summary.left_undone_count - len(items)
    if more > 0:
        items.append(Step(f"and {plural(more, 'more')}"))
    return Listing("Left for the next sweep (out of time)", tuple(items))


def _sweep_steps(summary: SweepSummary, would_stop: int) -> list[Step]:
    if summary.yielded_to:
        return [Step("Nothing to do: the running sweep does the work.")]
    steps: list[Step] = []
    if summary.dry_run and would_stop:
        steps.append(
            Step(
                "Nothing was stopped. If the dry run was not asked for, the deployment is in dry "
                "run: let sweeps stop sessions by deploying with:",
                GO_LIVE,
            )
        )
    if summary.listing_failures:
        steps.append(
            Step(
                "The next sweep lists those projects again; if they keep failing, "
                "check the errors above (permissions, or a project that is gone)."
            )
        )
    if summary.left_undone_count or summary.inventory.projects_not_reached:
        steps.append(
            Step(
                "The next sweep continues; if this happens at every sweep, raise "
                "timeoutSeconds or sweepWorkers."
            )
        )
    return steps or [Step("Nothing to do.")]


# -- shared pieces ----------------------------------------------------------------------------


def _session_facts(session: SessionSummary | None, arn: str | None) -> list[Fact]:
    facts = []
    if session and session.name:
        facts.append(Fact("Session", clean(session.name)))
    if arn or session:
        facts.append(Fact("ARN", clean(arn or (session.arn if session else "")), code=True))
    if session:
        facts.append(Fact("Device", device_label(session.device)))
        if session.status:
            status = clean(session.status)
            result = f", result {clean(session.result)}" if session.result else ""
            facts.append(Fact("Status", status + result))
        if session.created or session.started:
            facts.append(Fact("Started", instant(session.started or session.created)))
    return facts


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


def _keywords(*words: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(clean(word) for word in words if word))


def _thread(key: str) -> str:
    return thread_of("session", key)


def _context(correlation_id: str, trigger: str, sweep_id: str | None = None) -> dict[str, str]:
    context = {"correlationId": correlation_id, "trigger": trigger}
    if sweep_id:
        context["sweepId"] = sweep_id
    return context
