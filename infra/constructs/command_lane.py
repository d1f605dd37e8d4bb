"""The command lane: caller commands wait in a queue of their own, and the function takes them at
most commandLaneMaxConcurrency batches at a time.

Without it, every command the command rule matched went into Lambda's asynchronous queue, which
alarms, timers and sweeps share and which keeps events for hours: a burst of caller commands could
hold a kill switch back past alarmMaxAgeMinutes. Through the queue, callers can only ever use the
lane's MaximumConcurrency; the rest of the reserved concurrency stays free for the triggers that
invoke the function directly (infra/config_checks.py keeps it at least AUTOMATIC_CAPACITY_FLOOR).
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.config import StackConfig
from infra.constructs.queues import RETENTION, dead_letter_queue

# Records per invocation: handled one after another, each failing alone (partial batch response).
BATCH_SIZE = 10
# AWS's advice for an SQS event source: a visibility timeout of six times the function's timeout,
# so a batch Lambda retries after a throttle is not received twice meanwhile.
VISIBILITY_TIMEOUT_FACTOR = 6
# Deliveries before SQS moves a command to the dead-letter queue: only an outcome SNS kept
# refusing fails a record (it is parked each time), so a few attempts are enough.
MAX_RECEIVE_COUNT = 3


class CommandLane(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = config.name_prefix
        self.dead_letter_queue = dead_letter_queue(
            self,
            "DeadLetterQueue",
            name=f"{prefix}-command-dlq",
            holds="caller commands whose outcome could not be published after "
            f"{MAX_RECEIVE_COUNT} deliveries",
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            queue_name=f"{prefix}-commands",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            # A stale command is harmless (stopping an ended session is ALREADY_ENDED) and an
            # expired one would be lost without a word: keep them as long as SQS can.
            retention_period=RETENTION,
            visibility_timeout=Duration.seconds(config.timeout_seconds * VISIBILITY_TIMEOUT_FACTOR),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
            removal_policy=RemovalPolicy.DESTROY,
        )
        skip_check(
            self.queue,
            "CKV_AWS_27",
            "Encrypted at rest with SQS-managed SSE (SqsManagedSseEnabled), which this check does "
            "not recognise; EventBridge sends to it without a key policy.",
        )
        # Only what Lambda's poller needs (AWS's list for an SQS event source), on this queue.
        function.add_to_role_policy(
            iam.PolicyStatement(
                sid="ConsumeCommandQueue",
                actions=["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
                resources=[self.queue.queue_arn],
            )
        )
        self.mapping = lambda_.EventSourceMapping(
            self,
            "EventSourceMapping",
            target=function,
            event_source_arn=self.queue.queue_arn,
            batch_size=BATCH_SIZE,
            max_concurrency=config.command_lane_max_concurrency,
            report_batch_item_failures=True,
        )
        # Lambda checks that the role may receive from the queue when it creates the mapping,
        # and nothing else orders the mapping after the role's policy.
        if function.role is not None:
            self.mapping.node.add_dependency(function.role)

    def rule_target(
        self, *, dead_letter_queue: sqs.IQueue, retry_attempts: int, max_event_age: Duration
    ) -> events.IRuleTarget:
        """The command rule's target: this queue, with the rule's own retries and DLQ for an
        event EventBridge could not put on it."""
        return targets.SqsQueue(
            self.queue,
            dead_letter_queue=dead_letter_queue,
            retry_attempts=retry_attempts,
            max_event_age=max_event_age,
        )
