"""The local STS gate: AssumeRole refused as IAM refuses it (moto alone grants any role), and
the credentials it lets through act in the role's account at the Device Farm emulator."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.accounts.sts_gate import StsGate
from local.aws_resources import MotoServer, aws_client_in
from local.devicefarm_emulator import (
    DeviceFarmEmulator,
    EmulatorServer,
    ManualClock,
    function_role_arn,
)
from local.devicefarm_emulator.testing import make_devicefarm_client

HUB = "123456789012"
MEMBER = "111111111111"
NO_ROLE_MEMBER = "333333333333"
SPOKE = "session-stopper-local-spoke"
EXTERNAL_ID = "stopper-external-id"


def spoke_trust_policy(hub_role_arn: str, external_id: str) -> dict[str, Any]:
    """The spoke role's trust (issue-18-interface.md): the hub account, only as the hub
    function's role, only with the external id."""
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{HUB}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalArn": hub_role_arn,
                        "sts:ExternalId": external_id,
                    }
                },
            }
        ],
    }


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    server = MotoServer().start()
    iam = aws_client_in("iam", server.url, "us-east-1", MEMBER)
    iam.create_role(
        RoleName=SPOKE,
        AssumeRolePolicyDocument=json.dumps(spoke_trust_policy(function_role_arn(), EXTERNAL_ID)),
    )
    yield server.url
    server.stop()


@pytest.fixture
def emulator() -> Iterator[tuple[DeviceFarmEmulator, str]]:
    emulator = DeviceFarmEmulator(clock=ManualClock())
    server = EmulatorServer(emulator).start()
    yield emulator, server.url
    server.stop()


@pytest.fixture
def gate(moto_url: str, emulator: tuple[DeviceFarmEmulator, str]) -> Iterator[StsGate]:
    server = StsGate(moto_url, emulator[0].credentials).start()
    yield server
    server.stop()


def sts(gate: StsGate, access_key_id: str = "testing", token: str | None = None) -> Any:
    return boto3.session.Session().client(
        "sts",
        region_name="eu-west-1",
        endpoint_url=gate.url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key="testing",
        aws_session_token=token,
    )


def assume(gate: StsGate, account: str = MEMBER, **overrides: Any) -> dict[str, Any]:
    arguments = {
        "RoleArn": f"arn:aws:iam::{account}:role/{SPOKE}",
        "RoleSessionName": "session-stopper-sweep",
        "ExternalId": EXTERNAL_ID,
        **overrides,
    }
    arguments = {key: value for key, value in arguments.items() if value is not None}
    return dict(sts(gate).assume_role(**arguments))


def refused(call: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as error:
        call()
    return dict(error.value.response)


def test_the_hub_function_assumes_the_spoke_and_acts_in_the_member_account(
    gate: StsGate, emulator: tuple[DeviceFarmEmulator, str]
) -> None:
    hub, url = emulator
    member_project = hub.account(MEMBER).create_project("member")["arn"]
    hub_session = hub.create_session(hub.create_project("hub")["arn"])["arn"]

    answer = assume(gate)

    credentials = answer["Credentials"]
    assert answer["AssumedRoleUser"]["Arn"] == (
        f"arn:aws:sts::{MEMBER}:assumed-role/{SPOKE}/session-stopper-sweep"
    )
    devicefarm = make_devicefarm_client(
        url,
        access_key_id=credentials["AccessKeyId"],
        session_token=credentials["SessionToken"],
    )
    assert [p["arn"] for p in devicefarm.list_projects()["projects"]] == [member_project]
    denied = refused(lambda: devicefarm.stop_remote_access_session(arn=hub_session))
    assert denied["Error"]["Code"] == "AccessDeniedException"
    assert hub.get_session(hub_session)["status"] == "PENDING"
    identity = sts(gate, credentials["AccessKeyId"], credentials["SessionToken"])
    assert identity.get_caller_identity()["Account"] == MEMBER


@pytest.mark.parametrize(
    ("account", "overrides"),
    [
        (NO_ROLE_MEMBER, {}),  # the member never deployed the spoke
        (MEMBER, {"ExternalId": "guessed"}),
        (MEMBER, {"ExternalId": None}),
        (MEMBER, {"RoleArn": f"arn:aws:iam::{MEMBER}:role/other-path/{SPOKE}"}),
    ],
    ids=["missing-role", "wrong-external-id", "no-external-id", "other-path"],
)
def test_what_iam_refuses_is_access_denied_and_issues_nothing(
    gate: StsGate, account: str, overrides: dict[str, Any]
) -> None:
    before = dict(gate.credentials.known())

    response = refused(lambda: assume(gate, account, **overrides))

    role_arn = overrides.get("RoleArn") or f"arn:aws:iam::{account}:role/{SPOKE}"
    assert response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"] == (
        f"User: {gate.credentials.hub.arn} is not authorized to perform: sts:AssumeRole on "
        f"resource: {role_arn}"
    )
    assert dict(gate.credentials.known()) == before


def test_a_principal_the_trust_policy_does_not_name_is_refused(gate: StsGate) -> None:
    """Another role of the hub account: the account is trusted, aws:PrincipalArn is not it."""
    other = f"arn:aws:sts::{HUB}:assumed-role/developer/someone"
    gate.credentials.register("ASIAHUBDEVELOPER", HUB, other)
    spoke = f"arn:aws:iam::{MEMBER}:role/{SPOKE}"

    response = refused(
        lambda: sts(gate, "ASIAHUBDEVELOPER").assume_role(
            RoleArn=spoke, RoleSessionName="session-stopper-view", ExternalId=EXTERNAL_ID
        )
    )

    assert response["Error"]["Code"] == "AccessDenied"
    assert response["Error"]["Message"].startswith(f"User: {other} is not authorized")


def test_an_unknown_key_is_an_invalid_token_and_the_base_key_is_the_hub(gate: StsGate) -> None:
    spoke = f"arn:aws:iam::{MEMBER}:role/{SPOKE}"
    response = refused(
        lambda: sts(gate, "ASIAX").assume_role(
            RoleArn=spoke, RoleSessionName="session-stopper-view", ExternalId=EXTERNAL_ID
        )
    )

    assert response["Error"]["Code"] == "InvalidClientTokenId"
    assert sts(gate).get_caller_identity()["Account"] == HUB
