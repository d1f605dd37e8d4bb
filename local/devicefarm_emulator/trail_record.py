"""One Device Farm API call as EventBridge receives it from CloudTrail.

The shape follows AWS's documentation: the EventBridge envelope of CloudTrail events
("detail-type" `AWS API Call via CloudTrail`, "source" `aws.<service>`, "resources" empty) around a
CloudTrail record ("CloudTrail record contents" in the CloudTrail user guide). Fields the record
guide marks optional and that a Device Farm call from an SDK would not carry (tlsDetails,
sessionCredentialFromConsole, resources, additionalEventData) are left out.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from local.devicefarm_emulator.arns import REGION

# The record format's current version, per the CloudTrail user guide.
EVENT_VERSION = "1.11"
DETAIL_TYPE = "AWS API Call via CloudTrail"
SOURCE = "aws.devicefarm"
EVENT_SOURCE = "devicefarm.amazonaws.com"
# The emulator reads only the access key id (it decides the account), so every call is
# attributed to one IAM user of that account.
USER_NAME = "local-developer"
PRINCIPAL_ID = "AIDALOCALDEVELOPER00"


@dataclass(frozen=True)
class Caller:
    """What the HTTP request says about who called: CloudTrail records it with the call."""

    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    source_ip: str = "127.0.0.1"
    user_agent: str = "devicefarm-emulator"
    access_key_id: str = ""


def iso_seconds(epoch: float) -> str:
    """CloudTrail's timestamps: UTC, to the second, `Z` (2026-11-28T02:00:00Z)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_call_event(
    *,
    operation: str,
    request: dict[str, Any],
    caller: Caller,
    account_id: str,
    now: float,
    response: dict[str, Any] | None = None,
    error: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """The EventBridge event for one call. `response` becomes responseElements (None: null);
    `error` is (code, message) for a call the service refused."""
    moment = iso_seconds(now)
    detail: dict[str, Any] = {
        "eventVersion": EVENT_VERSION,
        "userIdentity": _user_identity(account_id, caller),
        "eventTime": moment,
        "eventSource": EVENT_SOURCE,
        "eventName": operation,
        "awsRegion": REGION,
        "sourceIPAddress": caller.source_ip,
        "userAgent": caller.user_agent,
    }
    if error is not None:
        # A refused call: CloudTrail adds the error and has no response to record.
        detail["errorCode"], detail["errorMessage"] = error
    detail.update(
        {
            "requestParameters": dict(request),
            "responseElements": None if error is not None else response,
            "requestID": caller.request_id,
            "eventID": str(uuid.uuid4()),
            "readOnly": False,
            "eventType": "AwsApiCall",
            "managementEvent": True,
            "recipientAccountId": account_id,
            "eventCategory": "Management",
        }
    )
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": account_id,
        "time": moment,
        "region": REGION,
        "resources": [],
        "detail": detail,
    }


def _user_identity(account_id: str, caller: Caller) -> dict[str, Any]:
    return {
        "type": "IAMUser",
        "principalId": PRINCIPAL_ID,
        "arn": f"arn:aws:iam::{account_id}:user/{USER_NAME}",
        "accountId": account_id,
        "accessKeyId": caller.access_key_id,
        "userName": USER_NAME,
    }
