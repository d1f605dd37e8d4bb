"""The demo's story: the sessions it starts with, the triggers it sends, what each must produce."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local import sample_events
from local.world import SeededWorld, SessionSeed

PROTECTED_NAME_PATTERN = "^keep-"
# Real accounts default to 2 metered sessions at once; the demo's account has asked for more,
# so no session waits in PENDING_CONCURRENCY and every age below is exact.
METERED_CONCURRENCY = 10

SEEDS = [
    SessionSeed("android-app", "checkout-flow", age_minutes=12),
    SessionSeed("android-app", "idle-pixel", age_minutes=20),
    SessionSeed("android-app", "forgotten-debug", age_minutes=95),
    SessionSeed("android-app", "nightly-regression", age_minutes=70, ended_minutes_ago=40),
    SessionSeed("ios-app", "login-smoke", age_minutes=8),
    SessionSeed("ios-app", "idle-ipad", age_minutes=30),
    SessionSeed("ios-app", "stale-exploratory", age_minutes=75),
    SessionSeed("ios-app", "keep-perf-baseline", age_minutes=110, billing_method="UNMETERED"),
]


@dataclass(frozen=True)
class Send:
    """One request to the local stack: an API call (path) or a raw event (invoke)."""

    path: str  # "/sessions/stop", "/sweeps" or "/_local/invoke"
    payload: dict[str, Any]
    label: str  # shown in the table when the answer itself is the outcome


@dataclass(frozen=True)
class Step:
    number: str
    title: str
    send: Callable[[SeededWorld], Send]
    http_status: int
    # (outcome, session name) of every message the step must publish, in any order
    published: list[tuple[str, str]] = field(default_factory=list)
    # for an API refusal: the error code of the answer, which is not published
    refused_with: str | None = None
    # for sweeps: the summary's outcome counts
    summary: dict[str, int] | None = None
    # for a session alarm: the session the alarm itself names (set in CloudWatch before sending)
    alarm_session: str | None = None


def _stop_api(name: str) -> Callable[[SeededWorld], Send]:
    return lambda world: Send("/sessions/stop", {"arn": world.arn(name)}, name)


def _invoke(event: Callable[[SeededWorld], dict[str, Any]]) -> Callable[[SeededWorld], Send]:
    return lambda world: Send("/_local/invoke", event(world), "")


MALFORMED_ARN = "arn:aws:devicefarm:us-west-2:123456789012:project:not-a-session"

STEPS = [
    Step(
        "0",
        "preview: what would a sweep stop? (dry run over HTTP)",
        lambda _w: Send("/sweeps", {"dryRun": True}, ""),
        200,
        [
            ("SKIPPED", "forgotten-debug"),
            ("SKIPPED", "stale-exploratory"),
            ("SKIPPED", "keep-perf-baseline"),
        ],
        summary={"SKIPPED": 3},
    ),
    Step(
        "1",
        "stop a running session over HTTP",
        _stop_api("checkout-flow"),
        200,
        [("STOPPED", "checkout-flow")],
    ),
    Step(
        "2",
        "EventBridge 'Stop Remote Access Session' event",
        _invoke(lambda w: sample_events.stop_command_event(w.arn("login-smoke"))),
        200,
        [("STOPPED", "login-smoke")],
    ),
    Step(
        "3",
        "direct invoke {arn} of a session that already ended",
        _invoke(lambda w: {"arn": w.arn("nightly-regression")}),
        200,
        [("ALREADY_ENDED", "nightly-regression")],
    ),
    Step(
        "4",
        "stop a well-formed ARN nobody knows",
        lambda w: Send(
            "/sessions/stop",
            {"arn": sample_events.unknown_session_arn(w.projects["android-app"])},
            "(unknown session)",
        ),
        404,
        [("NOT_FOUND", "(unknown session)")],
    ),
    Step(
        "5",
        "stop a malformed ARN (refused, not published)",
        lambda _w: Send("/sessions/stop", {"arn": MALFORMED_ARN}, "(malformed ARN)"),
        400,
        refused_with="INVALID_ARN",
    ),
    Step(
        "6",
        "scheduled rule: sweep sessions older than 60 min",
        _invoke(lambda _w: sample_events.scheduled_event()),
        200,
        [
            ("STOPPED", "forgotten-debug"),
            ("STOPPED", "stale-exploratory"),
            ("SKIPPED", "keep-perf-baseline"),
        ],
        summary={"STOPPED": 2, "SKIPPED": 1},
    ),
    Step(
        "7a",
        "CloudWatch alarm action with a SessionArn dimension",
        _invoke(lambda w: sample_events.alarm_action_event(w.arn("idle-ipad"))),
        200,
        [("STOPPED", "idle-ipad")],
        alarm_session="idle-ipad",
    ),
    Step(
        "7b",
        "composite alarm via EventBridge: kill switch",
        _invoke(lambda _w: sample_events.composite_alarm_state_change()),
        200,
        [("STOPPED", "idle-pixel"), ("SKIPPED", "keep-perf-baseline")],
        summary={"STOPPED": 1, "SKIPPED": 1},
    ),
]
