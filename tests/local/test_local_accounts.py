"""The local stack with member accounts: spoke roles in moto, the STS gate in the function's
environment, each account's CloudTrail delivered as its own, member-account API callers.

A fake function stands behind the stack's invoker (as in test_local_timers.py): what is under
test is what the stack hands the function and where its settings point, not the function.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from local.accounts.members import (
    SPOKE_EXTERNAL_ID,
    SPOKE_ROLE_NAME,
    LocalMember,
    spoke_trust_policy,
)
from local.api_server import api_caller
from local.apigw_events import LOCAL_DEVELOPER, ApiCaller
from local.aws_resources import aws_client, aws_client_in
from local.cloudtrail_delivery import CloudTrailDelivery
from local.demo.http_calls import post_json
from local.devicefarm_emulator import Caller, CredentialsRegistry, DeviceFarmEmulator, ManualClock
from local.devicefarm_emulator.catalogue import default_device_arn
from local.devicefarm_emulator.testing import make_devicefarm_client
from local.lambda_runtime import LambdaInvoker
from local.stack import LocalStack, LocalStackConfig

HUB = "123456789012"
MEMBER = "111111111111"
UNREACHABLE = "222222222222"
MEMBER_SETTINGS = ("MEMBER_ACCOUNTS", "ORGANIZATION_UNIT_IDS", "SPOKE_ROLE_NAME")
NEW_VARIABLES = (*MEMBER_SETTINGS, "SPOKE_EXTERNAL_ID", "AWS_ENDPOINT_URL_STS")


class RecordingFunction:
    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any, _context: Any) -> Any:
        self.events.append(event)
        return {"statusCode": 200, "body": "{}"}


@contextmanager
def stack_with(fake: RecordingFunction, **config: Any) -> Iterator[LocalStack]:
    stack = LocalStack(LocalStackConfig(**config), DeviceFarmEmulator(clock=ManualClock()))
    stack.invoker = LambdaInvoker(handler=fake)
    with stack:
        yield stack


@pytest.fixture
def fake() -> RecordingFunction:
    return RecordingFunction()


@pytest.fixture
def two_members(fake: RecordingFunction) -> Iterator[LocalStack]:
    members = (LocalMember(MEMBER, dry_run=False), LocalMember(UNREACHABLE, spoke_role=False))
    with stack_with(fake, members=members) as stack:
        yield stack


def assume(account: str, external_id: str = SPOKE_EXTERNAL_ID) -> dict[str, Any]:
    """As the function does: the standard STS client, pointed by the environment only."""
    sts = boto3.session.Session().client("sts", region_name="eu-west-1")
    role = f"arn:aws:iam::{account}:role/{os.environ['SPOKE_ROLE_NAME']}"
    answer = sts.assume_role(
        RoleArn=role, RoleSessionName="session-stopper-sweep", ExternalId=external_id
    )
    return dict(answer["Credentials"])


def test_without_members_the_environment_is_todays(fake: RecordingFunction) -> None:
    with stack_with(fake) as stack:
        assert not [name for name in NEW_VARIABLES if name in os.environ]
        assert stack.members == ()
        assert os.environ["AWS_ENDPOINT_URL"] == stack.moto_url


def test_members_are_in_the_functions_settings(two_members: LocalStack) -> None:
    assert json.loads(os.environ["MEMBER_ACCOUNTS"]) == [
        {"id": MEMBER, "dryRun": False},
        {"id": UNREACHABLE, "dryRun": True},
    ]
    assert os.environ["SPOKE_ROLE_NAME"] == SPOKE_ROLE_NAME == "session-stopper-local-spoke"
    assert os.environ["SPOKE_EXTERNAL_ID"] == SPOKE_EXTERNAL_ID
    assert os.environ["AWS_ENDPOINT_URL_STS"] == two_members.sts_url
    assert os.environ["AWS_ENDPOINT_URL_ORGANIZATIONS"] == two_members.moto_url
    assert "ORGANIZATION_UNIT_IDS" not in os.environ
    iam = aws_client_in("iam", two_members.moto_url, "us-east-1", MEMBER)
    role = iam.get_role(RoleName=SPOKE_ROLE_NAME)["Role"]
    assert role["AssumeRolePolicyDocument"] == spoke_trust_policy()


def test_the_function_reaches_a_member_through_its_spoke_and_only_there(
    two_members: LocalStack,
) -> None:
    hub_session = two_members.emulator.create_session(
        two_members.emulator.create_project("hub")["arn"]
    )["arn"]
    member_project = two_members.emulator.account(MEMBER).create_project("member")["arn"]

    credentials = assume(MEMBER)
    devicefarm = make_devicefarm_client(
        two_members.emulator_url,
        access_key_id=credentials["AccessKeyId"],
        session_token=credentials["SessionToken"],
    )

    assert [p["arn"] for p in devicefarm.list_projects()["projects"]] == [member_project]
    with pytest.raises(ClientError) as foreign:
        devicefarm.stop_remote_access_session(arn=hub_session)
    assert foreign.value.response["Error"]["Code"] == "AccessDeniedException"
    for account, external_id in ((UNREACHABLE, SPOKE_EXTERNAL_ID), (MEMBER, "guessed")):
        with pytest.raises(ClientError) as refused:
            assume(account, external_id)
        assert refused.value.response["Error"]["Code"] == "AccessDenied"


def test_a_members_cloudtrail_reaches_the_hub_as_that_accounts(
    two_members: LocalStack, fake: RecordingFunction
) -> None:
    member = two_members.emulator.account(MEMBER)
    project = member.create_project("member")["arn"]
    credentials = assume(MEMBER)
    devicefarm = make_devicefarm_client(
        two_members.emulator_url,
        access_key_id=credentials["AccessKeyId"],
        session_token=credentials["SessionToken"],
    )
    session = devicefarm.create_remote_access_session(
        projectArn=project, deviceArn=default_device_arn()
    )["remoteAccessSession"]["arn"]

    (delivery,) = two_members.deliver_cloudtrail()

    event = delivery.event
    assert event["account"] == event["detail"]["recipientAccountId"] == MEMBER
    assert event["detail"]["requestParameters"]["projectArn"] == project
    assert session.split(":")[4] == MEMBER
    assert fake.events == [event]


def test_the_api_identity_follows_the_callers_key(
    two_members: LocalStack, fake: RecordingFunction
) -> None:
    member_key = two_members.caller_key(MEMBER)
    body = {"arn": f"arn:aws:devicefarm:us-west-2:{MEMBER}:session:p/s/00000"}

    as_member = post_json(f"{two_members.api_url}/sessions/stop", body, access_key_id=member_key)
    as_hub = post_json(f"{two_members.api_url}/operator/sessions/stop", body, "testing")
    unsigned = post_json(f"{two_members.api_url}/operator/sessions/extend", body)

    assert as_member[0] == as_hub[0] == unsigned[0] == 200
    member, hub, anonymous = (event["requestContext"]["identity"] for event in fake.events)
    assert (member["accountId"], member["userArn"], member["accessKey"]) == (
        MEMBER,
        f"arn:aws:iam::{MEMBER}:user/local-developer",
        member_key,
    )
    assert member["caller"] == member["user"] == f"AIDALOCAL{MEMBER}"
    assert hub == anonymous
    assert (hub["accountId"], hub["userArn"]) == (
        HUB,
        f"arn:aws:iam::{HUB}:user/local-developer",
    )
    assert [event["path"] for event in fake.events] == [
        "/sessions/stop",
        "/operator/sessions/stop",
        "/operator/sessions/extend",
    ]
    assert all(event["requestContext"]["accountId"] == HUB for event in fake.events)


def test_organization_mode_puts_the_members_in_an_ou(fake: RecordingFunction) -> None:
    members = (LocalMember("000000000001", dry_run=False), LocalMember("000000000002"))
    with stack_with(fake, members=members, organization=True) as stack:
        unit = stack.organization_unit_id
        organizations = aws_client("organizations", stack.moto_url, "eu-west-1")
        listed = organizations.list_accounts_for_parent(ParentId=unit)["Accounts"]
        live, dry = stack.members

        assert os.environ["ORGANIZATION_UNIT_IDS"] == unit
        assert sorted(account["Id"] for account in listed) == sorted(
            [live.account_id, dry.account_id]
        )
        # Only the member with its own settings is listed; the other joins from the OU.
        assert json.loads(os.environ["MEMBER_ACCOUNTS"]) == [
            {"id": live.account_id, "dryRun": False}
        ]
        assert assume(dry.account_id)["AccessKeyId"]


def test_delivery_takes_every_accounts_feed_in_the_order_of_the_calls() -> None:
    hub = DeviceFarmEmulator(clock=ManualClock())
    member = hub.account(MEMBER)
    hub.cloudtrail.settings.delivery_lag_seconds = 30
    caller = Caller(access_key_id="testing")
    member.cloudtrail.record("StopRemoteAccessSession", {"arn": "m1"}, caller, answer={})
    hub.cloudtrail.record("StopRemoteAccessSession", {"arn": "h1"}, caller, answer={})
    hub.clock.advance(seconds=5)
    member.cloudtrail.record("StopRemoteAccessSession", {"arn": "m2"}, caller, answer={})
    received: list[Any] = []
    delivery = CloudTrailDelivery(hub.cloudtrail, received.append, member_feeds=[member.cloudtrail])

    assert delivery.next_delivery_time() == member.cloudtrail.next_delivery_time()
    assert [d.event["detail"]["requestParameters"]["arn"] for d in delivery.deliver()] == [
        "m1",
        "m2",
    ]
    hub.clock.advance(seconds=30)
    assert [d.event["account"] for d in delivery.deliver()] == [HUB]
    assert [event["account"] for event in received] == [MEMBER, MEMBER, HUB]


def test_a_role_session_caller_is_named_as_api_gateway_names_it() -> None:
    registry = CredentialsRegistry()
    session = f"arn:aws:sts::{MEMBER}:assumed-role/qa-runner/build-42"
    registry.register("ASIAQA", MEMBER, session)
    header = "AWS4-HMAC-SHA256 Credential=ASIAQA/20260101/eu-west-1/execute-api/aws4_request"

    caller = api_caller(header, registry)

    assert caller == ApiCaller(MEMBER, session, f"AROALOCAL{MEMBER}:build-42", "ASIAQA")
    unknown = header.replace("ASIAQA", "ASIANOBODY")
    assert api_caller(unknown, registry) == api_caller("", registry) == LOCAL_DEVELOPER
