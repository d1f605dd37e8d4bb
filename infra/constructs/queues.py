"""The dead-letter queues: encrypted, SSL only, kept 14 days for someone to look at."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.nag import acknowledge

# The longest SQS keeps a message: the most time a person has to notice and replay it.
RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str, *, name: str, holds: str) -> sqs.Queue:
    """A queue that parks what could not be delivered; `holds` says what, for the nag reason."""
    queue = sqs.Queue(
        scope,
        construct_id,
        queue_name=name,
        # SQS-managed SSE: encrypted at rest, and EventBridge and Lambda destinations can send
        # to it without a key policy (a customer key would need one per service principal).
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=RETENTION,
        removal_policy=RemovalPolicy.DESTROY,
    )
    acknowledge(
        queue,
        "AwsSolutions-SQS3",
        f"This queue is itself a dead-letter queue ({holds}). A further DLQ behind it would "
        "have no consumer; its depth alarm is how messages here get noticed.",
    )
    skip_check(
        queue,
        "CKV_AWS_27",
        "Encrypted at rest with SQS-managed SSE (SqsManagedSseEnabled), which this check does "
        "not recognise; a customer key would need a key policy for every service that sends.",
    )
    return queue
