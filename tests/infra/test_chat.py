"""Chat channels (Amazon Q Developer in chat applications): none by default; with channels, a
chat topic only the function tells, channels that may run no command (no AWS permission, a
guardrail that denies everything, never AdministratorAccess), and checkov and cdk-nag clean."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synthesized, synthesize
from tests.infra.test_checkov import MIN_REASON, checkov, metadata_skips, scan  # noqa: F401
from tests.infra.test_notifications_and_storage import (
    DENY_INSECURE,
    function_only_topic_policy,
    function_role_arn,
)

pytestmark = pytest.mark.synth

TEAM = "5f6a1b2c-3d4e-4f50-8a9b-0c1d2e3f4a5b"
TENANT = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
TEAMS_CHANNEL = "19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2"
CHAT_CONTEXT: dict[str, Any] = {
    "stage": "chat",
    "slackChannels": [
        {"workspaceId": "T07EA123LEP", "channelId": "C07EZ1ABC23"},
        {"workspaceId": "T07EA123LEP", "channelId": "C07EZ1ABC24"},
    ],
    "teamsChannels": [{"teamId": TEAM, "tenantId": TENANT, "channelId": TEAMS_CHANNEL}],
    "chatOutcomes": ["STOPPED", "FAILED"],
}
ADMINISTRATOR = "AdministratorAccess"
CHATBOT_TYPES = (
    "AWS::Chatbot::SlackChannelConfiguration",
    "AWS::Chatbot::MicrosoftTeamsChannelConfiguration",
)


@pytest.fixture(scope="session")
def chat_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk-chat"), CHAT_CONTEXT)


def environment(stack: Synthesized) -> dict[str, Any]:
    variables: dict[str, Any] = stack.only("AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    return variables


def function_statements(stack: Synthesized) -> dict[str, dict[str, Any]]:
    role_id = function_role_arn(stack)["Fn::GetAtt"][0]
    return {
        statement["Sid"]: statement
        for policy in stack.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "Sid" in statement
    }


def chat_topic_id(stack: Synthesized) -> str:
    return stack.logical_id("AWS::SNS::Topic", "-chat'")


@pytest.mark.parametrize("which", ["default_stack", "narrow_stack", "forwarded_main_stack"])
def test_no_channel_no_chat(which: str, request: pytest.FixtureRequest) -> None:
    stack: Synthesized = request.getfixturevalue(which)

    for resource_type in CHATBOT_TYPES:
        assert stack.resources(resource_type) == {}
    names = [t["Properties"]["TopicName"] for t in stack.resources("AWS::SNS::Topic").values()]
    assert not [name for name in names if name.endswith("-chat")]
    assert environment(stack)["CHAT_TOPIC_ARN"] == ""  # the function tells no chat topic
    assert "PublishChatNotifications" not in function_statements(stack)
    assert "ChatTopicArn" not in stack.raw.get("Outputs", {})


def test_each_slack_channel_gets_a_configuration_on_the_chat_topic(
    chat_stack: Synthesized,
) -> None:
    configurations = sorted(
        (c["Properties"] for c in chat_stack.resources(CHATBOT_TYPES[0]).values()),
        key=lambda properties: properties["ConfigurationName"],
    )

    assert [
        (c["ConfigurationName"], c["SlackWorkspaceId"], c["SlackChannelId"]) for c in configurations
    ] == [
        ("session-stopper-chat-slack-1", "T07EA123LEP", "C07EZ1ABC23"),
        ("session-stopper-chat-slack-2", "T07EA123LEP", "C07EZ1ABC24"),
    ]
    for configuration in configurations:
        assert configuration["SnsTopicArns"] == [{"Ref": chat_topic_id(chat_stack)}]


def test_each_teams_channel_gets_a_configuration_on_the_chat_topic(
    chat_stack: Synthesized,
) -> None:
    configuration = chat_stack.only(CHATBOT_TYPES[1])["Properties"]

    assert configuration["ConfigurationName"] == "session-stopper-chat-teams-1"
    assert (configuration["TeamId"], configuration["TeamsTenantId"]) == (TEAM, TENANT)
    assert configuration["TeamsChannelId"] == TEAMS_CHANNEL
    assert configuration["SnsTopicArns"] == [{"Ref": chat_topic_id(chat_stack)}]


@pytest.mark.parametrize("resource_type", CHATBOT_TYPES)
def test_channels_use_the_stacks_role_and_guardrail_never_administrators(
    chat_stack: Synthesized, resource_type: str
) -> None:
    guardrail_id = chat_stack.logical_id("AWS::IAM::ManagedPolicy", "chat-guardrail")
    role_id = chat_stack.logical_id("AWS::IAM::Role", "chatbot.amazonaws.com")

    for configuration in chat_stack.resources(resource_type).values():
        properties = configuration["Properties"]
        assert properties["GuardrailPolicies"] == [{"Ref": guardrail_id}]
        assert ADMINISTRATOR not in str(properties)
        assert properties["IamRoleArn"] == {"Fn::GetAtt": [role_id, "Arn"]}
        assert properties["LoggingLevel"] == "ERROR"
        assert properties["UserRoleRequired"] is False


def actions_of(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def chat_role_and_guardrail(stack: Synthesized) -> tuple[str, dict[str, Any], dict[str, Any]]:
    role_id = stack.logical_id("AWS::IAM::Role", "chatbot.amazonaws.com")
    guardrail = stack.resources("AWS::IAM::ManagedPolicy")[
        stack.logical_id("AWS::IAM::ManagedPolicy", "chat-guardrail")
    ]["Properties"]
    return role_id, stack.resources("AWS::IAM::Role")[role_id]["Properties"], guardrail


def chat_statements(stack: Synthesized) -> list[dict[str, Any]]:
    """Every statement that could give a chat channel a permission: its guardrail, its role's
    inline policies, and any policy resource attached to its role."""
    role_id, role, guardrail = chat_role_and_guardrail(stack)
    attached = [
        policy["Properties"]["PolicyDocument"]
        for policy in stack.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"].get("Roles", [])
    ]
    documents = [
        guardrail["PolicyDocument"],
        *(inline["PolicyDocument"] for inline in role.get("Policies", [])),
        *attached,
    ]
    return [statement for document in documents for statement in document["Statement"]]


def test_no_chat_role_or_guardrail_allows_a_device_farm_action(chat_stack: Synthesized) -> None:
    """A session's answer carries its remote-driver and interactive endpoints: a channel
    member who could read it could drive a colleague's device. Notifications need no read."""
    statements = chat_statements(chat_stack)

    devicefarm = [
        action
        for statement in statements
        for action in actions_of(statement)
        if action.lower().startswith("devicefarm:")
    ]
    assert devicefarm == []
    assert [s for s in statements if s["Effect"] == "Allow"] == []


def test_the_channels_get_no_aws_permission_at_all(chat_stack: Synthesized) -> None:
    """The role holds nothing and the guardrail, the most any member can ever do, denies
    every action: the channels only receive what the function publishes."""
    _, role, guardrail = chat_role_and_guardrail(chat_stack)

    assert "Policies" not in role
    assert "ManagedPolicyArns" not in role
    (deny,) = guardrail["PolicyDocument"]["Statement"]
    assert (deny["Effect"], deny["Action"], deny["Resource"]) == ("Deny", "*", "*")
    (trust,) = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Principal"] == {"Service": "chatbot.amazonaws.com"}


def test_the_chat_topic_is_encrypted_and_only_the_function_tells_it(
    chat_stack: Synthesized,
) -> None:
    topic_id = chat_topic_id(chat_stack)
    topic = chat_stack.resources("AWS::SNS::Topic")[topic_id]["Properties"]
    assert topic["KmsMasterKeyId"] == {"Fn::GetAtt": [chat_stack.only_id("AWS::KMS::Key"), "Arn"]}

    statements = function_only_topic_policy(chat_stack, topic_id)
    assert any(s.get("Condition") == DENY_INSECURE for s in statements.values())


def test_the_key_grants_the_chat_service_nothing(chat_stack: Synthesized) -> None:
    """SNS decrypts a message before it delivers it to a subscriber such as Amazon Q Developer:
    only publishers use the key, and the function already may."""
    key_policy = chat_stack.only("AWS::KMS::Key")["Properties"]["KeyPolicy"]
    assert "chatbot" not in str(key_policy)
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= set(
        function_statements(chat_stack)["EncryptOutcomes"]["Action"]
    )


def test_the_function_may_tell_the_chat_topic_and_knows_what_to_tell(
    chat_stack: Synthesized,
) -> None:
    topic = {"Ref": chat_topic_id(chat_stack)}

    assert environment(chat_stack)["CHAT_TOPIC_ARN"] == topic
    assert environment(chat_stack)["CHAT_OUTCOMES"] == "STOPPED,FAILED"
    grant = function_statements(chat_stack)["PublishChatNotifications"]
    assert (grant["Action"], grant["Resource"]) == ("sns:Publish", topic)


def test_the_chat_topic_is_an_output(chat_stack: Synthesized) -> None:
    assert chat_stack.raw["Outputs"]["ChatTopicArn"]["Value"] == {"Ref": chat_topic_id(chat_stack)}


def test_checkov_finds_nothing_unexplained_in_the_chat_stack(
    chat_stack: Synthesized,
    checkov: Path,  # noqa: F811
) -> None:
    results = scan(checkov, chat_stack)["results"]

    assert [f"{c['check_id']} {c['resource']}" for c in results["failed_checks"]] == []
    checked = {c["resource"].split(".", 1)[1] for c in results["passed_checks"]}
    assert chat_topic_id(chat_stack) in checked
    for _, skip in metadata_skips(chat_stack):
        assert len(skip["comment"]) >= MIN_REASON
