"""The event a sweep that ran out of time sends the function, to continue in a new invocation.

It is input like any other (a direct invoke could forge one), so it is strict: no unknown keys,
no coercion, bounded sizes. What it asks is checked again against the operator's configuration,
and it acts only with the ticket its chain left in the sweep lock (domain/sweeps/chain.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from session_stopper.models.account import AccountId
from session_stopper.models.arn import ProjectArn, SessionArn
from session_stopper.models.chain import MAX_LINKS, ChainTotals, Strict
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.sweep import MAX_PROJECTS
from session_stopper.models.text import SafeText

CONTINUE_ACTION: Literal["continueSweep"] = "continueSweep"
# Sessions finished after the first one left undone, in each account (at most the workers in
# flight there when time ran out or the pacer refused a stop); far above SWEEP_WORKERS'
# sensible values, far below Lambda's payload.
MAX_ALREADY_DONE = 256
# Accounts a chain keeps a resume point for (the member accounts' scope is bounded far lower by
# Lambda's 4 KB environment, or by an organization's size).
MAX_RESUMED_ACCOUNTS = 1000
_INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

ChainId = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
DeviceFarmId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,128}$")]


def _instant(value: str) -> str:
    datetime.strptime(value, _INSTANT_FORMAT)  # ValueError: pydantic reports it
    return value


Instant = Annotated[
    str,
    StringConstraints(
        pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z$"
    ),
    AfterValidator(_instant),
]


def instant(moment: datetime) -> str:
    """`moment` as the continuation event carries it: UTC, to the microsecond."""
    return moment.astimezone(UTC).strftime(_INSTANT_FORMAT)


def parse_instant(value: str) -> datetime:
    return datetime.strptime(value, _INSTANT_FORMAT).replace(tzinfo=UTC)


class ChainPolicy(Strict):
    """The first sweep's settled policy, frozen for the whole chain."""

    max_age_minutes: float = Field(alias="maxAgeMinutes", ge=0, le=100_000)
    project_arns: list[ProjectArn] = Field(alias="projectArns", max_length=MAX_PROJECTS)
    dry_run: bool = Field(alias="dryRun")
    kill_switch: bool = Field(alias="killSwitch")
    by_deadline: bool = Field(alias="byDeadline")


class ChainTrigger(Strict):
    # TriggerKind's values (strict mode takes no enum text)
    kind: Literal["api", "eventbridge", "direct", "schedule", "alarm"]
    id: SafeText = Field(max_length=2048)

    @property
    def trigger_kind(self) -> TriggerKind:
        return TriggerKind(self.kind)


class ResumePoint(Strict):
    """Where the next link starts, in the order every link works in (project id, session id,
    job id): sessions before it were acted on; `sessionId` absent = the project's start."""

    project_id: DeviceFarmId = Field(alias="projectId")
    session_id: DeviceFarmId | None = Field(None, alias="sessionId")
    job_id: DeviceFarmId | None = Field(None, alias="jobId")

    def key(self) -> tuple[str, str, str]:
        return (self.project_id, self.session_id or "", self.job_id or "")


class ContinuationEvent(Strict):
    """What a sweep that ran out of time sends the function (InvocationType Event)."""

    action: Literal["continueSweep"]
    chain_id: ChainId = Field(alias="chainId", description="the first sweep's sweepId")
    link: int = Field(ge=2, le=MAX_LINKS, description="this link's number; the first sweep is 1")
    previous_sweep_id: ChainId = Field(alias="previousSweepId")
    correlation_id: SafeText = Field(alias="correlationId", max_length=256)
    trigger: ChainTrigger
    selected_at: Instant = Field(
        alias="selectedAt", description="the chain's 'now': every link selects as of it"
    )
    policy: ChainPolicy
    resume_from: ResumePoint | None = Field(alias="resumeFrom")
    # A sweep over several accounts works them side by side (one lane each), so each resumes
    # where its own lane stopped; an account not named resumes at `resumeFrom`.
    resume_by_account: dict[AccountId, ResumePoint] = Field(
        default_factory=dict, alias="resumeByAccount", max_length=MAX_RESUMED_ACCOUNTS
    )
    already_done: list[SessionArn] = Field(
        default_factory=list, alias="alreadyDone", max_length=MAX_ALREADY_DONE
    )
    totals: ChainTotals
