"""Topics (customer key with rotation, SSL only), dead-letter queues and the idempotency table."""

from __future__ import annotations

from typing import Any

import pytest

from infra.constructs.notifications import email_filter
from tests.infra.conftest import NARROW_CONTEXT, ForwardedApp, Synthesized
from tests.infra.test_config import load

pytestmark = pytest.mark.synth
DENY_INSECURE = {"Bool": {"aws:SecureTransport": "false"}}


def topic_policy(stack: Synthesized, topic_id: str) -> list[dict[str, Any]]:
    (statements,) = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in stack.resources("AWS::SNS::TopicPolicy").values()
        if policy["Properties"]["Topics"] == [{"Ref": topic_id}]
    ]
    return list(statements)


def test_topics_use_the_rotated_customer_key(default_stack: Synthesized) -> None:
    key_id = default_stack.only_id("AWS::KMS::Key")
    key = default_stack.only("AWS::KMS::Key")["Properties"]
    assert key["EnableKeyRotation"] is True
    topics = default_stack.resources("AWS::SNS::Topic").values()
    assert {topic["Properties"]["TopicName"] for topic in topics} == {
        "session-stopper-dev-outcomes",
        "session-stopper-dev-ops-alarms",
    }
    for topic in topics:
        assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_key_lets_cloudwatch_alarms_publish_to_the_encrypted_ops_topic(
    default_stack: Synthesized,
) -> None:
    statements = default_stack.only("AWS::KMS::Key")["Properties"]["KeyPolicy"]["Statement"]
    (cloudwatch,) = [s for s in statements if s.get("Sid") == "AllowCloudWatchAlarmsToUseTheKey"]
    assert cloudwatch["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert cloudwatch["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert cloudwatch["Condition"]["StringEquals"] == {
        "aws:SourceAccount": {"Ref": "AWS::AccountId"}
    }
    assert set(cloudwatch["Condition"]["ArnLike"]) == {"aws:SourceArn"}


@pytest.mark.parametrize("name", ["session-stopper-dev-outcomes", "session-stopper-dev-ops-alarms"])
def test_topics_deny_requests_without_tls(default_stack: Synthesized, name: str) -> None:
    topic_id = default_stack.logical_id("AWS::SNS::Topic", f"'TopicName': '{name}'")
    denies = [
        s for s in topic_policy(default_stack, topic_id) if s.get("Condition") == DENY_INSECURE
    ]
    assert len(denies) == 1
    assert (denies[0]["Effect"], denies[0]["Action"]) == ("Deny", "sns:Publish")


def function_role_arn(stack: Synthesized) -> dict[str, Any]:
    role: dict[str, Any] = stack.only("AWS::Lambda::Function")["Properties"]["Role"]
    return role


def denied_to_all_but_the_function(
    stack: Synthesized, statement: dict[str, Any], action: str
) -> None:
    """`statement` denies `action` to every principal but the function's role."""
    assert (statement["Effect"], statement["Principal"], statement["Action"]) == (
        "Deny",
        {"AWS": "*"},
        action,
    )
    assert statement["Condition"] == {
        "ArnNotEquals": {"aws:PrincipalArn": function_role_arn(stack)}
    }


def function_only_topic_policy(
    stack: Synthesized, topic_id: str
) -> dict[str | None, dict[str, Any]]:
    """The topic's policy statements by Sid, checked for what every topic the function tells
    has: only the function publishes, and subscribing is denied (to other accounts)."""
    statements: dict[str | None, dict[str, Any]] = {
        s.get("Sid"): s for s in topic_policy(stack, topic_id)
    }
    denied_to_all_but_the_function(stack, statements["OnlyTheFunctionPublishes"], "sns:Publish")
    subscribe = statements["OnlyThisAccountSubscribes"]
    assert (subscribe["Effect"], subscribe["Action"]) == ("Deny", "sns:Subscribe")
    return statements


def test_only_the_function_publishes_outcomes_and_only_this_account_subscribes(
    default_stack: Synthesized,
) -> None:
    topic_id = default_stack.logical_id("AWS::SNS::Topic", "-outcomes'")
    statements = function_only_topic_policy(default_stack, topic_id)
    subscribe = statements["OnlyThisAccountSubscribes"]
    assert subscribe["Condition"] == {
        "StringNotEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}
    }
    assert [s for s in statements.values() if s["Effect"] == "Allow"] == []


def test_only_the_function_parks_outcomes(default_stack: Synthesized) -> None:
    queue_id = default_stack.queue_id("session-stopper-dev-outcome-dlq")
    (statements,) = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in default_stack.resources("AWS::SQS::QueuePolicy").values()
        if policy["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    (deny,) = [s for s in statements if s.get("Sid") == "OnlyTheFunctionParksOutcomes"]
    denied_to_all_but_the_function(default_stack, deny, "sqs:SendMessage")


def test_only_this_accounts_alarms_may_publish_to_the_ops_topic(
    default_stack: Synthesized,
) -> None:
    topic_id = default_stack.logical_id("AWS::SNS::Topic", "ops-alarms")
    (allow,) = [s for s in topic_policy(default_stack, topic_id) if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Condition"]["StringEquals"] == {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}


def test_email_subscriptions_come_from_context(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    default_stack.template.resource_count_is("AWS::SNS::Subscription", 0)
    endpoints = sorted(
        (sub["Properties"]["Protocol"], sub["Properties"]["Endpoint"])
        for sub in narrow_stack.resources("AWS::SNS::Subscription").values()
    )
    assert endpoints == [
        ("email", "oncall@example.com"),
        ("email", "ops@example.com"),
        ("email", "qa@example.com"),
    ]


def test_outcome_emails_get_only_the_chosen_outcomes(narrow_stack: Synthesized) -> None:
    """Outcomes nobody needs to read (by default ALREADY_ENDED, NOT_FOUND and REJECTED) and
    sweep summaries that did nothing stay out of inboxes; `emailOutcomes` picks the rest.
    Without timers there are no timer messages to let through."""
    outcome_topic = narrow_stack.logical_id("AWS::SNS::Topic", "-outcomes'")
    policies = [
        sub["Properties"].get("FilterPolicy")
        for sub in narrow_stack.resources("AWS::SNS::Subscription").values()
        if sub["Properties"]["TopicArn"] == {"Ref": outcome_topic}
    ]
    assert policies == [
        {
            "$or": [
                {"messageType": ["outcome"], "outcome": NARROW_CONTEXT["emailOutcomes"]},
                {"messageType": ["sweepSummary"], "needsAPerson": ["true"]},
            ]
        }
    ]


def test_default_email_outcomes_are_the_actionable_ones() -> None:
    assert email_filter(load(sessionTimers=False)) == {
        "$or": [
            {"messageType": ["outcome"], "outcome": ["STOPPED", "FAILED", "SKIPPED"]},
            {"messageType": ["sweepSummary"], "needsAPerson": ["true"]},
        ]
    }


def test_with_timers_email_also_gets_warnings_and_extensions() -> None:
    """`warning` and `extended` messages carry no `outcome` attribute, so they need their own
    branch; `timer` messages match none."""
    assert email_filter(load()) == {
        "$or": [
            {"messageType": ["outcome"], "outcome": ["STOPPED", "FAILED", "SKIPPED"]},
            {"messageType": ["sweepSummary"], "needsAPerson": ["true"]},
            {"messageType": ["warning", "extended"]},
        ]
    }


def test_synthesized_email_filter_lets_timer_warnings_through(
    forwarded_app: ForwardedApp,
) -> None:
    stack = forwarded_app.main
    outcome_topic = stack.logical_id("AWS::SNS::Topic", "-outcomes'")
    (subscription,) = [
        sub["Properties"]
        for sub in stack.resources("AWS::SNS::Subscription").values()
        if sub["Properties"]["TopicArn"] == {"Ref": outcome_topic}
    ]
    assert subscription["Endpoint"] == "qa@example.com"
    # Message attributes are SNS's default scope for a filter policy.
    assert "FilterPolicyScope" not in subscription
    policy = subscription["FilterPolicy"]
    assert policy == {
        "$or": [
            {"messageType": ["outcome"], "outcome": ["STOPPED", "FAILED", "SKIPPED"]},
            {"messageType": ["sweepSummary"], "needsAPerson": ["true"]},
            {"messageType": ["warning", "extended"]},
        ]
    }
    assert "timer" not in str(policy)


@pytest.mark.parametrize("suffix", ["outcome-dlq", "async-failures", "event-dlq"])
def test_dead_letter_queues_are_encrypted_and_ssl_only(
    default_stack: Synthesized, suffix: str
) -> None:
    queue_id = default_stack.queue_id(f"session-stopper-dev-{suffix}")
    queue = default_stack.raw["Resources"][queue_id]["Properties"]
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    (statements,) = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in default_stack.resources("AWS::SQS::QueuePolicy").values()
        if policy["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    assert any(s["Effect"] == "Deny" and s["Condition"] == DENY_INSECURE for s in statements)


def test_idempotency_table_matches_powertools_defaults(default_stack: Synthesized) -> None:
    table = default_stack.only("AWS::DynamoDB::Table")["Properties"]
    assert table["TableName"] == "session-stopper-dev-idempotency"
    assert table["KeySchema"] == [{"AttributeName": "id", "KeyType": "HASH"}]
    assert table["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert table["TimeToLiveSpecification"] == {"AttributeName": "expiration", "Enabled": True}
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"] == {"SSEEnabled": True}
