"""A member account is reached with its spoke role's credentials only: assumed with the external
id and a session name that says why, kept until shortly before they expire, and never replaced
by the hub's own credentials when the role cannot be assumed. STS is botocore's Stubber, so the
requests and answers have AWS's shapes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from session_stopper.config import PacingSettings
from session_stopper.gateways.account_clients import MemberClients
from session_stopper.gateways.devicefarm import (
    ACCOUNT_NOT_REACHED,
    DeviceFarmError,
    DeviceFarmGateway,
)
from session_stopper.gateways.pacing import Pacer
from session_stopper.gateways.spoke_access import (
    RENEW_BEFORE_SECONDS,
    AssumeRoleRefusedError,
    Credentials,
    SpokeAccess,
)
from tests.support import botocore_samples as samples

HUB, MEMBER = samples.ACCOUNT, "111111111111"
ROLE = f"arn:aws:iam::{MEMBER}:role/session-stopper-spoke"
NOW = datetime(2026, 12, 6, 12, tzinfo=UTC)


def granted(key: str, expires: datetime) -> dict[str, Any]:
    return {
        "Credentials": {
            "AccessKeyId": key,
            "SecretAccessKey": "secret",
            "SessionToken": "token",
            "Expiration": expires,
        },
        "AssumedRoleUser": {
            "AssumedRoleId": "AROAEXAMPLE:session-stopper-sweep",
            "Arn": f"arn:aws:sts::{MEMBER}:assumed-role/spoke/session-stopper-sweep",
        },
    }


def expected(purpose: str = "sweep") -> dict[str, Any]:
    return {
        "RoleArn": ROLE,
        "RoleSessionName": f"session-stopper-{purpose}",
        "ExternalId": "the-external-id",
        "DurationSeconds": 3600,
    }


@pytest.fixture
def sts() -> Any:
    return boto3.client("sts", region_name="eu-west-1")


def access(sts: Any, clock: list[float]) -> SpokeAccess:
    return SpokeAccess("session-stopper-spoke", "the-external-id", client=sts, now=lambda: clock[0])


def test_credentials_are_kept_until_shortly_before_they_expire(sts: Any) -> None:
    clock = [NOW.timestamp()]
    spoke = access(sts, clock)
    with Stubber(sts) as stub:
        stub.add_response(
            "assume_role", granted("ASIAFIRSTEXAMPLE0", NOW + timedelta(hours=1)), expected()
        )
        stub.add_response(
            "assume_role", granted("ASIASECONDEXAMPLE", NOW + timedelta(hours=2)), expected()
        )
        assert spoke.credentials(MEMBER, "sweep").access_key_id == "ASIAFIRSTEXAMPLE0"
        clock[0] += 3600 - RENEW_BEFORE_SECONDS - 1
        assert spoke.credentials(MEMBER, "sweep").access_key_id == "ASIAFIRSTEXAMPLE0"
        clock[0] += 2
        assert spoke.credentials(MEMBER, "sweep").access_key_id == "ASIASECONDEXAMPLE"
        stub.assert_no_pending_responses()


def test_a_role_that_cannot_be_assumed_is_a_named_refusal(sts: Any) -> None:
    spoke = access(sts, [NOW.timestamp()])
    with Stubber(sts) as stub:
        stub.add_client_error(
            "assume_role",
            "AccessDenied",
            "not authorized to perform sts:AssumeRole",
            403,
            expected_params=expected("timer"),
        )
        with pytest.raises(AssumeRoleRefusedError) as raised:
            spoke.credentials(MEMBER, "timer")
    assert raised.value.account == MEMBER
    assert "AccessDenied" in raised.value.reason
    assert ROLE in raised.value.reason


class Recorder:
    """A Device Farm client that records which credentials each call was made with."""

    def __init__(self, key: str, calls: list[tuple[str, str]]) -> None:
        self.key, self.calls = key, calls

    def get_remote_access_session(self, **params: Any) -> Any:
        self.calls.append((self.key, params["arn"]))
        return {"remoteAccessSession": {"arn": params["arn"], "status": "RUNNING"}}


class FixedAccess(SpokeAccess):
    def __init__(self, refused: set[str] | None = None) -> None:
        super().__init__("spoke", "external")
        self.refused = refused or set()

    def credentials(self, account: str, purpose: str) -> Credentials:
        if account in self.refused:
            raise AssumeRoleRefusedError(account, "AssumeRole: AccessDenied")
        return Credentials(f"KEY{account}", "secret", "token", NOW.timestamp() + 3600)


def routed_gateway(
    monkeypatch: pytest.MonkeyPatch, calls: list[tuple[str, str]], refused: set[str] | None = None
) -> DeviceFarmGateway:
    monkeypatch.setattr(
        "session_stopper.gateways.account_clients.client_with",
        lambda _interactive, credentials: Recorder(credentials.access_key_id, calls),
    )
    return DeviceFarmGateway(
        Recorder("HUB", calls),  # type: ignore[arg-type]
        pacer=Pacer(PacingSettings()),
        members=MemberClients(access=FixedAccess(refused)),
        hub_account=HUB,
    )


def test_each_call_uses_the_credentials_of_the_account_its_arn_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str]] = []
    gateway = routed_gateway(monkeypatch, calls)
    member_session = samples.session_arn().replace(HUB, MEMBER)

    gateway.get_session(samples.session_arn())
    gateway.get_session(member_session)

    assert calls == [("HUB", samples.session_arn()), (f"KEY{MEMBER}", member_session)]


def test_an_unreachable_account_is_a_failure_and_nothing_is_sent_with_other_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[str, str]] = []
    gateway = routed_gateway(monkeypatch, calls, refused={MEMBER})

    with pytest.raises(DeviceFarmError) as raised:
        gateway.get_session(samples.session_arn().replace(HUB, MEMBER))

    assert raised.value.code == ACCOUNT_NOT_REACHED
    assert calls == []


def test_an_api_request_assumes_a_members_role_once_whatever_its_gateways_purposes(
    sts: Any,
) -> None:
    """An extension reads the session ("extend") and its project's tags ("budget"): its 29 s
    arithmetic has room for one AssumeRole, so the second reuses the first's credentials."""
    clock = [NOW.timestamp()]
    api = SpokeAccess(
        "session-stopper-spoke",
        "the-external-id",
        client=sts,
        interactive=True,
        now=lambda: clock[0],
    )
    with Stubber(sts) as stub:
        first = granted("ASIAEXTENDEXAMPLE", NOW + timedelta(hours=1))
        stub.add_response("assume_role", first, expected("extend"))
        assert api.credentials(MEMBER, "extend").access_key_id == "ASIAEXTENDEXAMPLE"
        assert api.credentials(MEMBER, "budget").access_key_id == "ASIAEXTENDEXAMPLE"
        stub.assert_no_pending_responses()
