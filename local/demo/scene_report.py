"""The timer scene's findings: each step checked against the story, and the table of every
message the scene's session got, with the overshoot of the stop."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

from local.demo.report import Row, table
from local.demo.scenario import (
    BUDGET_TAG,
    EXTEND_MINUTES,
    MAX_LOCAL_OVERSHOOT_SECONDS,
    SCENE,
    TIMER_BUDGET_MINUTES,
    TIMER_PROJECT,
    TIMER_SESSION,
    WARNING_LEAD_MINUTES,
    Act,
    Expect,
)
from local.demo.scene import SceneResult, SceneRun, SceneState, instant
from local.outcomes import Delivered

Facts = dict[str, Any]


def expected_deadline(state: SceneState, minutes: int) -> float:
    """`created` + `minutes`, rounded up to the second (docs/timers.md, "The deadline")."""
    return float(math.ceil(state.created + minutes * 60))


# -- checks ----------------------------------------------------------------------------------


def scene_mismatches(run: SceneRun) -> list[str]:
    """What differs from the story, in words; empty when the scene went as expected."""
    problems = []
    for result in run.results:
        found = _step_mismatches(result, run)
        problems += [f"step {result.step.number}: {problem}" for problem in found]
    done = {result.step.number for result in run.results}
    problems += [f"step {step.number}: not run" for step in SCENE if step.number not in done]
    return problems


def _step_mismatches(result: SceneResult, run: SceneRun) -> list[str]:
    step, names = result.step, run.state.names
    if result.not_run:
        return [f"not run: {result.not_run}"]
    problems = []
    if result.http_status != step.http_status:
        problems.append(f"HTTP {result.http_status}, expected {step.http_status}")
    fired = [(_str(f.event, "action"), _name(names, _str(f.event, "arn"))) for f in result.fired]
    if fired != step.fired:
        problems.append(f"schedules fired {fired}, expected {step.fired}")
    problems += [f"schedule {f.name} failed: {f.error}" for f in result.fired if f.error]
    # A sweep stops sessions concurrently: records come in the order of the calls, any order.
    delivered = sorted(_delivered_as(d.event, names) for d in result.deliveries)
    if delivered != sorted(step.delivered):
        problems.append(f"CloudTrail delivered {delivered}, expected {sorted(step.delivered)}")
    problems += [f"a CloudTrail delivery failed: {d.error}" for d in result.deliveries if d.error]
    if result.schedules_left:
        problems.append(f"timers armed before the scene: {result.schedules_left}, expected none")
    if step.status_after and result.status_after not in step.status_after:
        problems.append(f"{TIMER_SESSION} is {result.status_after}, expected {step.status_after}")
    return problems + _message_mismatches(result, run)


def _message_mismatches(result: SceneResult, run: SceneRun) -> list[str]:
    got = [_expect_of(message, run.state) for message in result.messages]
    if got != result.step.messages:
        return [f"published {got}, expected {result.step.messages}"]
    problems = []
    for message, expect in zip(result.messages, result.step.messages, strict=True):
        problems += _fact_mismatches(message, expect, result, run.state)
    return problems


def _expect_of(message: Delivered, state: SceneState) -> Expect | tuple[str, str, str]:
    """What the message is, in the story's terms; a message about another session is shown
    with its name, so it can never pass for one of the scene's."""
    body = message.body
    kind = message.message_type
    status = message.outcome if kind == "outcome" else str(body.get("status") or "")
    if body.get("sessionArn") != state.session_arn:
        return (kind, status, _name(state.names, str(body.get("sessionArn") or "-")))
    deadline = _deadline_of(message)
    minutes = round((deadline - state.created) / 60) if deadline is not None else -1
    return Expect(kind, status, message.trigger_kind, minutes)


def _fact_mismatches(
    message: Delivered, expect: Expect, result: SceneResult, state: SceneState
) -> list[str]:
    """The facts each kind of message must carry, exactly (the overshoot within bounds)."""
    body, kind = message.body, message.message_type
    deadline = expected_deadline(state, expect.deadline_minutes)
    wanted: Facts = {"deadline": deadline}
    got: Facts = {"deadline": _deadline_of(message)}
    if kind == "timer":
        wanted |= {
            "budgetMinutes": TIMER_BUDGET_MINUTES,
            "budgetSource": "tag",
            "warningAt": deadline - WARNING_LEAD_MINUTES * 60,
        }
        got |= {
            "budgetMinutes": body.get("budgetMinutes"),
            "budgetSource": body.get("budgetSource"),
            "warningAt": _instant_or_none(body.get("warningAt")),
        }
    elif kind == "warning":
        wanted |= {"minutesLeft": float(WARNING_LEAD_MINUTES), "extend": "POST /sessions/extend"}
        got |= {
            "minutesLeft": body.get("minutesLeft"),
            "extend": (body.get("extend") or {}).get("request"),
        }
    elif kind == "extended":
        wanted |= {
            "previousDeadline": expected_deadline(state, TIMER_BUDGET_MINUTES),
            "minutesAdded": EXTEND_MINUTES,
            # the answer (200) is the message that was published
            "the answer's correlationId": body.get("correlationId"),
        }
        answer = result.answer if isinstance(result.answer, dict) else {}
        got |= {
            "previousDeadline": _instant_or_none(body.get("previousDeadline")),
            "minutesAdded": body.get("minutesAdded"),
            "the answer's correlationId": answer.get("correlationId"),
        }
    elif kind == "outcome":
        return _compare(wanted, got) + _expiry_mismatches(body, result)
    return _compare(wanted, got)


def _expiry_mismatches(body: dict[str, Any], result: SceneResult) -> list[str]:
    """The stop came from the session's own expiry schedule, and on time."""
    timer = body.get("timer") or {}
    expiry = [f.arn for f in result.fired if _str(f.event, "action") == "expire"]
    wanted = {"budgetMinutes": TIMER_BUDGET_MINUTES, "trigger id": expiry[:1]}
    got = {
        "budgetMinutes": timer.get("budgetMinutes"),
        "trigger id": [(body.get("trigger") or {}).get("id")],
    }
    problems = _compare(wanted, got)
    overshoot = timer.get("overshootSeconds")
    if not isinstance(overshoot, int | float) or not 0 <= overshoot < MAX_LOCAL_OVERSHOOT_SECONDS:
        problems.append(f"overshoot {overshoot!r} s, expected 0 to {MAX_LOCAL_OVERSHOOT_SECONDS} s")
    return problems


def _compare(wanted: Facts, got: Facts) -> list[str]:
    return [
        f"{key} {_shown(got.get(key))}, expected {_shown(value)}"
        for key, value in wanted.items()
        if got.get(key) != value
    ]


# -- the table -------------------------------------------------------------------------------

SCENE_COLUMNS = ("step", "message", "status", "trigger", "deadline", "detail")


def scene_table(run: SceneRun) -> str:
    """One row per message about the scene's session, in order; a step that published nothing
    gets a row saying what it did instead."""
    rows = []
    for result in run.results:
        messages = result.messages
        if not messages:
            quiet = _quiet_step(result, run.state)
            rows.append((result.step.number, "(none)", "-", "-", "-", quiet))
        for message in messages:
            deadline = _deadline_of(message)
            rows.append(
                (
                    result.step.number,
                    message.message_type,
                    message.outcome or str(message.body.get("status") or "-"),
                    message.trigger_kind,
                    _deadline_cell(deadline, run.state),
                    _detail(message, result, run.state),
                )
            )
    return table(SCENE_COLUMNS, rows)


def scene_outcome_rows(run: SceneRun) -> list[Row]:
    """The scene's outcomes, as the main table lists every outcome."""
    return [
        Row(
            result.step.number,
            message.outcome,
            message.trigger_kind,
            _name(run.state.names, str(message.body.get("sessionArn") or "-")),
            message.detail,
        )
        for result in run.results
        for message in result.messages
        if message.message_type == "outcome"
    ]


def scene_message_count(run: SceneRun) -> int:
    return sum(len(result.messages) for result in run.results)


def _quiet_step(result: SceneResult, state: SceneState) -> str:
    step = result.step
    if result.not_run:
        return f"not run: {result.not_run}"
    if result.schedules_left is not None:
        left = ", ".join(result.schedules_left) or "no session has a timer"
        return f"{len(result.deliveries)} Stop records, each disarms; {left}"
    if step.act is Act.CREATE:
        return (
            f"created {_clock(state.created)} in {TIMER_PROJECT}, "
            f"tagged {BUDGET_TAG}={TIMER_BUDGET_MINUTES}"
        )
    if state.first_deadline is not None and step.act is Act.PAST_OLD_DEADLINE:
        return (
            f"{TIMER_SESSION} still {result.status_after} at {_clock(state.first_deadline + 60)}, "
            f"a minute past the old deadline {_clock(state.first_deadline)}"
        )
    return f"{TIMER_SESSION} {result.status_after}"


def _detail(message: Delivered, result: SceneResult, state: SceneState) -> str:
    body, kind = message.body, message.message_type
    if body.get("sessionArn") != state.session_arn:
        return f"about {_name(state.names, str(body.get('sessionArn') or '-'))}"
    if kind == "timer":
        found = "found by listing" if _listed(result) else "ARN from the record"
        warning = _instant_or_none(body.get("warningAt"))
        return (
            f"budget {body.get('budgetMinutes')} min ({body.get('budgetSource')}), warning "
            f"{_clock(warning)}; {found}"
        )
    if kind == "warning":
        extend = body.get("extend") or {}
        return (
            f"{body.get('minutesLeft')} min left, {body.get('minutesSoFar')} min so far, "
            f"${body.get('costSoFarUsd')}; may extend {extend.get('maxMinutes', 0)} min"
        )
    if kind == "extended":
        previous = _instant_or_none(body.get("previousDeadline"))
        latest = _instant_or_none(body.get("latestDeadline"))
        return f"+{body.get('minutesAdded')} min, was {_clock(previous)}; latest {_clock(latest)}"
    timer = body.get("timer") or {}
    status = (body.get("session") or {}).get("status")
    reason = "" if message.detail == "-" else f"{message.detail}; "
    return f"overshoot {timer.get('overshootSeconds')} s; {reason}session {status}"


def _listed(result: SceneResult) -> bool:
    """Whether the function had to list sessions: the record carried no ARN in responseElements."""
    for delivery in result.deliveries:
        detail = delivery.event.get("detail") or {}
        if detail.get("eventName") == "CreateRemoteAccessSession":
            session = (detail.get("responseElements") or {}).get("remoteAccessSession") or {}
            return not session.get("arn")
    return False


def _deadline_cell(deadline: float | None, state: SceneState) -> str:
    if deadline is None:
        return "-"
    return f"{_clock(deadline)} (+{round((deadline - state.created) / 60)} min)"


def _deadline_of(message: Delivered) -> float | None:
    body = message.body
    if message.message_type == "outcome":
        return _instant_or_none((body.get("timer") or {}).get("deadline"))
    return _instant_or_none(body.get("deadline"))


def _instant_or_none(value: Any) -> float | None:
    return instant(value) if isinstance(value, str) and value else None


def _clock(moment: float | None) -> str:
    if moment is None:
        return "-"
    return datetime.fromtimestamp(moment, UTC).strftime("%H:%M:%SZ")


def _shown(value: Any) -> str:
    """Instants (epoch floats) as their time of day, the rest as they are."""
    return _clock(value) if isinstance(value, float) and value > 1e9 else repr(value)


def _name(names: dict[str, str], arn: str) -> str:
    return names.get(arn) or arn


def _str(mapping: Any, key: str) -> str:
    return str(mapping.get(key) or "") if isinstance(mapping, dict) else ""


def _delivered_as(event: dict[str, Any], names: dict[str, str]) -> tuple[str, str]:
    """(eventName, session): a create names the session it asked for, a stop its ARN."""
    detail = event.get("detail") or {}
    request = detail.get("requestParameters") or {}
    if "arn" in request:
        return str(detail.get("eventName")), _name(names, str(request["arn"]))
    return str(detail.get("eventName")), str(request.get("name") or "-")
