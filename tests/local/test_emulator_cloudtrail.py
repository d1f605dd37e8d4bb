"""CloudTrail: the Create/Stop calls the emulator answered, as EventBridge events AWS delivers.

The expected shape is AWS's documented one: the EventBridge envelope of "AWS API Call via
CloudTrail" events around a CloudTrail record (CloudTrail user guide, "record contents").
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest

from local.devicefarm_emulator import DeviceFarmEmulator, TrailSettings
from local.devicefarm_emulator.catalogue import default_device_arn
from tests.local.emulator_wire import admin_call, raw_call

ENVELOPE_KEYS = {"version", "id", "detail-type", "source", "account", "time", "region",
                 "resources", "detail"}  # fmt: skip
RECORD_KEYS = {"eventVersion", "userIdentity", "eventTime", "eventSource", "eventName",
               "awsRegion", "sourceIPAddress", "userAgent", "requestParameters",
               "responseElements", "requestID", "eventID", "readOnly", "eventType",
               "managementEvent", "recipientAccountId", "eventCategory"}  # fmt: skip
ISO_SECONDS = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
def project(devicefarm_emulator: DeviceFarmEmulator) -> str:
    return str(devicefarm_emulator.create_project("trail")["arn"])


def _create(client: Any, project: str, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = client.create_remote_access_session(
        projectArn=project, deviceArn=default_device_arn(), name="checkout", **extra
    )
    return answer


def test_a_create_call_is_an_eventbridge_event_in_cloudtrails_shape(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    answer = _create(devicefarm_client, project, configuration={"billingMethod": "METERED"})

    (event,) = devicefarm_emulator.cloudtrail.drain()

    assert set(event) == ENVELOPE_KEYS
    assert {k: v for k, v in event.items() if k not in ("id", "time", "detail")} == {
        "version": "0",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.devicefarm",
        "account": "123456789012",
        "region": "us-west-2",
        "resources": [],
    }
    assert UUID.fullmatch(event["id"])
    detail = event["detail"]
    assert set(detail) == RECORD_KEYS
    assert detail["eventVersion"] == "1.11"
    assert detail["eventSource"] == "devicefarm.amazonaws.com"
    assert detail["eventName"] == "CreateRemoteAccessSession"
    assert detail["awsRegion"] == "us-west-2"
    assert detail["requestParameters"] == {
        "projectArn": project,
        "deviceArn": default_device_arn(),
        "name": "checkout",
        "configuration": {"billingMethod": "METERED"},
    }
    # Null by default: no public sample shows the real service recording the new session.
    assert detail["responseElements"] is None
    assert (detail["readOnly"], detail["managementEvent"]) == (False, True)
    assert (detail["eventType"], detail["eventCategory"]) == ("AwsApiCall", "Management")
    assert detail["recipientAccountId"] == "123456789012"
    assert UUID.fullmatch(detail["eventID"])
    # The request id the SDK saw is the one CloudTrail recorded.
    assert detail["requestID"] == answer["ResponseMetadata"]["RequestId"]


def test_who_called_comes_from_the_http_request(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    _create(devicefarm_client, project)
    detail = devicefarm_emulator.cloudtrail.drain()[0]["detail"]
    assert detail["sourceIPAddress"] == "127.0.0.1"
    assert detail["userAgent"].startswith("Boto3/")
    assert detail["userIdentity"] == {
        "type": "IAMUser",
        "principalId": "AIDALOCALDEVELOPER00",
        "arn": "arn:aws:iam::123456789012:user/local-developer",
        "accountId": "123456789012",
        "accessKeyId": "testing",  # the key the client signed with
        "userName": "local-developer",
    }


def test_times_are_the_emulator_clock_to_the_second(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    devicefarm_emulator.clock.advance(minutes=7)
    _create(devicefarm_client, project)
    event = devicefarm_emulator.cloudtrail.drain()[0]
    expected = datetime.fromtimestamp(devicefarm_emulator.clock.now(), UTC)
    assert event["time"] == event["detail"]["eventTime"] == expected.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert ISO_SECONDS.fullmatch(event["time"])


def test_response_elements_carry_the_session_when_switched_on(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    devicefarm_emulator.cloudtrail.settings.include_response_elements = True
    created = _create(devicefarm_client, project)["remoteAccessSession"]
    devicefarm_client.stop_remote_access_session(arn=created["arn"])

    create, stop = (e["detail"] for e in devicefarm_emulator.cloudtrail.drain())

    assert create["responseElements"]["remoteAccessSession"]["arn"] == created["arn"]
    assert stop["responseElements"]["remoteAccessSession"]["status"] == "STOPPING"


def test_the_switch_is_also_a_constructor_option() -> None:
    emulator = DeviceFarmEmulator(cloudtrail=TrailSettings(include_response_elements=True))
    project = emulator.create_project("p")["arn"]
    answer = emulator.handle(
        "CreateRemoteAccessSession", {"projectArn": project, "deviceArn": default_device_arn()}
    )
    (event,) = emulator.cloudtrail.drain()
    assert event["detail"]["responseElements"] == answer


def test_a_stop_call_records_its_arn(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    session = devicefarm_emulator.create_session(project)["arn"]
    devicefarm_client.stop_remote_access_session(arn=session)
    (event,) = devicefarm_emulator.cloudtrail.drain()
    assert event["detail"]["eventName"] == "StopRemoteAccessSession"
    assert event["detail"]["requestParameters"] == {"arn": session}


def test_refused_calls_are_recorded_with_their_error_and_no_response(
    devicefarm_server: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    devicefarm_emulator.cloudtrail.settings.include_response_elements = True
    missing = project.replace(":project:", ":session:") + "/00000000-0000-0000-0000-0/00000"
    url = devicefarm_server.url
    raw_call(url, "StopRemoteAccessSession", {"arn": missing})
    bad_mode = {"projectArn": project, "deviceArn": default_device_arn(), "interactionMode": "X"}
    raw_call(url, "CreateRemoteAccessSession", bad_mode)
    devicefarm_emulator.faults.throttle_rate = 1.0
    raw_call(url, "StopRemoteAccessSession", {"arn": missing})

    events = [e["detail"] for e in devicefarm_emulator.cloudtrail.drain()]

    assert [(d["eventName"], d["errorCode"]) for d in events] == [
        ("StopRemoteAccessSession", "NotFoundException"),
        ("CreateRemoteAccessSession", "ArgumentException"),
        ("StopRemoteAccessSession", "LimitExceededException"),
    ]
    assert all(d["errorMessage"] and d["responseElements"] is None for d in events)
    assert set(events[0]) == RECORD_KEYS | {"errorCode", "errorMessage"}
    assert events[1]["requestParameters"] == bad_mode


def test_only_create_and_stop_calls_are_trailed_and_seeding_never_is(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    seeded = devicefarm_emulator.create_session(project)["arn"]  # predates the deploy
    devicefarm_emulator.stop_session(seeded)
    devicefarm_client.get_remote_access_session(arn=seeded)
    devicefarm_client.list_remote_access_sessions(arn=project)
    devicefarm_client.tag_resource(ResourceARN=project, Tags=[{"Key": "k", "Value": "v"}])
    assert devicefarm_emulator.cloudtrail.events() == []


def test_each_event_is_taken_once_and_still_listed(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    _create(devicefarm_client, project)
    feed = devicefarm_emulator.cloudtrail
    assert (len(feed.drain()), feed.drain()) == (1, [])
    assert len(feed.events()) == 1


def test_delivery_waits_for_the_lag_on_the_emulator_clock(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    feed = devicefarm_emulator.cloudtrail
    feed.settings.delivery_lag_seconds = 180
    _create(devicefarm_client, project)
    recorded_at = devicefarm_emulator.clock.now()

    assert feed.drain() == []
    assert feed.pending() == 1
    assert feed.next_delivery_time() == pytest.approx(recorded_at + 180)
    devicefarm_emulator.clock.advance(seconds=179)
    assert feed.drain() == []
    devicefarm_emulator.clock.advance(seconds=1)
    assert len(feed.drain()) == 1
    assert feed.next_delivery_time() is None


def test_subscribers_get_due_events_pushed(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    feed = devicefarm_emulator.cloudtrail
    _create(devicefarm_client, project)
    assert feed.deliver_due() == []  # nobody listens: the event waits for someone
    received: list[dict[str, Any]] = []
    unsubscribe = feed.subscribe(received.append)

    pushed = feed.deliver_due()

    assert received == pushed
    assert len(pushed) == 1
    unsubscribe()
    _create(devicefarm_client, project)
    assert feed.deliver_due() == []
    assert len(received) == 1
    assert len(feed.drain()) == 1


def test_the_admin_api_lists_and_configures_the_trail(
    devicefarm_server: Any, devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    url = devicefarm_server.url
    project = devicefarm_emulator.create_project("admin")["arn"]
    settings = {"includeResponseElements": True, "deliveryLagSeconds": 60.0}
    assert admin_call(url, "POST", "/_emulator/cloudtrail", settings) == (200, settings)
    created = _create(devicefarm_client, project)["remoteAccessSession"]

    status, listing = admin_call(url, "GET", "/_emulator/cloudtrail")

    assert status == 200
    assert (listing["pending"], listing["settings"]) == (1, settings)
    (event,) = listing["events"]
    assert event["detail"]["responseElements"]["remoteAccessSession"]["arn"] == created["arn"]
    assert devicefarm_emulator.cloudtrail.pending() == 1  # listing takes nothing

    assert admin_call(url, "POST", "/_emulator/cloudtrail", {"deliveryLagSeconds": -1})[0] == 400
    bad_switch = {"includeResponseElements": "yes"}
    assert admin_call(url, "POST", "/_emulator/cloudtrail", bad_switch)[0] == 400
    admin_call(url, "POST", "/_emulator/reset")
    assert admin_call(url, "GET", "/_emulator/cloudtrail")[1] == {
        "events": [],
        "pending": 0,
        "settings": {"includeResponseElements": False, "deliveryLagSeconds": 0.0},
    }


def test_trail_settings_refuse_a_negative_lag() -> None:
    with pytest.raises(ValueError, match="negative"):
        TrailSettings(delivery_lag_seconds=-1)
