"""The idempotency table, shaped as Powertools' DynamoDBPersistenceLayer expects by default."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.config import StackConfig

# DynamoDBPersistenceLayer defaults: key_attr="id", expiry_attr="expiration".
PARTITION_KEY = "id"
TTL_ATTRIBUTE = "expiration"


class IdempotencyStore(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StackConfig) -> None:
        super().__init__(scope, construct_id)
        self.table = dynamodb.Table(
            self,
            "Table",
            table_name=f"{config.name_prefix}-idempotency",
            partition_key=dynamodb.Attribute(
                name=PARTITION_KEY, type=dynamodb.AttributeType.STRING
            ),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            time_to_live_attribute=TTL_ATTRIBUTE,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # The AWS-managed key: encrypted at rest with no key policy or IAM grant to keep.
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            # Records live minutes (TTL); nothing here is worth keeping after the stack is gone.
            removal_policy=RemovalPolicy.DESTROY,
        )
        skip_check(
            self.table,
            "CKV_AWS_119",
            "Encrypted at rest with the AWS-managed DynamoDB key; the items are idempotency "
            "records and a sweep lock that expire within minutes, not worth a customer key.",
        )
