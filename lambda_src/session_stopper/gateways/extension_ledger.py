"""The latest deadline each session's owner was granted, kept apart from its timer.

A timer can be gone while its session still runs (Scheduler deleted it after firing, an operator
deleted it, a write was lost to a race): the extension it carried must not go with it. One item
per session in the idempotency table, written only forwards (a conditional update refuses an
earlier deadline), removed by the table's TTL once Device Farm has ended the session anyway.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.config import settings
from session_stopper.gateways.sweep_lock import dynamodb_client

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Powertools' records are "<function>#<hash>" and the sweep lock has its own key: no collision.
_KEY_PREFIX = "session-stopper#extension#"
_LATER_ONE_KEPT = "ConditionalCheckFailedException"
# DynamoDB's most keys in one BatchGetItem.
BATCH_GET_LIMIT = 100
# Calls spent on keys DynamoDB left unprocessed (throttled or over its 16 MB answer), beyond
# one call per 100 sessions. They are asked again at once, not after a backoff: the view they
# serve has seconds, not minutes, and a table that keeps refusing is reported, not waited out.
UNPROCESSED_RETRY_CALLS = 2
OUT_OF_TIME = "OUT_OF_TIME"
UNPROCESSED = "UNPROCESSED"


class LedgerError(Exception):
    """The table could not be asked: whether the session was extended is unknown."""

    def __init__(self, message: str, code: str = "LedgerError") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class LedgerReading:
    """What `latest_of` could read: `granted` has every session read (None: never extended);
    `unread` the sessions whose extensions are unknown, `code` and `message` saying why."""

    granted: dict[str, datetime | None] = field(default_factory=dict)
    unread: tuple[str, ...] = ()
    code: str | None = None
    message: str | None = None


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
            raise LedgerError(str(error), _code_of(error)) from error
        except BotoCoreError as error:
            raise LedgerError(str(error), type(error).__name__) from error

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
            raise LedgerError(str(error), _code_of(error)) from error
        return _deadline_in(answer.get("Item"))

    def latest_of(self, session_arns: Iterable[str], may_call: Callable[[], bool]) -> LedgerReading:
        """`latest` for many sessions, 100 to a BatchGetItem call; keys left unprocessed are asked
        again in the next call. A call starts only while `may_call()` says there is time for it.
        Never raises: a failed call (or time, or a table that keeps refusing) leaves the sessions
        not yet read unknown, and says why."""
        by_key = {ledger_key(arn): arn for arn in session_arns}
        pending = list(by_key)
        granted: dict[str, datetime | None] = {}
        calls_left = -(-len(pending) // BATCH_GET_LIMIT) + UNPROCESSED_RETRY_CALLS
        while pending:
            if not may_call():
                return _unread(granted, pending, by_key, OUT_OF_TIME, "no time left to read them")
            if not calls_left:
                why = "DynamoDB kept leaving them unprocessed (throttled): ask again"
                return _unread(granted, pending, by_key, UNPROCESSED, why)
            batch, pending = pending[:BATCH_GET_LIMIT], pending[BATCH_GET_LIMIT:]
            calls_left -= 1
            try:
                found, unprocessed = self._batch_get(batch)
            except LedgerError as error:
                return _unread(granted, batch + pending, by_key, error.code, str(error))
            left = set(unprocessed)
            granted |= {by_key[key]: found.get(key) for key in batch if key not in left}
            pending = unprocessed + pending
        return LedgerReading(granted=granted)

    def _batch_get(self, keys: Sequence[str]) -> tuple[dict[str, datetime | None], list[str]]:
        """The deadlines recorded under `keys` (a key without an item is absent), and the keys
        DynamoDB left unprocessed. Raises LedgerError."""
        table = settings().idempotency_table_name
        try:
            answer = self._client.batch_get_item(
                RequestItems={
                    table: {
                        "Keys": [{"id": {"S": key}} for key in keys],
                        "ConsistentRead": True,
                        "ProjectionExpression": "#id, #deadline",
                        "ExpressionAttributeNames": {"#id": "id", "#deadline": "deadline"},
                    }
                }
            )
        except (ClientError, BotoCoreError) as error:
            raise LedgerError(str(error), _code_of(error)) from error
        items = answer.get("Responses", {}).get(table) or []
        found = {str(item["id"]["S"]): _deadline_in(item) for item in items}
        unprocessed: Mapping[str, Any] = answer.get("UnprocessedKeys") or {}
        left = unprocessed.get(table, {}).get("Keys") or []
        return found, [str(key["id"]["S"]) for key in left]


def _deadline_in(item: Mapping[str, Any] | None) -> datetime | None:
    value = (item or {}).get("deadline", {}).get("N")
    return datetime.fromtimestamp(int(value), UTC) if value else None


def _code_of(error: ClientError | BotoCoreError) -> str:
    if isinstance(error, ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def _unread(
    granted: dict[str, datetime | None],
    keys: Sequence[str],
    by_key: dict[str, str],
    code: str,
    message: str,
) -> LedgerReading:
    unread = tuple(by_key[key] for key in keys)
    return LedgerReading(granted=granted, unread=unread, code=code, message=message[:500])
