"""`make demo` (`python -m local.demo`): the whole product on this machine, every trigger,
every outcome, checked. The package holds its parts: the story (scenario.py), its HTTP calls
(http_calls.py), the checks and tables (report.py), the timer scene (scene.py,
scene_report.py) and the accounts scene (accounts.py).

Starts the local stack on free ports (Device Farm emulator, moto, the function behind a real
HTTP API), seeds two projects of sessions with chosen ages, sends each trigger over HTTP, reads
every outcome back from SNS through the tap queue, prints them, and exits 0 only when each one
is the one the story expects. Then the timer scene (local/demo/scene.py): a session created
through Device Farm's API is armed, warned, extended and stopped at its new deadline, on the
emulator's clock moved forward; each of its messages is checked as strictly.
"""

from __future__ import annotations

import signal
import sys
import textwrap
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from local.api_server import INVOKE_ALIAS
from local.demo.accounts import (
    NO_SPOKE,
    TEAM_A,
    TEAM_B,
    AccountsScene,
    accounts_table,
    run_accounts_scene,
)
from local.demo.http_calls import post_json
from local.demo.report import (
    StepResult,
    mismatches,
    notice_summary,
    outcome_row,
    outcome_table,
    refusal_row,
    summary_table,
)
from local.demo.scenario import (
    BUDGET_TAG,
    METERED_CONCURRENCY,
    PROTECTED_NAME_PATTERN,
    SEEDS,
    STEPS,
    TIMER_BUDGET_MINUTES,
    TIMER_SESSION,
    WARNING_LEAD_MINUTES,
    Send,
    Step,
)
from local.demo.scene import SceneResult, SceneRun, run_scene
from local.demo.scene_report import (
    scene_message_count,
    scene_mismatches,
    scene_outcome_rows,
    scene_table,
)
from local.outcomes import drain
from local.sample_events import IDLE_ALARM_NAME
from local.stack import LocalStack, LocalStackConfig
from local.world import SeededWorld, new_emulator, seed_world

Write = Callable[[str], None]


@dataclass
class DemoResult:
    steps: list[StepResult]
    problems: list[str]
    seconds: float
    scene: SceneRun | None = None  # the timer scene, after the steps
    accounts: AccountsScene | None = None  # the accounts scene, on a stack of its own

    @property
    def ok(self) -> bool:
        return not self.problems


def run_step(stack: LocalStack, world: SeededWorld, step: Step) -> StepResult:
    if step.alarm_session:
        stack.point_alarm(IDLE_ALARM_NAME, world.arn(step.alarm_session))
    send = step.send(world)
    status, answer = post_json(f"{stack.api_url}{send.path}", send.payload)
    result = StepResult(step, send, status, answer)
    # moto hands SNS messages to the subscribed queue during Publish: all are there now.
    for delivered in drain(stack.sqs(), _tap_url(stack)):
        if delivered.is_summary:
            result.summaries.append(delivered.body)
        elif delivered.is_notice:
            result.notices.append(delivered.body)
        else:
            result.rows.append(outcome_row(step, delivered, world, send))
    if _is_refusal(send, answer):
        result.rows.append(refusal_row(step, status, answer, send))
    return result


def _is_refusal(send: Send, answer: Any) -> bool:
    """An API answer with an error and no outcome: the request was refused before any call."""
    return (
        send.path != INVOKE_ALIAS
        and isinstance(answer, dict)
        and "error" in answer
        and "outcome" not in answer
    )


def _tap_url(stack: LocalStack) -> str:
    if stack.resources is None:
        raise RuntimeError("the local stack has no resources yet")
    return stack.resources.tap_queue_url


def run_demo(write: Write = print) -> DemoResult:
    started = time.monotonic()
    emulator, clock = new_emulator(metered_concurrency=METERED_CONCURRENCY)
    world = seed_world(emulator, clock, SEEDS)
    config = LocalStackConfig(
        function_env={
            "PROTECTED_NAME_PATTERN": PROTECTED_NAME_PATTERN,
            "WARNING_LEAD_MINUTES": str(WARNING_LEAD_MINUTES),
        }
    )
    with LocalStack(config, emulator) as stack:
        _intro(write, stack, world)
        results = []
        for step in STEPS:
            result = run_step(stack, world, step)
            request = f"POST {result.send.path}"
            _step_line(write, step.number, step.title, request, str(result.http_status))
            results.append(result)
        _scene_intro(write)
        scene = run_scene(stack, world, lambda done: _scene_step_line(write, done))
    _accounts_intro(write)
    accounts = run_accounts_scene(write)
    problems = [problem for result in results for problem in mismatches(result)]
    problems += scene_mismatches(scene) + accounts.problems
    return DemoResult(results, problems, time.monotonic() - started, scene, accounts)


def _step_line(write: Write, number: str, title: str, request: str, answer: str) -> None:
    write(f"  {number:<3} {title:<56} {request:<21} -> {answer}")


def _scene_step_line(write: Write, result: SceneResult) -> None:
    step = result.step
    _step_line(write, step.number, step.title, result.request, result.status)
    for line in textwrap.wrap(step.note, width=92):
        write(f"      {line}")


def _intro(write: Write, stack: LocalStack, world: SeededWorld) -> None:
    write("Device Farm Session Stopper - local demo (no AWS account involved)")
    write(f"  function API {stack.api_url}   Device Farm emulator {stack.emulator_url}")
    write(f"  moto (SNS, SQS, DynamoDB, CloudWatch, Scheduler) {stack.moto_url}")
    ages = ", ".join(f"{seed.name} {seed.age_minutes:g}m" for seed in SEEDS)
    write(f"  {len(world.sessions)} sessions in {len(world.projects)} projects: {ages}")
    write(f"  nightly-regression already ended; protected names: {PROTECTED_NAME_PATTERN}")
    write("")
    write("Steps (every request is real HTTP to the local API):")


def _scene_intro(write: Write) -> None:
    write("")
    write(
        f"Timer scene (issue 9): {TIMER_SESSION}, in a new project tagged "
        f"{BUDGET_TAG}={TIMER_BUDGET_MINUTES}."
    )
    write("The local stack plays CloudTrail and Scheduler; the clock is the emulator's, moved on:")


def _accounts_intro(write: Write) -> None:
    write("")
    write(
        f"Accounts scene (issue 18): a hub, members {TEAM_A} and {TEAM_B} (spoke roles "
        f"deployed, out of dry run) and {NO_SPOKE} (no spoke role)."
    )
    write("Its own local stack; the function reaches each member through its spoke role only:")


def report(result: DemoResult, write: Write = print) -> None:
    scene_rows = scene_outcome_rows(result.scene) if result.scene else []
    write("")
    write("Outcomes received from SNS (via the tap queue), plus the API's refusal:")
    write(outcome_table(result.steps, scene_rows))
    write("")
    write("Sweep summaries:")
    write(summary_table(result.steps))
    write("")
    write("Timer notices of steps 0-7b (sessions the sweeps found without a timer get one):")
    write(notice_summary(result.steps))
    if result.scene:
        write("")
        write(f"Timer scene: every message about {TIMER_SESSION}, in order (times UTC):")
        write(scene_table(result.scene))
    if result.accounts:
        write("")
        write("Accounts scene: the sweep summary's line for each account in scope:")
        write(accounts_table(result.accounts))
    write("")
    if result.ok:
        count = sum(len(step.rows) for step in result.steps) + len(scene_rows)
        scene = (
            f", the timer scene's {scene_message_count(result.scene)} messages"
            if result.scene
            else ""
        )
        if result.accounts:
            scene += f" and the accounts scene's {len(result.accounts.steps)} steps"
        write(f"OK: all {count} outcomes{scene} as expected ({result.seconds:.1f} s).")
        return
    write("MISMATCH: the demo did not go as expected:")
    for problem in result.problems:
        write(f"  - {problem}")


def _raise_on_sigterm(_signum: int, _frame: FrameType | None) -> None:
    # Unwinds through the `with` blocks, so servers stop and ports are freed.
    raise KeyboardInterrupt


def main() -> int:
    signal.signal(signal.SIGTERM, _raise_on_sigterm)
    try:
        result = run_demo()
    except KeyboardInterrupt:
        print("demo interrupted; local stack stopped", file=sys.stderr)
        return 130
    report(result)
    return 0 if result.ok else 1
