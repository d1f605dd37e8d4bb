"""The demo's findings: one row per outcome, checked against the story and printed as tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from local.demo.scenario import Send, Step
from local.outcomes import Delivered
from local.world import SeededWorld


@dataclass(frozen=True)
class Row:
    step: str
    outcome: str
    trigger: str
    session: str
    detail: str  # error code or reason
    published: bool = True


@dataclass
class StepResult:
    step: Step
    send: Send
    http_status: int
    answer: Any
    rows: list[Row] = field(default_factory=list)
    summaries: list[dict[str, Any]] = field(default_factory=list)
    # Timer notices (armed, warning, extended): the story checks outcomes, these are reported.
    notices: list[dict[str, Any]] = field(default_factory=list)


def outcome_row(step: Step, delivered: Delivered, world: SeededWorld, send: Send) -> Row:
    """A published outcome; sessions Device Farm does not know are named by the request."""
    names = {arn: name for name, arn in world.sessions.items()}
    arn = str(delivered.body.get("sessionArn") or "")
    session = names.get(arn) or send.label or delivered.session_label
    return Row(step.number, delivered.outcome, delivered.trigger_kind, session, delivered.detail)


def refusal_row(step: Step, status: int, answer: Any, send: Send) -> Row:
    """An API refusal: the caller's answer is the only record, nothing is published."""
    error = answer.get("error", {}) if isinstance(answer, dict) else {}
    code = str(error.get("code") or "-")
    return Row(step.number, f"HTTP {status}", "api", send.label, code, published=False)


def mismatches(result: StepResult) -> list[str]:
    """What differs from the story, in words; empty when the step went as expected."""
    step, problems = result.step, []
    if result.http_status != step.http_status:
        problems.append(f"HTTP {result.http_status}, expected {step.http_status}")
    published = sorted((r.outcome, r.session) for r in result.rows if r.published)
    if published != sorted(step.published):
        problems.append(f"published {published}, expected {sorted(step.published)}")
    refused = [r.detail for r in result.rows if not r.published]
    if step.refused_with and refused != [step.refused_with]:
        problems.append(f"refused with {refused}, expected {step.refused_with}")
    problems.extend(_summary_mismatches(result))
    return [f"step {step.number}: {problem}" for problem in problems]


def _summary_mismatches(result: StepResult) -> list[str]:
    expected = result.step.summary
    if expected is None:
        return [f"unexpected sweep summary {s.get('outcomes')}" for s in result.summaries]
    counts = [Counter(s.get("outcomes") or {}) for s in result.summaries]
    if counts != [Counter(expected)]:
        return [f"sweep summaries {[dict(c) for c in counts]}, expected [{expected}]"]
    return []


COLUMNS = ("step", "outcome", "trigger", "session", "error / reason", "published")


def outcome_table(results: list[StepResult], later: Sequence[Row] = ()) -> str:
    """The steps' outcome rows, then `later` ones (the timer scene's) as they are."""
    ordered = [
        row
        for result in results
        # Sweeps publish in completion order; sorted, the table reads the same every run.
        for row in sorted(result.rows, key=lambda r: (not r.published, r.outcome, r.session))
    ]
    rows = [
        (r.step, r.outcome, r.trigger, r.session, r.detail, "yes" if r.published else "no (API)")
        for r in [*ordered, *later]
    ]
    return table(COLUMNS, rows)


def summary_table(results: list[StepResult]) -> str:
    columns = ("step", "kind", "seen", "active", "selected", "outcomes", "dev-min", "saved $")
    rows = []
    for result in results:
        for body in result.summaries:
            inventory = body.get("inventory") or {}
            outcomes = ", ".join(f"{k} {v}" for k, v in sorted(body["outcomes"].items()))
            rows.append(
                (
                    result.step.number,
                    "kill switch" if body.get("killSwitch") else f"> {body['maxAgeMinutes']} min",
                    str(inventory.get("sessionsSeen")),
                    str(inventory.get("sessionsActive")),
                    str(inventory.get("sessionsSelected")),
                    outcomes,
                    str(body.get("deviceMinutesStopped")),
                    str(body.get("estimatedSavingsUsd")),
                )
            )
    return table(columns, rows)


def notice_summary(results: list[StepResult]) -> str:
    """Timer notices per step, counted by kind and status ("6: timer ARMED 2")."""
    lines = []
    for result in results:
        counts = Counter(
            f"{body.get('messageType')} {body.get('status') or ''}".rstrip()
            for body in result.notices
        )
        if counts:
            listed = ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))
            lines.append(f"  {result.step.number}: {listed}")
    return "\n".join(lines) or "  none"


def table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(columns, *rows, strict=True)]
    lines = [_line(columns, widths), _line(tuple("-" * w for w in widths), widths)]
    lines.extend(_line(row, widths) for row in rows)
    return "\n".join(lines)


def _line(cells: Sequence[str], widths: list[int]) -> str:
    return "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()
