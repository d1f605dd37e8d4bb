"""The session models against botocore's output shapes and the seed docs page's syntax."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from botocore.validate import ParamValidator
from pydantic import BaseModel, ValidationError

from session_stopper.models.enums import (
    BillingMethod,
    DevicePlatform,
    SessionResult,
    SessionStatus,
)
from session_stopper.models.session import RemoteAccessSession, SessionPage, SessionResponse
from tests.support import botocore_samples as samples


def unmodelled(model: BaseModel, path: str = "") -> list[str]:
    """Keys that only survived as extras, anywhere in the tree (extra="allow" keeps them)."""
    found = [f"{path}{key}" for key in model.model_extra or {}]
    for name, value in model:
        children = value if isinstance(value, list) else [value]
        for child in children:
            if isinstance(child, BaseModel):
                found += unmodelled(child, f"{path}{name}.")
    return found


# The response syntax of the reference page (older model): fields the current model dropped.
SEED_PAGE_SESSION = {
    "arn": samples.session_arn(7),
    "name": "seed",
    "created": datetime(2015, 1, 1, tzinfo=UTC),
    "status": "RUNNING",
    "result": "PENDING",
    "message": "string",
    "started": datetime(2015, 1, 1, tzinfo=UTC),
    "stopped": datetime(2015, 1, 1, tzinfo=UTC),
    "device": {
        "arn": "arn:aws:devicefarm:us-west-2::device:ABCDEF0123456789",
        "name": "Google Pixel 8",
        "manufacturer": "Google",
        "model": "Pixel 8",
        "modelId": "G9BQD",
        "formFactor": "PHONE",
        "platform": "ANDROID",
        "os": "14",
        "cpu": {"frequency": "MHz", "architecture": "arm64", "clock": 2900.0},
        "resolution": {"width": 1080, "height": 2400},
        "heapSize": 512,
        "memory": 8192,
        "image": "img",
        "carrier": "none",
        "radio": "none",
        "remoteAccessEnabled": True,
        "remoteDebugEnabled": False,
        "fleetType": "PUBLIC",
        "fleetName": "public",
        "instances": [
            {
                "arn": "arn:aws:devicefarm:us-west-2:123456789012:deviceinstance:abc",
                "deviceArn": "arn:aws:devicefarm:us-west-2::device:ABCDEF0123456789",
                "labels": ["a"],
                "status": "IN_USE",
                "udid": "udid",
                "instanceProfile": {
                    "arn": "arn:aws:devicefarm:us-west-2:123456789012:instanceprofile:x",
                    "packageCleanup": True,
                    "excludeAppPackagesFromCleanup": ["com.example"],
                    "rebootAfterUse": True,
                    "name": "profile",
                    "description": "d",
                },
            }
        ],
        "availability": "AVAILABLE",
    },
    "instanceArn": "arn:aws:devicefarm:us-west-2:123456789012:deviceinstance:abc",
    "remoteDebugEnabled": False,
    "remoteRecordEnabled": True,
    "remoteRecordAppArn": "arn:aws:devicefarm:us-west-2:123456789012:upload:app",
    "hostAddress": "10.0.0.1",
    "clientId": "client",
    "billingMethod": "METERED",
    "deviceMinutes": {"total": 12.5, "metered": 12.5, "unmetered": 0.0},
    "endpoint": "wss://example",
    "deviceUdid": "udid",
    "interactionMode": "INTERACTIVE",
    "skipAppResign": False,
    "vpcConfig": {"securityGroupIds": ["sg-1"], "subnetIds": ["subnet-1"], "vpcId": "vpc-1"},
}


def test_the_seed_page_shape_validates_without_warnings(caplog: pytest.LogCaptureFixture) -> None:
    session = RemoteAccessSession.model_validate(SEED_PAGE_SESSION)

    assert unmodelled(session) == []
    assert session.remote_record_app_arn == SEED_PAGE_SESSION["remoteRecordAppArn"]
    assert session.host_address == "10.0.0.1"
    assert session.device is not None
    assert session.device.instances is not None
    assert session.device.instances[0].instance_profile is not None
    assert session.device_minutes is not None
    assert session.device_minutes.total == 12.5
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


@pytest.mark.parametrize("variant", range(samples.enum_variants("RemoteAccessSession")))
def test_every_field_and_enum_of_the_current_model_validates(
    variant: int, caplog: pytest.LogCaptureFixture
) -> None:
    body = samples.sample("RemoteAccessSession", variant)
    ParamValidator().validate(body, samples.devicefarm_model().shape_for("RemoteAccessSession"))

    session = RemoteAccessSession.model_validate(body)

    assert unmodelled(session) == [], "every field botocore knows is modelled"
    assert session.status == body["status"]
    assert session.device_proxy is not None
    assert session.endpoints is not None
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_model_enums_match_botocore() -> None:
    model = samples.devicefarm_model()
    pairs = {
        "ExecutionStatus": SessionStatus,
        "ExecutionResult": SessionResult,
        "DevicePlatform": DevicePlatform,
        "BillingMethod": BillingMethod,
    }
    for shape_name, enum in pairs.items():
        assert [member.value for member in enum] == model.shape_for(shape_name).enum


def test_an_unknown_enum_value_is_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = samples.session(status="HIBERNATING")

    session = RemoteAccessSession.model_validate(body)

    assert session.status == "HIBERNATING"
    warnings = [r for r in caplog.records if "does not know" in r.getMessage()]
    assert [(r.__dict__["enum"], r.__dict__["value"]) for r in warnings] == [
        ("SessionStatus", "HIBERNATING")
    ]


def test_an_unknown_field_is_kept_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    body = samples.session(quantumEntangled=True)

    session = RemoteAccessSession.model_validate(body)

    assert session.model_extra == {"quantumEntangled": True}
    warnings = [r for r in caplog.records if "does not know" in r.getMessage()]
    assert [r.__dict__["fields"] for r in warnings] == [["quantumEntangled"]]


def test_only_the_arn_is_required() -> None:
    session = RemoteAccessSession.model_validate({"arn": samples.session_arn()})
    assert session.status is None
    assert session.device is None


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"arn": "arn:aws:ec2:us-west-2:123456789012:instance/i-1"},
        {"arn": samples.session_arn(), "created": "not a date"},
        {"arn": samples.session_arn(), "deviceMinutes": {"total": "lots"}},
        {"arn": samples.session_arn(), "device": "Pixel"},
    ],
)
def test_malformed_answers_fail_validation(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        RemoteAccessSession.model_validate(body)


def test_list_page_and_response_wrappers() -> None:
    page = SessionPage.model_validate(
        {"remoteAccessSessions": [samples.session(number=n) for n in (1, 2)], "nextToken": "t"}
    )
    assert [s.name for s in page.remote_access_sessions] == ["session-1", "session-2"]
    assert page.next_token == "t"
    response = SessionResponse.model_validate({"remoteAccessSession": samples.session()})
    assert response.remote_access_session.arn == samples.session_arn()
