"""Who hears what happened: the outcome topic, its dead-letter queue, and the ops alarm topic."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aws_cdk import Aws, Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.permissions import OTHER_ACCOUNTS, deny_everyone
from infra.constructs.queues import dead_letter_queue

CLOUDWATCH = iam.ServicePrincipal("cloudwatch.amazonaws.com")
THIS_ACCOUNTS_ALARMS = {
    "StringEquals": {"aws:SourceAccount": Aws.ACCOUNT_ID},
    "ArnLike": {
        "aws:SourceArn": f"arn:{Aws.PARTITION}:cloudwatch:{Aws.REGION}:{Aws.ACCOUNT_ID}:alarm:*"
    },
}


# Timer messages a person acts on: a session about to be stopped, a deadline moved. `timer`
# (armed, exempt, ...) and sweep summaries are for machines and stay out of inboxes.
EMAILED_TIMER_MESSAGES = ("warning", "extended")


def email_filter(config: StackConfig) -> dict[str, Any]:
    """The email subscriptions' filter policy (on message attributes): outcome messages whose
    outcome is one of `emailOutcomes`, sweep summaries that need a person and, with timers,
    warnings and extensions (which carry no `outcome` attribute, hence the `$or`)."""
    outcomes = {"messageType": ["outcome"], "outcome": list(config.email_outcomes)}
    # Sweep summaries that stopped, would stop or failed something; not the empty ones.
    summaries = {"messageType": ["sweepSummary"], "needsAPerson": ["true"]}
    timers = [{"messageType": list(EMAILED_TIMER_MESSAGES)}] if config.session_timers else []
    return {"$or": [outcomes, summaries, *timers]}


class Notifications(Construct):
    """Both topics share one customer-managed key: one key costs $1/month, two cost $2."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        prefix = config.name_prefix
        self.key = self._topic_key(prefix)
        self.outcome_topic = self._topic("OutcomeTopic", f"{prefix}-outcomes", "outcomes")
        # People want the outcomes that need a person, not a summary every 15 minutes or every
        # ALREADY_ENDED: queues and functions subscribed by hand get everything.
        self._subscribe(self.outcome_topic, config.notification_emails, email_filter(config))
        self.outcome_dlq: sqs.Queue = dead_letter_queue(
            self,
            "OutcomeDeadLetterQueue",
            name=f"{prefix}-outcome-dlq",
            holds="outcome messages the function could not publish to the outcome topic",
        )
        self.ops_topic = self._topic("OpsTopic", f"{prefix}-ops-alarms", "ops alarms")
        self._subscribe(self.ops_topic, config.ops_notification_emails)
        self._let_cloudwatch_alarms_publish(self.ops_topic)

    def restrict_to(self, function_role: iam.IRole) -> None:
        """Only the function publishes outcomes or parks them; only this account subscribes.

        Explicit Denies in the resource policies, so no identity policy elsewhere in the account
        (an admin's `sns:*`, say) can inject a fake outcome that subscribers would act on.
        """
        not_the_function = {"ArnNotEquals": {"aws:PrincipalArn": function_role.role_arn}}
        topic = self.outcome_topic.topic_arn
        for statement in (
            deny_everyone("OnlyTheFunctionPublishes", "sns:Publish", topic, not_the_function),
            deny_everyone("OnlyThisAccountSubscribes", "sns:Subscribe", topic, OTHER_ACCOUNTS),
        ):
            self.outcome_topic.add_to_resource_policy(statement)
        self.outcome_dlq.add_to_resource_policy(
            deny_everyone(
                "OnlyTheFunctionParksOutcomes",
                "sqs:SendMessage",
                self.outcome_dlq.queue_arn,
                not_the_function,
            )
        )

    def _topic_key(self, prefix: str) -> kms.Key:
        key = kms.Key(
            self,
            "TopicKey",
            alias=f"alias/{prefix}-notifications",
            description=f"Encrypts the {prefix} outcome, ops-alarm and chat SNS topics",
            enable_key_rotation=True,
            # Nothing is stored under this key (SNS only encrypts messages in transit through
            # the topic), so it can go with the stack after the shortest waiting period.
            removal_policy=RemovalPolicy.DESTROY,
            pending_window=Duration.days(7),
        )
        # CloudWatch alarm actions publish to the encrypted ops topic with this key; only on
        # behalf of this account's alarms (no confused deputy).
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowCloudWatchAlarmsToUseTheKey",
                principals=[CLOUDWATCH],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions=THIS_ACCOUNTS_ALARMS,
            )
        )
        return key

    def _topic(self, construct_id: str, name: str, label: str) -> sns.Topic:
        return sns.Topic(
            self,
            construct_id,
            topic_name=name,
            display_name=f"Device Farm session stopper {label}",
            master_key=self.key,
            enforce_ssl=True,
        )

    @staticmethod
    def _subscribe(
        topic: sns.Topic, emails: Sequence[str], filter_policy: dict[str, Any] | None = None
    ) -> None:
        for email in emails:
            subscription = topic.add_subscription(subscriptions.EmailSubscription(email))
            if filter_policy is None:
                continue
            # Set on the CloudFormation resource: the L2 filter takes one AND of attributes
            # only, and the email filter needs `$or` (SNS applies it to message attributes,
            # the default scope).
            cfn_subscription = subscription.node.default_child
            assert isinstance(cfn_subscription, sns.CfnSubscription)
            cfn_subscription.filter_policy = filter_policy

    @staticmethod
    def _let_cloudwatch_alarms_publish(topic: sns.Topic) -> None:
        # enforceSSL replaces SNS's default topic policy, so the alarm service needs an explicit
        # grant, limited to this account's alarms.
        topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AllowThisAccountsAlarmsToPublish",
                principals=[CLOUDWATCH],
                actions=["sns:Publish"],
                resources=[topic.topic_arn],
                conditions=THIS_ACCOUNTS_ALARMS,
            )
        )
