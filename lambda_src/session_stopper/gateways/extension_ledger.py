"""The latest deadline each session's owner was granted, kept apart from its timer.

A timer can be gone while its session still runs (Scheduler deleted it after firing, an operator
deleted it, a write was lost to a race): the extension it carried must not go with it. One item
per session in the idempotency table, written only forwards (a conditional update refuses an
earlier deadline), removed by the table's TTL once Device Farm has ended the session anyway.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.config import settings
from session_stopper.gateways.sweep_lock import dynamodb_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Powertools' records are "<function>#<hash>" and the sweep lock has its own key: no collision.
_KEY_PREFIX = "session-stopper#extension#"
_LATER_ONE_KEPT = "ConditionalCheckFailedException"


class LedgerError(Exception):
    """The table could not be asked: whether the session was extended is unknown."""


def ledger_key(session_arn: str) -> str:
    return _KEY_PREFIX + hashlib.sha256(session_arn.encode()).hexdigest()


class ExtensionLedger:
    def __init__(self, client: DynamoDBClient | None = None, *, interactive: bool = False) -> None:
        self._client = client or dynamodb_client(interactive)

    def record(self, session_arn: str, deadline: datetime, forget_after: datetime) -> None:
        """Keep `deadline` unless a later one is kept already. Raises LedgerError."""
        try:
            self._client.update_item(
                TableName=settings().idempotency_table_name,
                Key={"id": {"S": ledger_key(session_arn)}},
                UpdateExpression="SET deadline = :deadline, expiration = :forget",
                ConditionExpression="attribute_not_exists(deadline) OR deadline < :deadline",
                ExpressionAttributeValues={
                    ":deadline": {"N": str(int(deadline.timestamp()))},
                    ":forget": {"N": str(int(forget_after.timestamp()))},
                },
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _LATER_ONE_KEPT:
                return
            raise LedgerError(str(error)) from error
        except BotoCoreError as error:
            raise LedgerError(str(error)) from error

    def latest(self, session_arn: str) -> datetime | None:
        """The latest deadline granted to the session, None when it was never extended. Raises
        LedgerError."""
        try:
            answer = self._client.get_item(
                TableName=settings().idempotency_table_name,
                Key={"id": {"S": ledger_key(session_arn)}},
                ConsistentRead=True,
            )
        except (ClientError, BotoCoreError) as error:
            raise LedgerError(str(error)) from error
        value = (answer.get("Item") or {}).get("deadline", {}).get("N")
        return datetime.fromtimestamp(int(value), UTC) if value else None
