"""The story of a sweep: what it checked, what it stopped (or would have), what it left."""

from __future__ import annotations

from collections.abc import Iterable

from session_stopper.domain.rendering.story_parts import GO_LIVE, context_of, keywords
from session_stopper.domain.rendering.story_types import Fact, Listing, Step, Story
from session_stopper.domain.rendering.words import (
    arn_tail,
    clean,
    clip,
    instant,
    minutes,
    money,
    plural,
    thread_of,
    trigger_phrase,
)
from session_stopper.models.outcome import Outcome
from session_stopper.models.sweep import ListingFailure, PlannedSession, SweepAction, SweepSummary

# A person reads a list, not a dump: longer lists say how many more there are.
MAX_LISTED = 40
MAX_LEFT_UNDONE_LISTED = 10
MAX_RESOURCES = 10


def sweep_story(summary: SweepSummary) -> Story:
    stopped = summary.outcomes.get(Outcome.STOPPED.value, 0)
    would_stop = summary.skipped.get("DRY_RUN", 0)
    return Story(
        event_type="sweepSummary",
        subject=_subject(summary, stopped, would_stop),
        headline=_headline(summary, stopped, would_stop),
        correlation_id=summary.correlation_id,
        facts=tuple(_facts(summary, stopped)),
        listings=tuple(_listings(summary)),
        next_steps=tuple(_steps(summary, would_stop)),
        keywords=keywords(
            "sweep",
            summary.trigger.kind.value,
            "dry-run" if summary.dry_run else None,
            "kill-switch" if summary.kill_switch else None,
        ),
        resources=tuple(clean(planned.arn) for planned in summary.sessions[:MAX_RESOURCES]),
        thread=thread_of("sweep", summary.sweep_id or summary.correlation_id),
        context=context_of(summary.correlation_id, summary.trigger.kind.value, summary.sweep_id),
    )


# -- subject and headline ---------------------------------------------------------------------


def _subject(summary: SweepSummary, stopped: int, would_stop: int) -> str:
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


def _headline(summary: SweepSummary, stopped: int, would_stop: int) -> str:
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


# -- facts ------------------------------------------------------------------------------------


def _facts(summary: SweepSummary, stopped: int) -> list[Fact]:
    return [
        Fact("Asked by", trigger_phrase(summary.trigger)),
        Fact("Selection", _selection(summary)),
        Fact("Scope", plural(len(summary.scope), "project") if summary.scope else "every project"),
        Fact("Checked", _checked(summary)),
        Fact("Outcomes", _counts(summary.outcomes) or "none"),
        *([Fact("Skipped", _counts(summary.skipped))] if summary.skipped else []),
        *(_stopped_facts(summary) if stopped else []),
        *_for_next_sweep("Left undone", summary.left_undone_count, "session"),
        *_for_next_sweep("Not reached", len(summary.inventory.projects_not_reached), "project"),
        *_timer_facts(summary),
        Fact("Took", f"{summary.duration_seconds:.1f} s, finished {instant(summary.finished_at)}"),
        Fact("Sweep id", clean(summary.sweep_id), code=True),
    ]


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


def _stopped_facts(summary: SweepSummary) -> list[Fact]:
    return [
        Fact(
            "Stopped",
            f"{summary.device_minutes_stopped:,.1f} device minutes; about "
            f"{money(summary.estimated_savings_usd)} saved before Device Farm's 150-minute limit",
        )
    ]


def _for_next_sweep(label: str, count: int, noun: str) -> list[Fact]:
    """What this sweep did not get to, when there is any."""
    return [Fact(label, f"{plural(count, noun)}, for the next sweep")] if count else []


def _timer_facts(summary: SweepSummary) -> list[Fact]:
    timers = summary.timers
    if not timers:
        return []
    return [
        Fact(
            "Timers",
            f"{timers.armed} armed, {timers.failed} failed, "
            f"{timers.stopped_overdue} stopped overdue",
        )
    ]


# -- listings ---------------------------------------------------------------------------------


def _listings(summary: SweepSummary) -> list[Listing]:
    return [
        *([_sessions_listing(summary)] if summary.sessions else []),
        *([_failures_listing(summary.listing_failures)] if summary.listing_failures else []),
        *([_left_undone_listing(summary)] if summary.left_undone else []),
    ]


def _with_more(items: list[Step], total: int, noun: str) -> tuple[Step, ...]:
    """The items, then `and 3 more <noun>s` when `total` counts more than they list."""
    more = total - len(items)
    tail = [Step(f"and {plural(more, noun)}")] if more > 0 else []
    return (*items, *tail)


def _sessions_listing(summary: SweepSummary) -> Listing:
    heading = (
        "Sessions it would stop or skipped (dry run)" if summary.dry_run else "Sessions it acted on"
    )
    items = [_planned_line(planned, summary) for planned in summary.sessions[:MAX_LISTED]]
    total = len(summary.sessions) + summary.sessions_not_listed
    return Listing(heading, _with_more(items, total, "more session"))


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


def _every_project(failure: ListingFailure) -> str:
    return f"(every project of account {failure.account})" if failure.account else "(every project)"


def _failures_listing(failures: Iterable[ListingFailure]) -> Listing:
    items = [
        Step(
            clean(f"{failure.operation} failed: {failure.code}: {failure.message}"),
            clean(failure.project_arn) if failure.project_arn else _every_project(failure),
        )
        for failure in failures
    ]
    return Listing("Could not list (those sessions were not checked)", tuple(items[:MAX_LISTED]))


def _left_undone_listing(summary: SweepSummary) -> Listing:
    arns = summary.left_undone[:MAX_LEFT_UNDONE_LISTED]
    items = [Step("session", clean(arn)) for arn in arns]
    return Listing(
        "Left for the next sweep (out of time)",
        _with_more(items, summary.left_undone_count, "more"),
    )


# -- next steps -------------------------------------------------------------------------------


def _steps(summary: SweepSummary, would_stop: int) -> list[Step]:
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
