"""Sweep input (schedule, EventBridge, API) and the one summary message each sweep publishes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from session_stopper import clock
from session_stopper.models.arn import ProjectArn
from session_stopper.models.chain import ChainEnd, SweepContinuation
from session_stopper.models.outcome import ContractModel, OutcomeError, Trigger
from session_stopper.models.text import SafeText

# As many as the operator may configure (cdk.json projectArns); keeps a summary publishable.
MAX_PROJECTS = 50


class SweepCommand(BaseModel):
    """Every key is optional; what is missing comes from the function's environment.

    Strict: no coercion ("6" is not 6, 0 is not false) and only the documented names, so a
    misspelt key is refused instead of silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    action: Literal["sweep"] = "sweep"
    max_age_minutes: float | None = Field(None, alias="maxAgeMinutes", ge=0, le=100_000)
    project_arns: list[ProjectArn] | None = Field(
        None, alias="projectArns", max_length=MAX_PROJECTS
    )
    dry_run: bool | None = Field(None, alias="dryRun")


class SweepPolicy(BaseModel):
    """A sweep's settled rules: defaults applied, alarm kill switch decided."""

    model_config = ConfigDict(frozen=True)

    max_age_minutes: float
    project_arns: tuple[str, ...]
    dry_run: bool
    kill_switch: bool = False
    # A sweep that names no age stops what is past its deadline: created + its project's budget,
    # or later if its owner extended it. One that names an age stops by that age.
    by_deadline: bool = False
    # Whether protected names and exempt projects are SKIPPED. Always for a caller's or the
    # schedule's sweep; a kill switch only when the operator says so (KILL_SWITCH_SPARES_EXEMPT).
    spares_exempt: bool = True

    @property
    def selection(self) -> Selection:
        if self.kill_switch:
            return "killSwitch"
        return "deadline" if self.by_deadline else "age"


Selection = Literal["deadline", "age", "killSwitch"]


class ListingFailure(ContractModel):
    """A listing a sweep could not make: its sessions were neither seen nor acted on."""

    operation: SafeText = Field(
        description="ListProjects, ListRemoteAccessSessions or ListTagsForResource"
    )
    project_arn: SafeText | None = Field(
        None, alias="projectArn", description="null when ListProjects itself failed"
    )
    account: SafeText | None = Field(None, description="the account whose listing failed")
    code: SafeText
    message: SafeText


class AccountSummary(ContractModel):
    """One account in a sweep's scope: whether it was reached, and what happened there."""

    account: SafeText
    reached: bool = Field(
        description="false: its spoke role could not be assumed, or grants less than it must "
        "(error says why); nothing in it was seen or acted on"
    )
    dry_run: bool = Field(alias="dryRun", description="the account's own dry run, or the sweep's")
    error: OutcomeError | None = None
    outcomes: dict[str, int] = Field(
        default_factory=dict, description="count of this account's outcome messages by outcome"
    )


class SweepAction(StrEnum):
    STOP = "stop"
    SKIP = "skip"


class PlannedSession(ContractModel):
    """A session the sweep acted on or, in a dry run, would have: what a person judges it by."""

    arn: SafeText
    name: SafeText | None = None
    device: SafeText | None = None
    platform: SafeText | None = None
    status: SafeText | None = None
    age_minutes: float = Field(alias="ageMinutes")
    device_minutes: float | None = Field(None, alias="deviceMinutes")
    cost_so_far_usd: float = Field(alias="costSoFarUsd", description="0 for unmetered sessions")
    action: SweepAction
    reason: SafeText = Field(
        description="SELECTED (stopped), or why it was skipped: DRY_RUN (would be stopped), "
        "PROTECTED, EXEMPT"
    )


class SweepCounts(ContractModel):
    projects_listed: int = Field(0, alias="projectsListed")
    projects_failed: list[SafeText] = Field(
        default_factory=list,
        alias="projectsFailed",
        description='project ARNs that could not be listed; "*" when ListProjects failed '
        "(listingFailures says why)",
    )
    projects_not_reached: list[SafeText] = Field(
        default_factory=list, alias="projectsNotReached", description="not listed: out of time"
    )
    sessions_seen: int = Field(0, alias="sessionsSeen")
    sessions_active: int = Field(0, alias="sessionsActive")
    sessions_selected: int = Field(0, alias="sessionsSelected")


class TimerCounts(ContractModel):
    """What the sweep did for expiry timers (absent when timers are off or it changed nothing
    by design: a dry run or a kill switch)."""

    armed: int = Field(0, description="timers armed for sessions that had none")
    failed: int = Field(0, description="timers that could not be armed (NOT_ARMED messages)")
    stopped_overdue: int = Field(
        0, alias="stoppedOverdue", description="sessions without a timer already past deadline"
    )

    def add(self, armed: int = 0, failed: int = 0, stopped_overdue: int = 0) -> TimerCounts:
        return TimerCounts(
            armed=self.armed + armed,
            failed=self.failed + failed,
            stopped_overdue=self.stopped_overdue + stopped_overdue,
        )


class RunningSweep(ContractModel):
    """A sweep holding the lease (one sweep runs at a time): the one another yielded to."""

    sweep_id: SafeText = Field(alias="sweepId")
    trigger_kind: SafeText = Field(alias="triggerKind")
    trigger_id: SafeText = Field(alias="triggerId")
    started_at: SafeText = Field(alias="startedAt")
    kill_switch: bool = Field(False, alias="killSwitch")


class SweepSummary(ContractModel):
    schema_version: Literal["1.0"] = Field("1.0", alias="schemaVersion")
    message_type: Literal["sweepSummary"] = Field("sweepSummary", alias="messageType")
    sweep_id: SafeText = Field(alias="sweepId")
    correlation_id: SafeText = Field(alias="correlationId")
    trigger: Trigger
    dry_run: bool = Field(alias="dryRun")
    kill_switch: bool = Field(alias="killSwitch")
    max_age_minutes: float | None = Field(alias="maxAgeMinutes")
    selection: Selection = Field(
        "age",
        description="deadline: past created + the project's budget (or the extended deadline); "
        "age: older than maxAgeMinutes; killSwitch: every active session",
    )
    scope: list[SafeText] = Field(description="project ARNs swept; empty means every project")
    inventory: SweepCounts
    outcomes: dict[str, int] = Field(description="count of outcome messages by outcome")
    device_minutes_stopped: float = Field(alias="deviceMinutesStopped")
    estimated_savings_usd: float = Field(alias="estimatedSavingsUsd")
    left_undone_count: int = Field(alias="leftUndoneCount", description="sessions not acted on")
    left_undone: list[SafeText] = Field(
        alias="leftUndone", description="their ARNs (the first 200), left to the next sweep"
    )
    started_at: datetime = Field(alias="startedAt")
    finished_at: datetime = Field(default_factory=clock.now, alias="finishedAt")
    duration_seconds: float = Field(alias="durationSeconds")
    yielded_to: RunningSweep | None = Field(
        None,
        alias="yieldedTo",
        description="set when another sweep was running: this one did nothing and left it",
    )
    timers: TimerCounts | None = Field(
        None, description="expiry timers this sweep armed, or could not arm"
    )
    skipped: dict[str, int] = Field(
        default_factory=dict, description="SKIPPED outcomes by reason (PROTECTED, DRY_RUN, ...)"
    )
    sessions: list[PlannedSession] = Field(
        default_factory=list,
        description="the sessions acted on (in a dry run: would be), the first 100",
    )
    sessions_not_listed: int = Field(
        0, alias="sessionsNotListed", description="acted on, but beyond the first 100"
    )
    listing_failures: list[ListingFailure] = Field(
        default_factory=list, alias="listingFailures", description="what could not be listed, why"
    )
    accounts: list[AccountSummary] = Field(
        default_factory=list, description="every account in the sweep's scope, by id"
    )
    continuation: SweepContinuation | None = Field(
        None,
        description="set when the sweep's work outlasted one invocation: this summary is one "
        "link of a chain (nextLink: it continued; end: the chain ended here, with its totals)",
    )

    @property
    def needs_a_person(self) -> bool:
        """It stopped (or in a dry run would have stopped) something, or failed: worth an email
        or a chat line. A sweep that found nothing to do, every 15 minutes, is not. Of a chain,
        only the last link tells (by the chain's totals), or one that could not list."""
        listing = bool(self.listing_failures or self.inventory.projects_failed)
        chain = self.continuation
        if chain is None:
            return listing or _worth_telling(self.outcomes, self.skipped)
        if chain.end is None:
            return listing
        ended_early = chain.end is not ChainEnd.DONE
        totals = chain.totals
        return listing or ended_early or _worth_telling(totals.outcomes, totals.skipped)


def _worth_telling(outcomes: dict[str, int], skipped: dict[str, int]) -> bool:
    return bool(outcomes.get("STOPPED") or outcomes.get("FAILED") or skipped.get("DRY_RUN"))
