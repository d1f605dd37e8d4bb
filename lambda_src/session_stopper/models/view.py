"""`GET /sessions`: the active sessions in scope, and what the scheduled sweep would do to each."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from session_stopper.models.outcome import ContractModel
from session_stopper.models.sweep import ListingFailure
from session_stopper.models.text import SafeText


class ActiveSession(ContractModel):
    arn: SafeText
    name: SafeText | None = None
    project_arn: SafeText = Field(alias="projectArn")
    device: SafeText | None = None
    platform: SafeText | None = None
    status: SafeText | None = None
    billing_method: SafeText | None = Field(None, alias="billingMethod")
    age_minutes: float = Field(alias="ageMinutes")
    cost_so_far_usd: float = Field(alias="costSoFarUsd", description="0 for unmetered sessions")
    budget_minutes: int | None = Field(
        alias="budgetMinutes", description="null: its project is tagged exempt"
    )
    deadline: datetime | None = Field(
        description="its timer's deadline when armed (extensions included), else created + budget"
    )
    timer_armed: bool = Field(alias="timerArmed")
    sweep_would_stop: bool = Field(alias="sweepWouldStop")
    reason: SafeText = Field(
        description="PAST_DEADLINE (the sweep would stop it), WITHIN_BUDGET, or why it would be "
        "skipped: PROTECTED, EXEMPT, DRY_RUN"
    )


class SessionsView(ContractModel):
    dry_run: bool = Field(alias="dryRun", description="the deployment stops nothing on its own")
    count: int = 0
    sessions: list[ActiveSession] = Field(default_factory=list)
    projects_listed: int = Field(0, alias="projectsListed")
    projects_not_reached: list[SafeText] = Field(
        default_factory=list, alias="projectsNotReached", description="not listed: out of time"
    )
    listing_failures: list[ListingFailure] = Field(default_factory=list, alias="listingFailures")
