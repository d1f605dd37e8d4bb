"""Device Farm API calls as EventBridge delivers them from CloudTrail (`AWS API Call via
CloudTrail`). Only the fields the timers read are declared; CloudTrail adds fields over time."""

from __future__ import annotations

from typing import Any, Literal

from aws_lambda_powertools.utilities.parser.models import EventBridgeModel
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

CREATE_SESSION = "CreateRemoteAccessSession"
STOP_SESSION = "StopRemoteAccessSession"


class CloudTrailRecord(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True, populate_by_name=True)

    event_source: Literal["devicefarm.amazonaws.com"] = Field(alias="eventSource")
    event_name: str = Field(alias="eventName", max_length=128)
    event_time: AwareDatetime = Field(alias="eventTime")
    event_id: str | None = Field(None, alias="eventID", max_length=128)
    error_code: str | None = Field(None, alias="errorCode", max_length=256)
    # The account whose API was called: a forwarded record must come from that account.
    recipient_account_id: str | None = Field(None, alias="recipientAccountId", max_length=12)
    request_parameters: dict[str, Any] | None = Field(None, alias="requestParameters")
    response_elements: dict[str, Any] | None = Field(None, alias="responseElements")


class CloudTrailEvent(EventBridgeModel):
    """`source` is checked: PutEvents refuses `aws.` sources, so only AWS can send these."""

    source: Literal["aws.devicefarm"]
    detail: CloudTrailRecord
