"""Sweep input (schedule, EventBridge, API) and the one summary message each sweep publishes."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from session_stopper.models.arn import MAX_ARN_LENGTH, MIN_ARN_LENGTH
from session_stopper.models.outcome import ContractModel, Trigger

_PROJECT_ARN = re.compile(r"^arn:aws:devicefarm:[a-z]{2}(-[a-z]+)+-\d+:\d{12}:project:[^\s/:]+$")


def _validate_project_arn(value: str) -> str:
    if not (MIN_ARN_LENGTH <= len(value) <= MAX_ARN_LENGTH and _PROJECT_ARN.match(value)):
        raise PydanticCustomError(
            "invalid_arn",
            "not a Device Farm project ARN (arn:aws:devicefarm:<region>:<account>:project:<id>):"
            " {value}",
            {"value": value[:200]},
        )
    return value


ProjectArn = Annotated[str, AfterValidator(_validate_project_arn)]


class SweepCommand(BaseModel):
    """Every key is optional; what is missing comes from the function's environment."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    action: Literal["sweep"] = "sweep"
    max_age_minutes: float | None = Field(None, alias="maxAgeMinutes", ge=0, le=100_000)
    project_arns: list[ProjectArn] | None = Field(None, alias="projectArns", max_length=1000)
    dry_run: bool | None = Field(None, alias="dryRun")


class SweepPolicy(BaseModel):
    """A sweep's settled rules: defaults applied, alarm kill switch decided."""

    model_config = ConfigDict(frozen=True)

    max_age_minutes: float
    project_arns: tuple[str, ...]
    dry_run: bool
    kill_switch: bool = False


class SweepCounts(ContractModel):
    projects_listed: int = Field(0, alias="projectsListed")
    projects_failed: list[str] = Field(default_factory=list, alias="projectsFailed")
    projects_not_reached: list[str] = Field(
        default_factory=list, alias="projectsNotReached", description="not listed: out of time"
    )
    sessions_seen: int = Field(0, alias="sessionsSeen")
    sessions_active: int = Field(0, alias="sessionsActive")
    sessions_selected: int = Field(0, alias="sessionsSelected")


class SweepSummary(ContractModel):
    schema_version: Literal["1.0"] = Field("1.0", alias="schemaVersion")
    message_type: Literal["sweepSummary"] = Field("sweepSummary", alias="messageType")
    sweep_id: str = Field(alias="sweepId")
    correlation_id: str = Field(alias="correlationId")
    trigger: Trigger
    dry_run: bool = Field(alias="dryRun")
    kill_switch: bool = Field(alias="killSwitch")
    max_age_minutes: float | None = Field(alias="maxAgeMinutes")
    scope: list[str] = Field(description="project ARNs swept; empty means every project")
    inventory: SweepCounts
    outcomes: dict[str, int] = Field(description="count of outcome messages by outcome")
    device_minutes_stopped: float = Field(alias="deviceMinutesStopped")
    estimated_savings_usd: float = Field(alias="estimatedSavingsUsd")
    left_undone_count: int = Field(alias="leftUndoneCount", description="sessions not acted on")
    left_undone: list[str] = Field(
        alias="leftUndone", description="their ARNs (the first 200), left to the next sweep"
    )
    started_at: datetime = Field(alias="startedAt")
    finished_at: datetime = Field(default_factory=lambda: datetime.now(UTC), alias="finishedAt")
    duration_seconds: float = Field(alias="durationSeconds")
