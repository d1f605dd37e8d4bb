"""`make demo`: the story runs end to end in-process and every outcome is the expected one."""

from __future__ import annotations

import os
import socket
import urllib.parse

import pytest

from local import demo
from local.demo_report import Row, StepResult, mismatches
from local.demo_scenario import STEPS, Send
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
    ("7b", "SKIPPED", "alarm", "keep-perf-baseline", "PROTECTED", True),
    ("7b", "STOPPED", "alarm", "idle-pixel", "-", True),
]
STACK_VARIABLES = ("AWS_ENDPOINT_URL_DEVICE_FARM", "AWS_ENDPOINT_URL_SNS", "OUTCOME_TOPIC_ARN")


def _port_is_free(url: str) -> bool:
    address = urllib.parse.urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((address.hostname or "", address.port or 0)) != 0


def test_the_demo_produces_every_expected_outcome_and_cleans_up() -> None:
    lines: list[str] = []
    try:
        result = demo.run_demo(write=lines.append)
    finally:
        reset_function_caches()

    rows = sorted(
        (r.step, r.outcome, r.trigger, r.session, r.detail, r.published)
        for step in result.steps
        for r in step.rows
    )
    assert rows == sorted(EXPECTED_ROWS)
    assert result.ok, result.problems
    kinds = [(s.step.number, s.summaries[0]["killSwitch"]) for s in result.steps if s.summaries]
    assert kinds == [("0", False), ("6", False), ("7b", True)]
    # The stack gave back the environment and every port it took.
    assert not [name for name in STACK_VARIABLES if name in os.environ]
    urls = [word for line in lines for word in line.split() if word.startswith("http://")]
    assert len(urls) == 3
    assert all(_port_is_free(url) for url in urls)


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
