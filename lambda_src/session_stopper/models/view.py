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
        description="the deadline in force: the later of its timer's (when armed) and the latest "
        "extension recorded for it, else created + budget; the sweep stops it after this"
    )
    warning_at: datetime | None = Field(
        alias="warningAt",
        description="when its owner is warned: its armed timer's deadline minus the deployment's "
        "warning lead, exactly when the pending warning schedule fires. null when no warning is "
        "pending: no lead configured (0) or timers off, no timer armed, or the time has passed "
        "(the warning went out then, or at arming for a session armed inside its lead)",
    )
    extended_minutes: float | None = Field(
        alias="extendedMinutes",
        description="how far the deadline in force is past the budget's deadline (created + "
        "budget), in minutes: 0 when never extended (and for an exempt project's sessions); "
        "null when unknown (extensionsUnread says why)",
    )
    extended_to: datetime | None = Field(
        alias="extendedTo",
        description="the latest deadline its owner was granted (POST /sessions/extend), as "
        "recorded apart from its timer; null when never extended, or unknown (extendedMinutes "
        "null)",
    )
    timer_armed: bool = Field(alias="timerArmed")
    sweep_would_stop: bool = Field(alias="sweepWouldStop")
    reason: SafeText = Field(
        description="PAST_DEADLINE (the sweep would stop it), WITHIN_BUDGET, or why it would be "
        "skipped: PROTECTED, EXEMPT, DRY_RUN"
    )


class ExtensionsUnread(ContractModel):
    """The extension ledger could not be read for some sessions: their extendedMinutes and
    extendedTo are null. The listing itself is complete, so the status stays 200."""

    operation: SafeText = Field(description="BatchGetItem (DynamoDB)")
    code: SafeText = Field(
        description="DynamoDB's error code; OUT_OF_TIME (no time left within API Gateway's 29 s) "
        "or UNPROCESSED (DynamoDB kept leaving the keys unprocessed)"
    )
    message: SafeText
    sessions: int = Field(description="how many sessions' extensions are unknown")


class SessionsView(ContractModel):
    dry_run: bool = Field(alias="dryRun", description="the deployment stops nothing on its own")
    count: int = 0
    sessions: list[ActiveSession] = Field(default_factory=list)
    projects_listed: int = Field(0, alias="projectsListed")
    projects_not_reached: list[SafeText] = Field(
        default_factory=list, alias="projectsNotReached", description="not listed: out of time"
    )
    listing_failures: list[ListingFailure] = Field(default_factory=list, alias="listingFailures")
    extensions_unread: ExtensionsUnread | None = Field(
        None,
        alias="extensionsUnread",
        description="null when every session's extensions were read",
    )
