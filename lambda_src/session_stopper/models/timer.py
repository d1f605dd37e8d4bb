"""Expiry timers: what a schedule sends when it fires, what callers send to extend, and the
messages timers publish (`timer`, `warning`, `extended`), part of the versioned contract."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError

from session_stopper import clock
from session_stopper.config import SESSION_LIMIT_MINUTES
from session_stopper.models.arn import SessionArn, account_of
from session_stopper.models.outcome import ContractModel, OutcomeError, SessionSummary, Trigger
from session_stopper.models.text import SafeText

_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z", re.ASCII)


def format_instant(moment: datetime) -> str:
    """A UTC instant to the second, as schedules carry it: `2026-11-28T03:04:05Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _instant(value: str) -> str:
    if not _INSTANT.fullmatch(value):
        raise PydanticCustomError(
            "invalid_instant", "must be a UTC instant like 2026-11-28T03:04:05Z"
        )
    try:
        datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        raise PydanticCustomError("invalid_instant", "is not a calendar date and time") from None
    return value


Instant = Annotated[str, AfterValidator(_instant)]


def parse_instant(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class TimerAction(StrEnum):
    EXPIRE = "expire"
    WARN = "warn"


class TimerInput(BaseModel):
    """The event a session's schedule sends (its Target Input). Strict like every command: it is
    also what a direct invoke would have to forge, and it stops a session."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    action: Literal["expire", "warn"]  # TimerAction's values (strict mode takes no enum text)
    arn: SessionArn
    deadline: Instant
    budget_minutes: int = Field(alias="budgetMinutes", ge=1, le=SESSION_LIMIT_MINUTES)
    # Filled by Scheduler from its context attributes; absent when invoked some other way.
    schedule_arn: str | None = Field(None, alias="scheduleArn", max_length=2048)
    scheduled_time: str | None = Field(None, alias="scheduledTime", max_length=64)

    @property
    def deadline_at(self) -> datetime:
        return parse_instant(self.deadline)


# ASCII letters, digits, "_" and "-": what a UUID or a ULID is written with.
# (An empty one fails the pattern, as a long one fails max_length: both INVALID_VALUE.)
ClientToken = Annotated[str, StringConstraints(max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class ExtendCommand(BaseModel):
    """`POST /sessions/extend`: move a session's deadline `minutes` later. With a `clientToken`,
    a retry of the same request gets the first answer again instead of a second extension."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)

    arn: SessionArn
    minutes: int = Field(ge=1, le=SESSION_LIMIT_MINUTES)
    client_token: ClientToken | None = Field(
        None,
        alias="clientToken",
        description="1 to 64 of A-Z a-z 0-9 _ -; the same token from the same caller answers "
        "the first result again (for 150 minutes); with another arn or minutes it is refused",
    )


class TimerStatus(StrEnum):
    ARMED = "ARMED"  # the session has a deadline (and a warning before it)
    EXEMPT = "EXEMPT"  # its project is tagged exempt: no deadline
    UNMATCHED = "UNMATCHED"  # a CloudTrail record that names no session we could find
    NOT_ARMED = "NOT_ARMED"  # Scheduler or Device Farm failed; the sweep will cover it


# clampedTag: the project's tag asked for less than the operator's floor or more than its
# ceiling (MAX_TAG_BUDGET_MINUTES); the budget is the bound.
BudgetSource = Literal["default", "tag", "clampedTag"]


class _Notice(ContractModel):
    schema_version: Literal["1.0"] = Field("1.0", alias="schemaVersion")
    correlation_id: SafeText = Field(alias="correlationId")
    trigger: Trigger
    session_arn: SafeText | None = Field(None, alias="sessionArn")
    account: SafeText | None = Field(
        None, description="the session's AWS account (from sessionArn); null without one"
    )
    occurred_at: datetime = Field(default_factory=clock.now, alias="occurredAt")

    @model_validator(mode="before")
    @classmethod
    def _account_of_the_session(cls, data: Any) -> Any:
        if not isinstance(data, dict) or data.get("account") is not None:
            return data
        arn = data.get("sessionArn", data.get("session_arn"))
        account = account_of(arn) if isinstance(arn, str) else None
        return {**data, "account": account} if account else data


class TimerMessage(_Notice):
    message_type: Literal["timer"] = Field("timer", alias="messageType")
    status: TimerStatus
    project_arn: SafeText | None = Field(None, alias="projectArn")
    deadline: datetime | None = None
    warning_at: datetime | None = Field(None, alias="warningAt")
    budget_minutes: int | None = Field(None, alias="budgetMinutes")
    budget_source: BudgetSource | None = Field(None, alias="budgetSource")
    error: OutcomeError | None = None


class ExtendHint(ContractModel):
    request: Literal["POST /sessions/extend"] = "POST /sessions/extend"
    body: dict[str, SafeText | int]
    max_minutes: int = Field(alias="maxMinutes", description="the most it can be extended now")


class WarningMessage(_Notice):
    message_type: Literal["warning"] = Field("warning", alias="messageType")
    session: SessionSummary
    deadline: datetime
    minutes_left: float = Field(alias="minutesLeft")
    minutes_so_far: float = Field(alias="minutesSoFar", description="since the session started")
    cost_so_far_usd: float = Field(alias="costSoFarUsd", description="0 for unmetered sessions")
    extend: ExtendHint | None = Field(None, description="how to extend; absent when it cannot be")


class ExtendedMessage(_Notice):
    message_type: Literal["extended"] = Field("extended", alias="messageType")
    session: SessionSummary
    previous_deadline: datetime = Field(alias="previousDeadline")
    deadline: datetime
    minutes_added: int = Field(alias="minutesAdded")
    latest_deadline: datetime = Field(
        alias="latestDeadline", description="the furthest any extension may move it"
    )


Notice = TimerMessage | WarningMessage | ExtendedMessage
