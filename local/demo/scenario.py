"""The demo's story: the sessions it starts with, the triggers it sends, what each must produce."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from local import sample_events
from local.world import SeededWorld, SessionSeed

PROTECTED_NAME_PATTERN = "keep-.*"
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
        "composite alarm via EventBridge: kill switch (protected names too)",
        _invoke(lambda _w: sample_events.composite_alarm_state_change()),
        200,
        [("STOPPED", "idle-pixel"), ("STOPPED", "keep-perf-baseline")],
        summary={"STOPPED": 2},
    ),
]


# -- the timer scene (issue 9) -------------------------------------------------------------
# A tester creates a session through Device Farm's API (so CloudTrail records it), its timer is
# armed, the warning comes, the owner extends it, and the timer stops it at the new deadline.
# The scene starts after step 7b, when no other session has a timer: the sweep of step 6 armed
# idle-pixel's and idle-ipad's, and their stops (7a, 7b) deleted them; keep-perf-baseline is
# protected, so the sweeps selected it (SKIPPED) and none armed it, and the kill switch (7b),
# which spares no protected name, stopped it. The scene checks that the group is empty before it
# starts and that every schedule fired is the scene's.

TIMER_PROJECT = "checkout-team"  # a new project: its tags are read fresh, not from a cache
TIMER_SESSION = "timer-demo"
BUDGET_TAG = "session-stopper:max-minutes"  # docs/timers.md
TIMER_BUDGET_MINUTES = 30
WARNING_LEAD_MINUTES = 5  # the function's WARNING_LEAD_MINUTES in the demo
EXTEND_MINUTES = 10
EXTENDED_DEADLINE_MINUTES = TIMER_BUDGET_MINUTES + EXTEND_MINUTES
# Locally the runner fires a schedule at its second on the emulator's clock, which flows with
# wall time: what an expiry overshoots by is the runner's and the function's own latency.
MAX_LOCAL_OVERSHOOT_SECONDS = 2.0

# The sessions steps 0-7b stop: the function's own StopRemoteAccessSession calls, which the
# emulator's CloudTrail holds until the scene delivers them.
STOPPED_BEFORE_THE_SCENE = [
    name for step in STEPS for outcome, name in step.published if outcome == "STOPPED"
]


class Act(StrEnum):
    """What a scene step does (local/demo/scene.py carries it out)."""

    CATCH_UP = "catch up"  # deliver the CloudTrail records waiting since steps 1-7b
    CREATE = "create"  # tag a new project, create the session over the emulator's HTTP API
    DELIVER = "deliver"  # deliver the session's CreateRemoteAccessSession record
    TO_WARNING = "to warning"  # move the clock to the warning time
    EXTEND = "extend"  # POST /sessions/extend over the local API
    PAST_OLD_DEADLINE = "past old deadline"  # the clock to a minute after the first deadline
    TO_DEADLINE = "to deadline"  # the clock to the deadline in force


@dataclass(frozen=True)
class Expect:
    """One message about the scene's session: its messageType, its status (timer) or outcome
    (outcome), the trigger kind, and its deadline in minutes after the session's creation."""

    message_type: str
    status: str
    trigger: str
    deadline_minutes: int


@dataclass(frozen=True)
class SceneStep:
    number: str
    title: str
    act: Act
    http_status: int | None = None  # for the steps that make an HTTP call
    # every message the step must publish, in the order they are published
    messages: list[Expect] = field(default_factory=list)
    # (action, session) of every schedule that must fire, in order
    fired: list[tuple[str, str]] = field(default_factory=list)
    # (eventName, session) of every CloudTrail record that must be delivered, in any order (a
    # sweep's stops are concurrent)
    delivered: list[tuple[str, str]] = field(default_factory=list)
    # the scene session's status in Device Farm once the step is done (any of these)
    status_after: tuple[str, ...] = ()
    note: str = ""  # printed under the step's line


SCENE = [
    SceneStep(
        "8a",
        "CloudTrail catches up: the stops of steps 1-7b disarm",
        Act.CATCH_UP,
        delivered=[("StopRemoteAccessSession", name) for name in STOPPED_BEFORE_THE_SCENE],
    ),
    SceneStep(
        "8b",
        f"a tester creates {TIMER_SESSION} (project tagged {TIMER_BUDGET_MINUTES} min)",
        Act.CREATE,
        http_status=200,
    ),
    SceneStep(
        "8c",
        "CloudTrail delivers the create: the timer is armed",
        Act.DELIVER,
        note="(the record has no ARN in responseElements, the emulator's default as no public "
        "sample shows one: the function finds the session by listing its project's sessions, "
        "by device, name and creation time)",
        messages=[Expect("timer", "ARMED", "cloudtrail", TIMER_BUDGET_MINUTES)],
        delivered=[("CreateRemoteAccessSession", TIMER_SESSION)],
    ),
    SceneStep(
        "8d",
        f"clock to the warning, {WARNING_LEAD_MINUTES} min before the deadline",
        Act.TO_WARNING,
        messages=[Expect("warning", "", "expiry", TIMER_BUDGET_MINUTES)],
        fired=[("warn", TIMER_SESSION)],
        status_after=("RUNNING",),
    ),
    SceneStep(
        "8e",
        f"the owner extends the deadline by {EXTEND_MINUTES} minutes",
        Act.EXTEND,
        http_status=200,
        messages=[Expect("extended", "", "api", EXTENDED_DEADLINE_MINUTES)],
    ),
    SceneStep(
        "8f",
        "clock past the old deadline: nothing fires",
        Act.PAST_OLD_DEADLINE,
        status_after=("RUNNING",),
    ),
    SceneStep(
        "8g",
        "clock to the new deadline: moved warning, then expiry",
        Act.TO_DEADLINE,
        messages=[
            Expect("warning", "", "expiry", EXTENDED_DEADLINE_MINUTES),
            Expect("outcome", "STOPPED", "expiry", EXTENDED_DEADLINE_MINUTES),
        ],
        fired=[("warn", TIMER_SESSION), ("expire", TIMER_SESSION)],
        # the function's own stop comes back through CloudTrail and disarms (nothing left)
        delivered=[("StopRemoteAccessSession", TIMER_SESSION)],
        # Device Farm takes seconds to stop a session (the emulator 5, on a clock that flows)
        status_after=("STOPPING", "COMPLETED"),
    ),
]
