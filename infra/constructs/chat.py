"""Slack and Microsoft Teams channels, through Amazon Q Developer in chat applications (formerly
AWS Chatbot): the chat topic the function tells, and one channel configuration per channel.

The topic is encrypted with the stack's notification key like the outcome topic. Amazon Q
Developer subscribes to it as an HTTPS endpoint and SNS decrypts each message before delivering
it, so the service needs no permission on the key; only publishers do, and the only publisher
is the function (already granted the key for the outcome topic). Custom notifications need no
AWS call by the channel (the service subscribes through its own service-linked role), so the
channels' role has no permission at all and their guardrail, the most any member can ever do,
denies every action: members can run no command, and in particular cannot read a session, whose
answer carries its remote-driver and interactive endpoints. Never the default
AdministratorAccess guardrail.
"""

from __future__ import annotations

from aws_cdk import aws_chatbot as chatbot
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.permissions import OTHER_ACCOUNTS, deny_everyone

CHATBOT_SERVICE = "chatbot.amazonaws.com"
# ERROR: the service logs what it could not deliver (to /aws/chatbot/<configuration> in
# us-east-1), not every message, which the outcome topic already records.
LOGGING_LEVEL = "ERROR"


def guardrail_statements() -> list[iam.PolicyStatement]:
    """Nothing: a guardrail only narrows the role, and this one narrows it to no action at all
    (a managed policy needs one statement; an explicit Deny also outlasts a role that someone
    later widens by hand)."""
    return [
        iam.PolicyStatement(
            sid="NoCommandsOnlyNotifications",
            effect=iam.Effect.DENY,
            actions=["*"],
            resources=["*"],
        )
    ]


class ChatChannels(Construct):
    def __init__(
        self, scope: Construct, construct_id: str, *, config: StackConfig, key: kms.IKey
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = config.name_prefix
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"{prefix}-chat",
            display_name="Device Farm session stopper chat",
            master_key=key,
            enforce_ssl=True,
        )
        self.guardrail = iam.ManagedPolicy(
            self,
            "Guardrail",
            managed_policy_name=f"{prefix}-chat-guardrail",
            description=f"{prefix} chat channels: notifications only, no command may run",
            statements=guardrail_statements(),
        )
        # The configurations require a role; it holds no permission: the channels only receive.
        self.role = iam.Role(
            self,
            "ChannelRole",
            assumed_by=iam.ServicePrincipal(CHATBOT_SERVICE),
            description=f"{prefix} chat channels: notifications only, no AWS permission",
        )
        # People in the channel can do nothing beyond reading the notifications, so a per-user
        # role would add setup without adding safety.
        self.slack = [
            chatbot.SlackChannelConfiguration(
                self,
                f"Slack{number}",
                slack_channel_configuration_name=f"{prefix}-slack-{number}",
                slack_workspace_id=channel.workspace_id,
                slack_channel_id=channel.channel_id,
                notification_topics=[self.topic],
                role=self.role,
                guardrail_policies=[self.guardrail],
                logging_level=chatbot.LoggingLevel.ERROR,
                user_role_required=False,
            )
            for number, channel in enumerate(config.slack_channels, start=1)
        ]
        # No L2 for Teams: the CloudFormation resource, set the same way.
        self.teams = [
            chatbot.CfnMicrosoftTeamsChannelConfiguration(
                self,
                f"Teams{number}",
                configuration_name=f"{prefix}-teams-{number}",
                team_id=channel.team_id,
                teams_tenant_id=channel.tenant_id,
                teams_channel_id=channel.channel_id,
                iam_role_arn=self.role.role_arn,
                sns_topic_arns=[self.topic.topic_arn],
                guardrail_policies=[self.guardrail.managed_policy_arn],
                logging_level=LOGGING_LEVEL,
                user_role_required=False,
            )
            for number, channel in enumerate(config.teams_channels, start=1)
        ]

    def restrict_to(self, function_role: iam.IRole) -> None:
        """Only the function tells the channels; only this account subscribes (Amazon Q
        Developer subscribes through its service-linked role, in this account)."""
        not_the_function = {"ArnNotEquals": {"aws:PrincipalArn": function_role.role_arn}}
        topic = self.topic.topic_arn
        for statement in (
            deny_everyone("OnlyTheFunctionPublishes", "sns:Publish", topic, not_the_function),
            deny_everyone("OnlyThisAccountSubscribes", "sns:Subscribe", topic, OTHER_ACCOUNTS),
        ):
            self.topic.add_to_resource_policy(statement)
