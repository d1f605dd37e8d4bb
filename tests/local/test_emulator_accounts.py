"""The emulator serves several accounts: the caller's access key decides which one answers,
and another account's project or session is refused as IAM refuses it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from local.devicefarm_emulator import (
    DeviceFarmEmulator,
    ManualClock,
    RateLimitSettings,
    function_session_arn,
)
from local.devicefarm_emulator.testing import make_devicefarm_client
from local.world import BackdatedWallClock, SessionSeed, seed_world
from tests.local.emulator_wire import admin_call, raw_call
from tests.support.emulated import DeviceFarmWorld, SessionSpec

HUB = "123456789012"
MEMBER = "111111111111"
OTHER_MEMBER = "222222222222"
MEMBER_KEY = "ASIAMEMBERKEY0000001"
MEMBER_ROLE = (
    f"arn:aws:sts::{MEMBER}:assumed-role/session-stopper-local-spoke/session-stopper-sweep"
)


@pytest.fixture
def member_client(devicefarm_server: Any, devicefarm_emulator: DeviceFarmEmulator) -> Any:
    devicefarm_emulator.credentials.register(MEMBER_KEY, MEMBER, MEMBER_ROLE)
    return make_devicefarm_client(devicefarm_server.url, access_key_id=MEMBER_KEY)


def _session(emulator: DeviceFarmEmulator, name: str = "s") -> str:
    project = emulator.create_project(f"{name}-project")["arn"]
    return str(emulator.create_session(project, name=name)["arn"])


def _error(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(ClientError) as refused:
        call(**kwargs)
    return dict(refused.value.response)


def test_a_member_key_acts_in_its_own_account_only(
    devicefarm_emulator: DeviceFarmEmulator, devicefarm_client: Any, member_client: Any
) -> None:
    hub_session = _session(devicefarm_emulator, "hub")
    member_session = _session(devicefarm_emulator.account(MEMBER), "member")

    (member_project,) = member_client.list_projects()["projects"]
    (hub_project,) = devicefarm_client.list_projects()["projects"]

    assert member_project["name"] == "member-project"
    assert hub_project["name"] == "hub-project"
    assert f":{MEMBER}:session:" in member_session
    assert f":{HUB}:session:" in hub_session
    assert (
        member_client.get_remote_access_session(arn=member_session)["remoteAccessSession"]["name"]
        == "member"
    )
    created = member_client.create_project(name="made-by-member")["project"]["arn"]
    assert created.startswith(f"arn:aws:devicefarm:us-west-2:{MEMBER}:project:")


@pytest.mark.parametrize(
    ("operation", "method", "member"),
    [
        ("GetRemoteAccessSession", "get_remote_access_session", "session"),
        ("StopRemoteAccessSession", "stop_remote_access_session", "session"),
        ("ListRemoteAccessSessions", "list_remote_access_sessions", "project"),
        ("GetProject", "get_project", "project"),
        ("ListTagsForResource", "list_tags_for_resource", "session"),
    ],
)
def test_another_accounts_resource_is_refused_as_iam_refuses_it(
    devicefarm_emulator: DeviceFarmEmulator,
    member_client: Any,
    operation: str,
    method: str,
    member: str,
) -> None:
    session = _session(devicefarm_emulator, "hub")
    arn = session if member == "session" else devicefarm_emulator.list_projects()[0]["arn"]
    key = "ResourceARN" if operation == "ListTagsForResource" else "arn"

    response = _error(getattr(member_client, method), **{key: arn})

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"] == (
        f"User: {MEMBER_ROLE} is not authorized to perform: devicefarm:{operation} on "
        f"resource: {arn} because no resource-based policy allows the "
        f"devicefarm:{operation} action"
    )
    assert devicefarm_emulator.get_session(session)["status"] != "STOPPING"


def test_the_hubs_key_is_refused_a_members_session_too(
    devicefarm_emulator: DeviceFarmEmulator, devicefarm_client: Any
) -> None:
    member_session = _session(devicefarm_emulator.account(MEMBER), "member")

    response = _error(devicefarm_client.stop_remote_access_session, arn=member_session)

    assert response["Error"]["Code"] == "AccessDeniedException"
    assert response["Error"]["Message"].startswith(f"User: {function_session_arn(HUB)} is not")
    assert devicefarm_emulator.account(MEMBER).get_session(member_session)["status"] == "PENDING"


def test_an_unknown_key_is_an_invalid_token_and_an_unsigned_call_has_none(
    devicefarm_server: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    stranger = make_devicefarm_client(devicefarm_server.url, access_key_id="ASIANOBODYISSUED000")

    response = _error(stranger.list_projects)
    status, unsigned = raw_call(devicefarm_server.url, "ListProjects", {}, access_key_id=None)

    assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }
    assert (status, unsigned["__type"]) == (400, "MissingAuthenticationTokenException")
    assert (
        sum(account.call_counts.total() for account in devicefarm_emulator.accounts().values()) == 0
    )


def test_rate_limit_buckets_are_per_account(devicefarm_server: Any) -> None:
    limits = RateLimitSettings(enabled=True, other_burst=2, other_rate=0.001)
    emulator = DeviceFarmEmulator(clock=ManualClock(), rate_limits=limits)
    devicefarm_server.emulator = emulator
    emulator.credentials.register(MEMBER_KEY, MEMBER, MEMBER_ROLE)
    hub_session, member_session = _session(emulator), _session(emulator.account(MEMBER))
    url = devicefarm_server.url

    hub = [raw_call(url, "StopRemoteAccessSession", {"arn": hub_session})[0] for _ in range(3)]
    member = [
        raw_call(url, "StopRemoteAccessSession", {"arn": member_session}, access_key_id=MEMBER_KEY)[
            0
        ]
        for _ in range(2)
    ]

    assert hub == [200, 200, 400]
    assert member == [200, 200]
    assert emulator.throttled_counts["StopRemoteAccessSession"] == 1
    assert emulator.account(MEMBER).throttled_counts.total() == 0


def test_metered_slots_are_per_account() -> None:
    emulator = DeviceFarmEmulator(clock=ManualClock(), metered_concurrency=1)
    first, queued = _session(emulator, "first"), _session(emulator, "queued")
    member = _session(emulator.account(MEMBER), "member")

    emulator.clock.advance(minutes=5)

    assert emulator.get_session(first)["status"] == "RUNNING"
    assert (
        emulator.get_session(queued)["status"] == "PENDING_CONCURRENCY"
    )  # waits for the hub's one slot
    assert emulator.account(MEMBER).get_session(member)["status"] == "RUNNING"


def test_cloudtrail_records_each_call_in_the_callers_account(
    devicefarm_emulator: DeviceFarmEmulator, devicefarm_client: Any, member_client: Any
) -> None:
    member = devicefarm_emulator.account(MEMBER)
    member_session = _session(member, "member")
    hub_session = _session(devicefarm_emulator, "hub")

    member_client.stop_remote_access_session(arn=member_session)
    devicefarm_client.stop_remote_access_session(arn=hub_session)
    with pytest.raises(ClientError):
        member_client.stop_remote_access_session(arn=hub_session)

    (hub_event,) = devicefarm_emulator.cloudtrail.drain()
    accepted, refused = member.cloudtrail.drain()
    assert hub_event["account"] == hub_event["detail"]["recipientAccountId"] == HUB
    assert accepted["account"] == accepted["detail"]["recipientAccountId"] == MEMBER
    assert accepted["detail"]["requestParameters"] == {"arn": member_session}
    assert accepted["detail"]["userIdentity"]["accessKeyId"] == MEMBER_KEY
    assert refused["detail"]["errorCode"] == "AccessDeniedException"


def test_settings_reset_and_credentials_through_the_admin_api(
    devicefarm_server: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    url = devicefarm_server.url
    member = devicefarm_emulator.account(MEMBER)
    _session(member)

    registered = admin_call(
        url,
        "POST",
        "/_emulator/credentials",
        {"accessKeyId": "ASIAOTHER", "accountId": OTHER_MEMBER, "arn": MEMBER_ROLE},
    )
    limits = admin_call(url, "POST", "/_emulator/rate-limits", {"enabled": True, "otherBurst": 3})
    trail = admin_call(url, "POST", "/_emulator/cloudtrail", {"deliveryLagSeconds": 60})
    status, listed = admin_call(url, "GET", "/_emulator/accounts")

    assert registered == (200, {"accessKeyId": "ASIAOTHER", "accountId": OTHER_MEMBER})
    assert limits[0] == trail[0] == status == 200
    assert listed["hub"] == HUB
    assert sorted(listed["accounts"]) == [MEMBER, HUB, OTHER_MEMBER]
    assert listed["accounts"][MEMBER]["sessions"] == 1
    assert listed["accessKeys"]["ASIAOTHER"] == OTHER_MEMBER
    assert listed["accessKeys"]["testing"] == HUB
    for account in devicefarm_emulator.accounts().values():
        assert account.rate_limiter.settings.other_burst == 3
        assert account.cloudtrail.settings.delivery_lag_seconds == 60

    assert admin_call(url, "POST", "/_emulator/reset") == (200, {"reset": True})
    assert member.session_count() == 0
    assert devicefarm_emulator.account(MEMBER) is member  # subscriptions to its feed stay
    assert not member.rate_limiter.settings.enabled
    bad = {"accessKeyId": "k", "accountId": "12", "arn": "a"}
    assert admin_call(url, "POST", "/_emulator/credentials", bad)[0] == 400


def test_seeding_takes_an_account() -> None:
    world = DeviceFarmWorld.create()
    hub, member = world.populate(
        [
            SessionSpec("hub-project", age_minutes=30, name="hub"),
            SessionSpec("member-project", age_minutes=30, name="member", account_id=MEMBER),
        ]
    )
    assert world.status(member["arn"]) == world.status(hub["arn"]) == "RUNNING"
    assert [p["name"] for p in world.emulator.account(MEMBER).list_projects()] == ["member-project"]
    with pytest.raises(ValueError, match="another account"):
        world.project("member-project")

    emulator = DeviceFarmEmulator(clock=BackdatedWallClock())
    clock = emulator.clock
    assert isinstance(clock, BackdatedWallClock)
    seeded = seed_world(
        emulator,
        clock,
        [SessionSeed("p", "a", 20), SessionSeed("q", "b", 20, account_id=OTHER_MEMBER)],
        account_id=MEMBER,
    )
    assert seeded.arn("a").split(":")[4] == MEMBER
    assert seeded.arn("b").split(":")[4] == OTHER_MEMBER
    assert emulator.list_projects() == []
