"""Tags on projects and sessions, over boto3 and through the arranging methods.

The shapes of every tag answer are checked against the model by the conformance tests; these
check what the answers say.
"""

from __future__ import annotations

from typing import Any

import pytest

from local.devicefarm_emulator import ArgumentError, DeviceFarmEmulator, NotFoundError
from local.devicefarm_emulator.catalogue import default_device_arn
from local.devicefarm_emulator.tagging import MAX_TAGS_PER_RESOURCE

PROJECT_404 = (
    "arn:aws:devicefarm:us-west-2:123456789012:project:00000000-0000-0000-0000-000000000000"
)


def _tags(client: Any, arn: str) -> dict[str, str]:
    answer = client.list_tags_for_resource(ResourceARN=arn)["Tags"]
    return {tag["Key"]: tag["Value"] for tag in answer}


@pytest.fixture
def project(devicefarm_emulator: DeviceFarmEmulator) -> str:
    return str(devicefarm_emulator.create_project("tags")["arn"])


def test_tags_are_added_overwritten_and_removed(devicefarm_client: Any, project: str) -> None:
    devicefarm_client.tag_resource(
        ResourceARN=project,
        Tags=[{"Key": "session-stopper:max-minutes", "Value": "45"}, {"Key": "team", "Value": ""}],
    )
    devicefarm_client.tag_resource(
        ResourceARN=project, Tags=[{"Key": "session-stopper:max-minutes", "Value": "30"}]
    )
    assert _tags(devicefarm_client, project) == {"session-stopper:max-minutes": "30", "team": ""}

    devicefarm_client.untag_resource(ResourceARN=project, TagKeys=["team", "never-set"])
    assert _tags(devicefarm_client, project) == {"session-stopper:max-minutes": "30"}


def test_sessions_carry_their_own_tags(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    session = devicefarm_emulator.create_session(project)["arn"]
    devicefarm_client.tag_resource(ResourceARN=session, Tags=[{"Key": "owner", "Value": "qa"}])
    assert _tags(devicefarm_client, session) == {"owner": "qa"}
    assert _tags(devicefarm_client, project) == {}


def test_tags_arranged_in_python_are_what_the_api_answers(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    devicefarm_emulator.tag_resource(project, {"session-stopper:exempt": "true"})
    assert _tags(devicefarm_client, project) == {"session-stopper:exempt": "true"}
    assert devicefarm_emulator.list_tags(project) == {"session-stopper:exempt": "true"}
    assert devicefarm_emulator.call_counts == {"ListTagsForResource": 1}  # arranging is free


def test_unknown_resources_are_not_found(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    session = devicefarm_emulator.create_session(project)["arn"]
    missing_session = session.rsplit("/", 2)[0] + "/00000000-0000-0000-0000-000000000000/00000"
    for arn in (PROJECT_404, missing_session, default_device_arn()):
        with pytest.raises(devicefarm_client.exceptions.NotFoundException):
            devicefarm_client.list_tags_for_resource(ResourceARN=arn)


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:devicefarm:us-west-2:123456789012:upload:p/u",  # a type tags never go on
        "arn:aws:devicefarm:no region or account here at all",  # the model's pattern, no ARN
    ],
)
def test_what_can_never_carry_tags_is_an_argument_exception(
    devicefarm_client: Any, arn: str
) -> None:
    with pytest.raises(devicefarm_client.exceptions.ArgumentException):
        devicefarm_client.tag_resource(ResourceARN=arn, Tags=[{"Key": "k", "Value": "v"}])


def test_reserved_keys_are_refused_and_nothing_changes(
    devicefarm_client: Any, project: str
) -> None:
    with pytest.raises(devicefarm_client.exceptions.ArgumentException, match="aws:"):
        devicefarm_client.tag_resource(
            ResourceARN=project,
            Tags=[{"Key": "ok", "Value": "1"}, {"Key": "AWS:cloudformation", "Value": "x"}],
        )
    assert _tags(devicefarm_client, project) == {}


def test_more_than_fifty_tags_is_the_modeled_too_many_tags(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    devicefarm_emulator.tag_resource(project, {f"k{i}": "v" for i in range(MAX_TAGS_PER_RESOURCE)})
    devicefarm_client.tag_resource(ResourceARN=project, Tags=[{"Key": "k0", "Value": "again"}])

    with pytest.raises(devicefarm_client.exceptions.TooManyTagsException) as raised:
        devicefarm_client.tag_resource(ResourceARN=project, Tags=[{"Key": "k50", "Value": "v"}])

    assert raised.value.response["resourceName"] == project
    assert len(_tags(devicefarm_client, project)) == MAX_TAGS_PER_RESOURCE


def test_the_arranging_methods_keep_the_same_rules(
    devicefarm_emulator: DeviceFarmEmulator, project: str
) -> None:
    with pytest.raises(NotFoundError):
        devicefarm_emulator.tag_resource(PROJECT_404, {"k": "v"})
    with pytest.raises(ArgumentError):
        devicefarm_emulator.untag_resource("arn:aws:devicefarm:us-west-2::upload:x/y", ["k"])


def test_reset_forgets_tags(devicefarm_emulator: DeviceFarmEmulator, project: str) -> None:
    devicefarm_emulator.tag_resource(project, {"k": "v"})
    devicefarm_emulator.reset()
    recreated = devicefarm_emulator.create_project("tags")["arn"]
    assert devicefarm_emulator.list_tags(recreated) == {}
