"""One sweep at a time: a lease on one item of the idempotency table, taken by a conditional put.

The lease ends when the sweep releases it, or hands it to its own continuation (a ticket only
that continuation's event matches: domain/sweeps/chain.py), or by itself when the invocation that
took it can no longer be running (its `expiration` is the invocation's own deadline, so a
crashed sweep never blocks the next one for longer than that; DynamoDB's TTL later removes the
item). A kill switch takes the lease over from any other sweep: an alarm fires once, and an
emergency must not wait behind a routine sweep or an operator's preview (a second kill switch
still yields to the first).
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.config import settings
from session_stopper.gateways.budgets import budgets_for
from session_stopper.models.sweep import RunningSweep
from session_stopper.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

# Powertools' records are "<function>#<hash>"; this key cannot collide with one of them.
LOCK_KEY = "session-stopper#sweep-lock"
_TAKEN = "ConditionalCheckFailedException"


class SweepLockError(Exception):
    """The table could not be asked: whether another sweep runs is unknown."""


@functools.cache
def dynamodb_client(interactive: bool = False) -> DynamoDBClient:
    budget = budgets_for(interactive).dynamodb
    return budget.guarded(boto3.client("dynamodb", config=budget.config()))


def _item(holder: RunningSweep, expires: int) -> dict[str, Any]:
    return {
        "id": {"S": LOCK_KEY},
        "sweepId": {"S": holder.sweep_id},
        "triggerKind": {"S": holder.trigger_kind},
        "triggerId": {"S": holder.trigger_id},
        "startedAt": {"S": holder.started_at},
        "killSwitch": {"BOOL": holder.kill_switch},
        "expiration": {"N": str(expires)},
    }


def _holder(item: dict[str, Any]) -> RunningSweep:
    def text(name: str) -> str:
        return str(item.get(name, {}).get("S", "unknown"))

    return RunningSweep(
        sweep_id=text("sweepId"),
        trigger_kind=text("triggerKind"),
        trigger_id=text("triggerId"),
        started_at=text("startedAt"),
        kill_switch=bool(item.get("killSwitch", {}).get("BOOL")),
    )


def _handoff_item(holder: RunningSweep, ticket: str, expires: int) -> dict[str, Any]:
    return {**_item(holder, expires), "handoff": {"S": ticket}}


class SweepLock:
    def __init__(self, client: DynamoDBClient | None = None, *, interactive: bool = False) -> None:
        self._client = client or dynamodb_client(interactive)

    def acquire(self, holder: RunningSweep, lease_seconds: float) -> RunningSweep | None:
        """Take the lease for `holder`; None when taken, else the sweep that holds it."""
        now = int(time.time())
        free = "attribute_not_exists(id) OR expiration < :now"
        values: dict[str, Any] = {":now": {"N": str(now)}}
        if holder.kill_switch:
            free += " OR killSwitch = :no"
            values[":no"] = {"BOOL": False}
        try:
            self._client.put_item(
                TableName=settings().idempotency_table_name,
                Item=_item(holder, now + max(1, int(lease_seconds))),
                ConditionExpression=free,
                ExpressionAttributeValues=values,
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _TAKEN:
                held: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
                return _holder(held)
            raise SweepLockError(str(error)) from error
        except BotoCoreError as error:
            raise SweepLockError(str(error)) from error
        return None

    def hand_off(self, holder: RunningSweep, ticket: str, lease_seconds: float) -> bool:
        """Keep the lease for the chain's next link: only an event whose ticket is `ticket` can
        take it (`take_handoff`); until then, or until it expires, every other sweep yields to
        `holder` as before (a kill switch takes it over). False: the lease is no longer ours."""
        now = int(time.time())
        try:
            self._client.put_item(
                TableName=settings().idempotency_table_name,
                Item=_handoff_item(holder, ticket, now + max(1, int(lease_seconds))),
                ConditionExpression="sweepId = :mine",
                ExpressionAttributeValues={":mine": {"S": holder.sweep_id}},
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning("sweep lock not handed off", extra={"error": str(error)})
            return False
        return True

    def take_handoff(
        self, holder: RunningSweep, ticket: str, lease_seconds: float
    ) -> RunningSweep | None:
        """Take the lease a chain's previous link handed to `ticket`, even past its expiry if no
        other sweep took it meanwhile. None when taken; else what holds the lock now (a sweep
        that yields says so; `unknown` fields when nothing does)."""
        try:
            self._client.put_item(
                TableName=settings().idempotency_table_name,
                Item=_item(holder, int(time.time()) + max(1, int(lease_seconds))),
                ConditionExpression="handoff = :ticket",
                ExpressionAttributeValues={":ticket": {"S": ticket}},
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") == _TAKEN:
                held: dict[str, Any] = error.response.get("Item") or {}  # type: ignore[assignment]
                return _holder(held)
            raise SweepLockError(str(error)) from error
        except BotoCoreError as error:
            raise SweepLockError(str(error)) from error
        return None

    def release(self, holder: RunningSweep) -> None:
        """Give the lease back if it is still ours; a failure only delays the next sweep."""
        try:
            self._client.delete_item(
                TableName=settings().idempotency_table_name,
                Key={"id": {"S": LOCK_KEY}},
                ConditionExpression="sweepId = :mine",
                ExpressionAttributeValues={":mine": {"S": holder.sweep_id}},
            )
        except (ClientError, BotoCoreError) as error:
            logger.warning(
                "sweep lock not released; it expires by itself", extra={"error": str(error)}
            )
