"""The outcome message: the public contract every subscriber of the topic relies on.

Versioned by `schemaVersion`. Add optional fields freely; renaming or removing one, or changing
a meaning, needs a new major version and a README entry.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from session_stopper import clock
from session_stopper.models.excerpt import InputExcerpt
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.text import SafeText


class Outcome(StrEnum):
    STOPPED = "STOPPED"
    ALREADY_ENDED = "ALREADY_ENDED"
    NOT_FOUND = "NOT_FOUND"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"


class TriggerKind(StrEnum):
    API = "api"
    EVENTBRIDGE = "eventbridge"
    DIRECT = "direct"
    SCHEDULE = "schedule"
    ALARM = "alarm"
    EXPIRY = "expiry"
    CLOUDTRAIL = "cloudtrail"


class ContractModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, serialize_by_alias=True)


class Trigger(ContractModel):
    kind: TriggerKind
    id: SafeText = Field(description="API request id, EventBridge rule or event id, alarm ARN")


class OutcomeError(ContractModel):
    code: SafeText
    message: SafeText


class DeviceSummary(ContractModel):
    name: SafeText | None = None
    platform: SafeText | None = None
    os: SafeText | None = None
    model: SafeText | None = None


class MinutesSummary(ContractModel):
    total: float | None = None
    metered: float | None = None
    unmetered: float | None = None


class SessionSummary(ContractModel):
    arn: SafeText
    name: SafeText | None = None
    status: SafeText | None = None
    result: SafeText | None = None
    device: DeviceSummary | None = None
    created: datetime | None = None
    started: datetime | None = None
    stopped: datetime | None = None
    device_minutes: MinutesSummary | None = Field(None, alias="deviceMinutes")
    billing_method: SafeText | None = Field(None, alias="billingMethod")

    @classmethod
    def of(cls, session: RemoteAccessSession) -> SessionSummary:
        device = session.device
        minutes = session.device_minutes
        return cls(
            arn=session.arn,
            name=session.name,
            status=session.status,
            result=session.result,
            device=DeviceSummary(
                name=device.name, platform=device.platform, os=device.os, model=device.model
            )
            if device
            else None,
            created=session.created,
            started=session.started,
            stopped=session.stopped,
            device_minutes=MinutesSummary(
                total=minutes.total, metered=minutes.metered, unmetered=minutes.unmetered
            )
            if minutes
            else None,
            billing_method=session.billing_method,
        )


class TimerFacts(ContractModel):
    """In an outcome an expiry timer caused: the deadline it kept, and by how much it missed."""

    deadline: datetime
    budget_minutes: int = Field(alias="budgetMinutes")
    overshoot_seconds: float = Field(
        alias="overshootSeconds", description="when the function acted, minus the deadline"
    )


class OutcomeMessage(ContractModel):
    schema_version: Literal["1.0"] = Field("1.0", alias="schemaVersion")
    message_type: Literal["outcome"] = Field("outcome", alias="messageType")
    outcome: Outcome
    correlation_id: SafeText = Field(alias="correlationId")
    trigger: Trigger
    session_arn: SafeText | None = Field(
        None,
        alias="sessionArn",
        description="the ARN acted on; on a REJECTED outcome, the one claimed if it is a "
        "well-formed session ARN (else null, and `input` holds an excerpt of the text)",
    )
    project_arn: SafeText | None = Field(
        None, alias="projectArn", description="set when a sweep could not list a project"
    )
    account: SafeText | None = Field(
        None,
        description="the AWS account of the session (or project, or unreachable account) acted "
        "on; null when the input named none",
    )
    session: SessionSummary | None = None
    error: OutcomeError | None = None
    input: InputExcerpt | None = Field(
        None,
        description="on a REJECTED outcome whose claimed session ARN is no ARN: an excerpt of "
        "what was sent in its place, never the whole text",
    )
    reason: SafeText | None = Field(None, description="why a session was SKIPPED")
    sweep_id: SafeText | None = Field(None, alias="sweepId")
    timer: TimerFacts | None = Field(None, description="set when an expiry timer fired")
    replay: bool = Field(
        False,
        description="true: a repeat inside the idempotency window; this is the first outcome, "
        "and `trigger` is the trigger that caused it",
    )
    replayed_for: Trigger | None = Field(
        None, alias="replayedFor", description="on a replay: the trigger that asked again"
    )
    occurred_at: datetime = Field(default_factory=clock.now, alias="occurredAt")

    @property
    def platform(self) -> str:
        device = self.session.device if self.session else None
        return (device.platform if device else None) or "UNKNOWN"
