"""The demo's timer scene (issue 9), carried out on the local stack: a tester creates a session
through Device Farm's API, CloudTrail's record of it reaches the function, the clock moves to
the warning, the owner extends the deadline over the local API, and the clock moves on until the
session's timer stops it.

Every act is what a user or AWS would do: the session is created with boto3 on the emulator's
HTTP API (so its CloudTrail records it), the extension is a real POST to the local API, and the
clock moves with `LocalStack.advance`, which fires each schedule at its own time. The scene only
acts and records; local/demo/scene_report.py checks the records against the story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from local.cloudtrail_delivery import Delivery
from local.demo.http_calls import post_json
from local.demo.scenario import (
    BUDGET_TAG,
    EXTEND_MINUTES,
    SCENE,
    TIMER_BUDGET_MINUTES,
    TIMER_PROJECT,
    TIMER_SESSION,
    WARNING_LEAD_MINUTES,
    Act,
    SceneStep,
)
from local.devicefarm_emulator.catalogue import default_device_arn
from local.outcomes import Delivered, drain
from local.scheduler_runner import Fired
from local.stack import LocalStack
from local.world import SeededWorld

DEVICE_FARM_REGION = "us-west-2"  # Device Farm's only region


@dataclass
class SceneState:
    """What the scene learns as it goes."""

    names: dict[str, str]  # session ARN -> name, the seeded ones and the scene's
    project_arn: str = ""
    session_arn: str = ""
    created: float = 0.0  # the session's `created` in Device Farm, epoch seconds
    first_deadline: float | None = None  # as the `timer` message announced it
    deadline: float | None = None  # the one in force, as the latest message announced it


@dataclass
class SceneResult:
    step: SceneStep
    request: str  # what was done, as the step line shows it
    http_status: int | None = None
    answer: Any = None
    messages: list[Delivered] = field(default_factory=list)  # in the order they were published
    fired: list[Fired] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    status_after: str | None = None  # the scene session's status once the step was done
    schedules_left: list[str] | None = None  # after the catch-up: every schedule in the group
    not_run: str | None = None  # why the step could not be carried out

    @property
    def status(self) -> str:
        """The step line's answer: the HTTP status, or how much happened."""
        if self.not_run:
            return "not run"
        if self.http_status is not None:
            return str(self.http_status)
        if self.step.act in (Act.CATCH_UP, Act.DELIVER):
            return f"{len(self.deliveries)} delivered"
        return f"{len(self.fired)} fired"


@dataclass
class SceneRun:
    state: SceneState
    results: list[SceneResult]


def devicefarm_client(endpoint_url: str) -> Any:
    """A tester's boto3 client, on the emulator (fake credentials; one attempt, so a failure
    shows as it is)."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (the emulator reads only the key id)
        region_name=DEVICE_FARM_REGION,
    )
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    return session.client("devicefarm", endpoint_url=endpoint_url, config=config)


class Scene:
    def __init__(self, stack: LocalStack, world: SeededWorld) -> None:
        self._stack = stack
        self.state = SceneState(names={arn: name for name, arn in world.sessions.items()})
        self._acts: dict[Act, Callable[[SceneResult], None]] = {
            Act.CATCH_UP: self._catch_up,
            Act.CREATE: self._create,
            Act.DELIVER: self._deliver,
            Act.TO_WARNING: self._to_warning,
            Act.EXTEND: self._extend,
            Act.PAST_OLD_DEADLINE: self._past_old_deadline,
            Act.TO_DEADLINE: self._to_deadline,
        }

    def run_step(self, step: SceneStep) -> SceneResult:
        result = SceneResult(step, request="-")
        self._acts[step.act](result)
        result.messages = self._published()
        self._follow_deadline(result.messages)
        if self.state.session_arn:
            session = self._stack.emulator.get_session(self.state.session_arn)
            result.status_after = str(session["status"])
        return result

    # -- acts --------------------------------------------------------------------------------

    def _catch_up(self, result: SceneResult) -> None:
        """The stops of the earlier steps were the function's own Device Farm calls: CloudTrail
        recorded them, and the demo delivers them only now."""
        result.request = "deliver CloudTrail"
        result.deliveries = self._stack.deliver_cloudtrail()
        scheduler, group = self._stack.scheduler(), self._timer_group()
        pages = scheduler.get_paginator("list_schedules").paginate(GroupName=group)
        result.schedules_left = [s["Name"] for page in pages for s in page["Schedules"]]

    def _create(self, result: SceneResult) -> None:
        """What a tester does: a project with a budget tag, then a session on it."""
        result.request = "Device Farm API"
        devicefarm = devicefarm_client(self._stack.emulator_url)
        try:
            project = devicefarm.create_project(name=TIMER_PROJECT)["project"]["arn"]
            devicefarm.tag_resource(
                ResourceARN=project,
                Tags=[{"Key": BUDGET_TAG, "Value": str(TIMER_BUDGET_MINUTES)}],
            )
            answer = devicefarm.create_remote_access_session(
                projectArn=project, deviceArn=default_device_arn(), name=TIMER_SESSION
            )
        except (BotoCoreError, ClientError) as error:
            result.not_run = f"Device Farm refused: {error}"
            return
        session = answer["remoteAccessSession"]
        state = self.state
        state.project_arn, state.session_arn = project, session["arn"]
        state.created = session["created"].timestamp()
        state.names[state.session_arn] = TIMER_SESSION
        result.http_status = answer["ResponseMetadata"]["HTTPStatusCode"]
        result.answer = session

    def _deliver(self, result: SceneResult) -> None:
        result.request = "deliver CloudTrail"
        result.deliveries = self._stack.deliver_cloudtrail()

    def _to_warning(self, result: SceneResult) -> None:
        deadline = self._known(self.state.deadline, result)
        if deadline is not None:
            self._advance_to(deadline - WARNING_LEAD_MINUTES * 60, result)

    def _extend(self, result: SceneResult) -> None:
        result.request = "POST /sessions/extend"
        payload = {"arn": self.state.session_arn, "minutes": EXTEND_MINUTES}
        result.http_status, result.answer = post_json(
            f"{self._stack.api_url}/sessions/extend", payload
        )

    def _past_old_deadline(self, result: SceneResult) -> None:
        deadline = self._known(self.state.first_deadline, result)
        if deadline is not None:
            self._advance_to(deadline + 60, result)

    def _to_deadline(self, result: SceneResult) -> None:
        deadline = self._known(self.state.deadline, result)
        if deadline is not None:
            self._advance_to(deadline, result)

    # -- helpers -----------------------------------------------------------------------------

    def _advance_to(self, moment: float, result: SceneResult) -> None:
        """Move the clock to `moment` (it never goes back): what falls due on the way is
        delivered or fired at its own time."""
        step = max(0.0, moment - self._stack.emulator.clock.now())
        result.request = f"clock +{step / 60:.1f} min"
        advanced = self._stack.advance(seconds=step)
        result.fired, result.deliveries = advanced.fired, advanced.deliveries

    def _known(self, deadline: float | None, result: SceneResult) -> float | None:
        if deadline is None:
            result.not_run = "no deadline was announced for the session"
        return deadline

    def _published(self) -> list[Delivered]:
        """Everything the topic carried during the step, oldest first."""
        stack = self._stack
        if stack.resources is None:
            raise RuntimeError("the local stack has no resources yet")
        delivered = drain(stack.sqs(), stack.resources.tap_queue_url)
        return sorted(delivered, key=lambda d: str(d.body.get("occurredAt") or ""))

    def _follow_deadline(self, messages: list[Delivered]) -> None:
        """The deadline in force is the one the function last announced for the session."""
        state = self.state
        for message in messages:
            if message.body.get("sessionArn") != state.session_arn:
                continue
            if message.message_type in ("timer", "extended") and message.body.get("deadline"):
                state.deadline = instant(str(message.body["deadline"]))
                if state.first_deadline is None:
                    state.first_deadline = state.deadline

    def _timer_group(self) -> str:
        if self._stack.resources is None:
            raise RuntimeError("the local stack has no resources yet")
        return self._stack.resources.timer_group


def instant(text: str) -> float:
    """A message's timestamp (ISO 8601, `Z` for UTC) in epoch seconds."""
    return datetime.fromisoformat(text).timestamp()


def run_scene(
    stack: LocalStack, world: SeededWorld, on_step: Callable[[SceneResult], None]
) -> SceneRun:
    """Every scene step in order; `on_step` sees each result as soon as it is there."""
    scene = Scene(stack, world)
    results = []
    for step in SCENE:
        result = scene.run_step(step)
        results.append(result)
        on_step(result)
    return SceneRun(scene.state, results)
