"""`make demo`: the story runs end to end in-process and every outcome is the expected one."""

from __future__ import annotations

import copy
import os
import socket
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from local import demo
from local.demo import accounts as demo_accounts
from local.demo.report import Row, StepResult, mismatches
from local.demo.scenario import MAX_LOCAL_OVERSHOOT_SECONDS, STEPS, TIMER_SESSION, Send
from local.demo.scene import SceneRun
from local.demo.scene_report import expected_deadline, scene_mismatches, scene_outcome_rows
from local.outcomes import Delivered
from tests.support.caches import reset_function_caches

EXPECTED_ROWS = [
    ("0", "SKIPPED", "api", "forgotten-debug", "DRY_RUN", True),
    ("0", "SKIPPED", "api", "stale-exploratory", "DRY_RUN", True),
    ("0", "SKIPPED", "api", "keep-perf-baseline", "PROTECTED", True),
    ("1", "STOPPED", "api", "checkout-flow", "-", True),
    ("2", "STOPPED", "eventbridge", "login-smoke", "-", True),
    ("3", "ALREADY_ENDED", "direct", "nightly-regression", "-", True),
    ("4", "NOT_FOUND", "api", "(unknown session)", "NotFoundException", True),
    ("5", "HTTP 400", "api", "(malformed ARN)", "INVALID_ARN", False),
    ("6", "SKIPPED", "schedule", "keep-perf-baseline", "PROTECTED", True),
    ("6", "STOPPED", "schedule", "forgotten-debug", "-", True),
    ("6", "STOPPED", "schedule", "stale-exploratory", "-", True),
    ("7a", "STOPPED", "alarm", "idle-ipad", "-", True),
    ("7b", "STOPPED", "alarm", "idle-pixel", "-", True),
    ("7b", "STOPPED", "alarm", "keep-perf-baseline", "-", True),
    ("8g", "STOPPED", "expiry", TIMER_SESSION, "-", True),
]
# The timer scene: (step, messageType, status or outcome, deadline in minutes after creation)
# of every message about its session, in order; every one of them is about that session.
EXPECTED_SCENE_MESSAGES = [
    ("8c", "timer", "ARMED", 30),
    ("8d", "warning", "", 30),
    ("8e", "extended", "", 40),
    ("8g", "warning", "", 40),
    ("8g", "outcome", "STOPPED", 40),
]
EXPECTED_FIRED = [
    ("8d", "warn", TIMER_SESSION),
    ("8g", "warn", TIMER_SESSION),
    ("8g", "expire", TIMER_SESSION),
]
STACK_VARIABLES = ("AWS_ENDPOINT_URL_DEVICE_FARM", "AWS_ENDPOINT_URL_SNS", "OUTCOME_TOPIC_ARN")


@dataclass(frozen=True)
class DemoRun:
    result: demo.DemoResult
    lines: list[str]

    @property
    def scene(self) -> SceneRun:
        assert self.result.scene is not None
        return self.result.scene


@pytest.fixture(scope="module")
def demo_run() -> DemoRun:
    """The real demo, once for the module (it takes seconds)."""
    lines: list[str] = []
    try:
        result = demo.run_demo(write=lines.append)
    finally:
        reset_function_caches()
    return DemoRun(result, lines)


def _listens_here(url: str) -> bool:
    """Whether this process still has a listening socket on the URL's port. Under pytest-xdist
    another worker may by then listen on a port the demo gave back, so where Linux's /proc shows
    which sockets are whose, ask about this process's own; elsewhere probe the port."""
    port = urllib.parse.urlsplit(url).port or 0
    tables = [Path("/proc/net/tcp"), Path("/proc/net/tcp6")]
    if not tables[0].is_file():
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0
    listening = {
        fields[9]
        for table in tables
        if table.is_file()
        for fields in (line.split() for line in table.read_text().splitlines()[1:])
        # local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 the socket's inode.
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A"
    }
    ours = {_link_target(fd) for fd in Path("/proc/self/fd").iterdir()}
    return any(f"socket:[{inode}]" in ours for inode in listening)


def _link_target(descriptor: Path) -> str:
    try:
        return os.readlink(descriptor)
    except OSError:  # closed since the listing (the listing's own descriptor is)
        return ""


def test_the_demo_produces_every_expected_outcome_and_cleans_up(demo_run: DemoRun) -> None:
    result = demo_run.result
    rows = sorted(
        (r.step, r.outcome, r.trigger, r.session, r.detail, r.published)
        for r in [
            *(r for step in result.steps for r in step.rows),
            *scene_outcome_rows(demo_run.scene),
        ]
    )
    assert rows == sorted(EXPECTED_ROWS)
    assert result.ok, result.problems
    kinds = [(s.step.number, s.summaries[0]["killSwitch"]) for s in result.steps if s.summaries]
    assert kinds == [("0", False), ("6", False), ("7b", True)]
    # The stack gave back the environment and every port it took.
    assert not [name for name in STACK_VARIABLES if name in os.environ]
    urls = [word for line in demo_run.lines for word in line.split() if word.startswith("http://")]
    assert len(urls) == 3
    assert not [url for url in urls if _listens_here(url)]


def test_the_timer_scene_arms_warns_extends_and_stops_at_the_new_deadline(
    demo_run: DemoRun,
) -> None:
    scene = demo_run.scene
    state = scene.state
    messages = [(r.step.number, m) for r in scene.results for m in r.messages]
    assert {m.body.get("sessionArn") for _n, m in messages} == {state.session_arn}
    got = [
        (number, m.message_type, m.outcome or str(m.body.get("status") or ""), _minutes(m, scene))
        for number, m in messages
    ]
    assert got == EXPECTED_SCENE_MESSAGES
    fired = [
        (r.step.number, f.event["action"], state.names[f.event["arn"]])
        for r in scene.results
        for f in r.fired
    ]
    assert fired == EXPECTED_FIRED
    # The stop came from the expiry schedule, at the extended deadline, on time.
    stop = messages[-1][1].body
    assert stop["trigger"]["kind"] == "expiry"
    assert stop["trigger"]["id"] == scene.results[-1].fired[-1].arn
    assert _deadline(stop["timer"]["deadline"]) == expected_deadline(state, 40)
    assert 0 <= stop["timer"]["overshootSeconds"] < MAX_LOCAL_OVERSHOOT_SECONDS
    # Before the scene no session had a timer, so moving the clock fired only the scene's.
    assert scene.results[0].schedules_left == []
    assert scene_mismatches(scene) == []


def test_the_report_shows_every_scene_message_and_the_overshoot(demo_run: DemoRun) -> None:
    written: list[str] = []
    demo.report(demo_run.result, written.append)
    lines = "\n".join(written).splitlines()
    scene_rows = [line.split() for line in lines if line[:2] == "8g"]
    assert [row[:4] for row in scene_rows] == [
        ["8g", "STOPPED", "expiry", TIMER_SESSION],  # the outcome table
        ["8g", "warning", "-", "expiry"],
        ["8g", "outcome", "STOPPED", "expiry"],
    ]
    overshoot = demo_run.scene.results[-1].messages[-1].body["timer"]["overshootSeconds"]
    (stop_line,) = [line for line in lines if line.split()[:2] == ["8g", "outcome"]]
    assert f"overshoot {overshoot} s" in stop_line
    assert [line.split()[1] for line in lines if line[:2] in ("8c", "8d", "8e")] == [
        "timer",
        "warning",
        "extended",
    ]
    assert lines[-1].startswith("OK: all 15 outcomes, the timer scene's 5 messages and the")


def _minutes(message: Delivered, scene: SceneRun) -> int:
    body = message.body
    deadline = (body.get("timer") or {}).get("deadline") or body["deadline"]
    return round((_deadline(deadline) - scene.state.created) / 60)


def _deadline(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def _message(scene: SceneRun, number: str, kind: str) -> Delivered:
    (result,) = [r for r in scene.results if r.step.number == number]
    (message,) = [m for m in result.messages if m.message_type == kind]
    return message


def _drop_the_warning(scene: SceneRun) -> None:
    scene.results[3].messages.clear()


def _overshoot_too_much(scene: SceneRun) -> None:
    _message(scene, "8g", "outcome").body["timer"]["overshootSeconds"] = 5.0


def _stop_at_the_old_deadline(scene: SceneRun) -> None:
    armed = _message(scene, "8c", "timer").body["deadline"]
    _message(scene, "8g", "outcome").body["timer"]["deadline"] = armed


def _warn_another_session(scene: SceneRun) -> None:
    other = copy.deepcopy(_message(scene, "8g", "warning"))
    other.body["sessionArn"] = next(a for a, n in scene.state.names.items() if n == "idle-pixel")
    scene.results[-1].messages.insert(0, other)


def _refuse_the_extension(scene: SceneRun) -> None:
    scene.results[4].http_status = 403


def _leave_a_timer_armed(scene: SceneRun) -> None:
    scene.results[0].schedules_left = ["expiry-0123"]


def _fire_an_old_timer(scene: SceneRun) -> None:
    scene.results[5].fired = [copy.deepcopy(scene.results[3].fired[0])]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (_drop_the_warning, "step 8d: published [], expected [Expect(message_type='warning'"),
        (_overshoot_too_much, "step 8g: overshoot 5.0 s, expected 0 to 2.0 s"),
        (_stop_at_the_old_deadline, "step 8g: published [Expect(message_type='warning'"),
        (_warn_another_session, "step 8g: published [('warning', '', 'idle-pixel'), "),
        (_refuse_the_extension, "step 8e: HTTP 403, expected 200"),
        (_leave_a_timer_armed, "step 8a: timers armed before the scene: ['expiry-0123']"),
        (_fire_an_old_timer, "step 8f: schedules fired [('warn', 'timer-demo')], expected []"),
    ],
)
def test_a_missing_or_different_scene_message_is_a_mismatch(
    demo_run: DemoRun, change: Callable[[SceneRun], None], problem: str
) -> None:
    scene = copy.deepcopy(demo_run.scene)
    change(scene)
    found = scene_mismatches(scene)
    assert len(found) == 1
    assert found[0].startswith(problem)


def test_a_scene_that_stopped_early_is_a_mismatch(demo_run: DemoRun) -> None:
    scene = copy.deepcopy(demo_run.scene)
    del scene.results[5:]
    assert scene_mismatches(scene) == ["step 8f: not run", "step 8g: not run"]


def test_the_report_says_ok_or_lists_each_mismatch() -> None:
    good = demo.DemoResult(steps=[], problems=[], seconds=1.0)
    bad = demo.DemoResult(steps=[], problems=["step 1: HTTP 502, expected 200"], seconds=1.0)
    lines: list[str] = []
    demo.report(good, lines.append)
    assert lines[-1].startswith("OK: all 0 outcomes as expected")
    lines.clear()
    demo.report(bad, lines.append)
    assert "MISMATCH" in "\n".join(lines)
    assert lines[-1] == "  - step 1: HTTP 502, expected 200"


def test_a_wrong_outcome_is_a_mismatch() -> None:
    step = STEPS[1]  # expects STOPPED checkout-flow with HTTP 200
    send = Send("/sessions/stop", {}, "checkout-flow")
    wrong = StepResult(
        step, send, 200, {}, [Row("1", "ALREADY_ENDED", "api", "checkout-flow", "-")]
    )
    assert mismatches(wrong) == [
        "step 1: published [('ALREADY_ENDED', 'checkout-flow')], "
        "expected [('STOPPED', 'checkout-flow')]"
    ]
    right = StepResult(step, send, 200, {}, [Row("1", "STOPPED", "api", "checkout-flow", "-")])
    assert mismatches(right) == []


@pytest.mark.parametrize(("problems", "status"), [([], 0), (["step 6: ..."], 1)])
def test_main_exits_0_only_when_everything_matched(
    monkeypatch: pytest.MonkeyPatch, problems: list[str], status: int
) -> None:
    monkeypatch.setattr(demo, "run_demo", lambda: demo.DemoResult([], problems, 0.1))
    monkeypatch.setattr(demo.signal, "signal", lambda *_args: None)
    assert demo.main() == status


def test_the_accounts_scene_stops_in_both_members_and_holds_each_caller_to_its_account(
    demo_run: DemoRun,
) -> None:
    accounts = demo_run.result.accounts
    assert accounts is not None
    assert [(s.number, s.status) for s in accounts.steps] == [
        ("A1", 200),
        ("A2", 200),
        ("A3", 403),
        ("A4", 200),
    ]
    assert accounts.problems == []
    lines = {line["account"]: line for line in accounts.accounts}
    assert {a: (x["reached"], x["outcomes"]) for a, x in lines.items()} == {
        demo_accounts.HUB: (True, {}),
        demo_accounts.TEAM_A: (True, {"STOPPED": 2}),
        demo_accounts.TEAM_B: (True, {"STOPPED": 1}),
        demo_accounts.NO_SPOKE: (False, {"FAILED": 1}),
    }
    assert lines[demo_accounts.NO_SPOKE]["error"]["code"] == "ACCOUNT_NOT_REACHED"
    written: list[str] = []
    demo.report(demo_run.result, written.append)
    assert "accounts scene's 4 steps as expected" in written[-1]


def test_an_accounts_scene_answer_other_than_expected_is_a_mismatch() -> None:
    step = demo_accounts.AccountsStep("A1", "sweep", "invoke", 200, 200, [], {"accounts": []})
    demo_accounts._check_sweep(step, {"a-fresh": "arn"})
    assert len(step.problems) == 2, step.problems  # no outcome at all, no account line
