"""`make invoke EVENT=...`: every sample of local/events/ runs the real handler once against a
fresh local stack (`make local`'s sessions) and gets the answer its trigger gets; a file that
cannot be sent is the tool's error, while junk JSON reaches the handler and is refused there.

The samples run in-process through `local.invoke.main`, as `python -m local.invoke` does (a
fresh stack each: a sample stops sessions, so no two may share one); one runs through `make`.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from local import invoke
from local.invoke import EVENTS_DIR, EventError, fill_placeholders
from local.stack import LocalStack
from local.stack_cli import seeded_local_world
from tests.support.caches import reset_function_caches

ROOT = Path(__file__).resolve().parents[2]
ACTIVE_SESSIONS = {"checkout-flow", "exploratory-ios", "forgotten-debug", "keep-perf-baseline"}


@dataclass(frozen=True)
class Run:
    code: int
    answer: Any
    published: list[dict[str, Any]]  # the messages' bodies, in the order printed
    stderr: str

    def outcomes(self) -> list[tuple[str, str]]:
        """(outcome, session name) of each published outcome message."""
        return sorted(
            (m["outcome"], (m.get("session") or {}).get("name") or "-")
            for m in self.published
            if m["messageType"] == "outcome"
        )

    def message_types(self) -> list[str]:
        return sorted(m["messageType"] for m in self.published)


def parse_run(code: int, stdout: str, stderr: str) -> Run:
    answer = json.loads(stdout) if stdout.strip() else None
    # Each message is printed as a summary line, then its body as one JSON line.
    published = [json.loads(line) for line in stderr.splitlines() if line.startswith("  {")]
    return Run(code, answer, published, stderr)


@pytest.fixture
def run_invoke(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[str], Run]]:
    def run(path: str) -> Run:
        capsys.readouterr()
        code = invoke.main([path])
        captured = capsys.readouterr()
        return parse_run(code, captured.out, captured.err)

    yield run
    reset_function_caches()


def api_body(answer: dict[str, Any]) -> Any:
    return json.loads(answer["body"])


def stopped(name: str, trigger: str) -> Callable[[Run], None]:
    """The answer is the STOPPED outcome of `name`, published as well."""

    def check(run: Run) -> None:
        assert run.answer["outcome"] == "STOPPED"
        assert run.answer["session"]["name"] == name
        assert run.answer["trigger"]["kind"] == trigger
        assert run.outcomes() == [("STOPPED", name)]

    return check


def sweep_summary(trigger: str, outcomes: dict[str, int]) -> Callable[[dict[str, Any]], None]:
    def check(summary: dict[str, Any]) -> None:
        assert summary["messageType"] == "sweepSummary"
        assert summary["trigger"]["kind"] == trigger
        assert summary["outcomes"] == outcomes

    return check


def swept(trigger: str) -> Callable[[Run], None]:
    """A live sweep past 60 minutes: forgotten-debug stopped, keep-perf-baseline protected."""

    def check(run: Run) -> None:
        sweep_summary(trigger, {"STOPPED": 1, "SKIPPED": 1})(run.answer)
        assert run.outcomes() == [("SKIPPED", "keep-perf-baseline"), ("STOPPED", "forgotten-debug")]
        assert "sweepSummary" in run.message_types()

    return check


def check_api_stop(run: Run) -> None:
    assert run.answer["statusCode"] == 200
    assert api_body(run.answer)["outcome"] == "STOPPED"
    assert run.outcomes() == [("STOPPED", "checkout-flow")]


def check_api_extend(run: Run) -> None:
    assert run.answer["statusCode"] == 200
    body = api_body(run.answer)
    assert (body["messageType"], body["minutesAdded"]) == ("extended", 15)
    assert body["session"]["name"] == "checkout-flow"
    assert run.message_types() == ["extended"]


def check_api_sweep(run: Run) -> None:
    assert run.answer["statusCode"] == 200
    summary = api_body(run.answer)
    sweep_summary("api", {"SKIPPED": 2})(summary)
    assert summary["dryRun"] is True
    assert run.outcomes() == [("SKIPPED", "forgotten-debug"), ("SKIPPED", "keep-perf-baseline")]


def check_api_sessions(run: Run) -> None:
    assert run.answer["statusCode"] == 200
    assert {s["name"] for s in api_body(run.answer)["sessions"]} == ACTIVE_SESSIONS
    assert run.published == []


def check_alarm_action(run: Run) -> None:
    assert run.answer["action"] == "stop"
    assert [o["outcome"] for o in run.answer["outcomes"]] == ["STOPPED"]
    assert run.outcomes() == [("STOPPED", "forgotten-debug")]


def check_kill_switch(run: Run) -> None:
    assert run.answer["action"] == "killSwitch"
    sweep_summary("alarm", {"STOPPED": 4})(run.answer["summary"])
    assert run.outcomes() == sorted(("STOPPED", name) for name in ACTIVE_SESSIONS)


def check_cloudtrail_create(run: Run) -> None:
    assert (run.answer["messageType"], run.answer["status"]) == ("timer", "ARMED")
    assert run.answer["budgetMinutes"] == 60
    assert run.message_types() == ["timer"]


def check_timer_warn(run: Run) -> None:
    assert run.answer["messageType"] == "warning"
    assert run.answer["session"]["name"] == "checkout-flow"
    assert run.answer["minutesLeft"] == pytest.approx(5.0, abs=0.2)
    assert run.message_types() == ["warning"]


def check_command_batch(run: Run) -> None:
    assert run.answer == {"batchItemFailures": []}
    assert run.outcomes() == [("STOPPED", "checkout-flow")]


EXPECTED: dict[str, Callable[[Run], None]] = {
    "alarm-action.json": check_alarm_action,
    "alarm-state-change.json": check_kill_switch,
    "api-extend.json": check_api_extend,
    "api-sessions.json": check_api_sessions,
    "api-stop.json": check_api_stop,
    "api-sweep.json": check_api_sweep,
    "bus-stop-command.json": stopped("exploratory-ios", "eventbridge"),
    "bus-sweep-command.json": swept("eventbridge"),
    "cloudtrail-create.json": check_cloudtrail_create,
    "direct-stop.json": stopped("checkout-flow", "direct"),
    "scheduled-sweep.json": swept("schedule"),
    "scheduler-sweep.json": swept("schedule"),
    "sqs-command-batch.json": check_command_batch,
    "timer-expire.json": stopped("forgotten-debug", "expiry"),
    "timer-warn.json": check_timer_warn,
}


def test_there_is_one_sample_per_trigger_and_nothing_else() -> None:
    assert sorted(path.name for path in EVENTS_DIR.iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_sample_gets_the_answer_its_trigger_gets(
    name: str, run_invoke: Callable[[str], Run]
) -> None:
    run = run_invoke(str(EVENTS_DIR / name))
    assert run.code == 0, run.stderr
    EXPECTED[name](run)


def test_make_invoke_prints_the_answer_and_what_was_published() -> None:
    result = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-o",
            ".venv/.installed-local",
            "invoke",
            "EVENT=local/events/api-stop.json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    run = parse_run(result.returncode, result.stdout, result.stderr)
    check_api_stop(run)
    assert "published 1 message(s) to the outcome topic:" in result.stderr


def test_junk_json_reaches_the_handler_and_is_refused_there(
    run_invoke: Callable[[str], Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = b'[{"not": "an event"}, 1, null]'
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(junk)))
    run = run_invoke("-")
    assert run.code == 0, run.stderr
    assert run.answer["outcome"] == "REJECTED"
    assert run.answer["error"]["code"] == "UNRECOGNISED_EVENT"
    assert [m["outcome"] for m in run.published] == ["REJECTED"]


def test_a_handler_that_raises_is_answered_as_lambda_answers_it_and_exits_1(
    run_invoke: Callable[[str], Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    def raising(_stack: LocalStack, _event: Any) -> Any:
        raise RuntimeError("the function's own failure")

    monkeypatch.setattr(LocalStack, "invoke", raising)
    run = run_invoke(str(EVENTS_DIR / "direct-stop.json"))
    assert run.code == 1
    assert run.answer == {"errorType": "RuntimeError", "errorMessage": "the function's own failure"}
    assert run.stderr.splitlines()[-1] == "invoke: the handler raised RuntimeError"


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, r"cannot read the event \S+/missing\.json: No such file or directory"),
        (b"{not json", r"the event \S+/event\.json is not JSON: Expecting property name"),
        (b'{"a": NaN}', r"the event \S+/event\.json is not JSON: NaN is not a JSON value"),
        (b"\xff\xfe{}", r"the event \S+/event\.json is not JSON: 'utf-8' codec can't decode"),
        (b'{"arn": "{{session:nobody}}"}', r"\{\{session:nobody\}\}: no seeded session 'nobody'"),
        (b'{"arn": "{{sesion:checkout-flow}}"}', r"unknown placeholder \{\{sesion:checkout-flow"),
    ],
    ids=["missing", "not-json", "nan", "not-utf8", "unknown-session", "unknown-placeholder"],
)
def test_an_event_that_cannot_be_sent_is_the_tool_s_one_line_error(
    content: bytes | None, error: str, tmp_path: Path, run_invoke: Callable[[str], Run]
) -> None:
    path = tmp_path / ("missing.json" if content is None else "event.json")
    if content is not None:
        path.write_bytes(content)
    run = run_invoke(str(path))
    assert run.code == 2
    assert run.answer is None
    [line] = run.stderr.splitlines()
    assert re.fullmatch(f"error: {error}.*", line), line


def test_an_unreadable_event_and_no_event_are_errors_too(run_invoke: Callable[[str], Run]) -> None:
    unreadable = run_invoke(str(EVENTS_DIR))  # a directory: read_bytes fails
    assert unreadable.code == 2
    assert unreadable.stderr.startswith(f"error: cannot read the event {EVENTS_DIR}: ")
    missing = run_invoke("")
    assert (missing.code, missing.stderr) == (
        2,
        "error: no event: make invoke EVENT=local/events/api-stop.json\n",
    )


def test_placeholders_name_the_seeded_world_and_the_time() -> None:
    emulator, world = seeded_local_world()
    now = datetime(2026, 12, 6, 21, 30, 5, 250000, tzinfo=UTC).timestamp()
    session = emulator.get_session(world.arn("checkout-flow"))
    created = datetime.fromtimestamp(session["created"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    template = {
        "arn": "{{session:checkout-flow}}",
        "nested": ["{{project:android-app}}", "device {{device:checkout-flow}}"],
        "times": [
            "{{now}}",
            "{{now+5m}}",
            "{{now-30s}}",
            "{{now:millis}}",
            "{{created:checkout-flow}}",
        ],
        "{{session:checkout-flow}}": 5,
        "untouched": [1, None, True, "{ {now} }"],
    }
    assert fill_placeholders(template, world, now) == {
        "arn": world.arn("checkout-flow"),
        "nested": [world.projects["android-app"], f"device {session['device']['arn']}"],
        "times": [
            "2026-12-06T21:30:05Z",
            "2026-12-06T21:35:05Z",
            "2026-12-06T21:29:35Z",
            "2026-12-06T21:30:05.250+0000",
            created,
        ],
        "{{session:checkout-flow}}": 5,  # keys are the event's own
        "untouched": [1, None, True, "{ {now} }"],
    }
    assert datetime.fromisoformat(created) > datetime.now(UTC) - timedelta(minutes=20)
    with pytest.raises(EventError, match=r"unknown placeholder \{\{now:seconds\}\}"):
        fill_placeholders("{{now:seconds}}", world, now)
