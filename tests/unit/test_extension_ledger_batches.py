"""Reading many sessions' extensions at once (the sessions view): 100 keys to a BatchGetItem,
keys DynamoDB left unprocessed asked again, and a failure or lack of time reported, not raised.

On moto's DynamoDB (which refuses more than 100 keys in a call, as DynamoDB does) and, for the
answers moto never gives (unprocessed keys, errors), botocore's Stubber."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from session_stopper.gateways.extension_ledger import (
    BATCH_GET_LIMIT,
    OUT_OF_TIME,
    UNPROCESSED,
    ExtensionLedger,
    ledger_key,
)
from tests.support.aws import TABLE_NAME, OutcomeSink
from tests.support.caches import reset_function_caches

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
BASE = "arn:aws:devicefarm:us-west-2:123456789012:session:11111111-2222-4333-8444-555555555555"


def arns(count: int) -> list[str]:
    return [f"{BASE}/{index:08x}-0000-4000-8000-000000000000/00000" for index in range(count)]


@pytest.fixture
def ledger(outcome_sink: OutcomeSink) -> ExtensionLedger:
    reset_function_caches()
    return ExtensionLedger(boto3.client("dynamodb", region_name=outcome_sink.region))


def test_more_than_100_sessions_are_read_100_to_a_call(ledger: ExtensionLedger) -> None:
    sessions = arns(230)
    extended = {arn: NOW + timedelta(minutes=index) for index, arn in enumerate(sessions[::7])}
    for arn, deadline in extended.items():
        ledger.record(arn, deadline, NOW + timedelta(hours=5))
    calls: list[int] = []
    ledger._client.meta.events.register(
        "provide-client-params.dynamodb.BatchGetItem",
        lambda params, **_: calls.append(len(params["RequestItems"][TABLE_NAME]["Keys"])),
    )

    reading = ledger.latest_of(sessions, lambda: True)

    assert calls == [100, 100, 30]
    assert reading.granted == {arn: extended.get(arn) for arn in sessions}
    assert (reading.unread, reading.code) == ((), None)


@pytest.fixture
def stubbed(ledger: ExtensionLedger) -> Iterator[Stubber]:
    with Stubber(ledger._client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


def expected(keys: list[str]) -> dict[str, Any]:
    return {
        "RequestItems": {
            TABLE_NAME: {
                "Keys": [{"id": {"S": key}} for key in keys],
                "ConsistentRead": True,
                "ProjectionExpression": "#id, #deadline",
                "ExpressionAttributeNames": {"#id": "id", "#deadline": "deadline"},
            }
        }
    }


def answer(found: dict[str, datetime], unprocessed: Sequence[str] = ()) -> dict[str, Any]:
    items = [
        {"id": {"S": key}, "deadline": {"N": str(int(at.timestamp()))}} for key, at in found.items()
    ]
    keys = [{"id": {"S": key}} for key in unprocessed]
    left = {TABLE_NAME: {"Keys": keys}} if keys else {}  # DynamoDB leaves out an empty one
    return {"Responses": {TABLE_NAME: items}, "UnprocessedKeys": left}


def test_unprocessed_keys_are_asked_again_first(ledger: ExtensionLedger, stubbed: Stubber) -> None:
    sessions = arns(150)
    keys = [ledger_key(arn) for arn in sessions]
    later = NOW + timedelta(minutes=15)
    # DynamoDB answers 90 of the first 100 and leaves 10 (one of them extended) unprocessed.
    stubbed.add_response("batch_get_item", answer({}, keys[90:100]), expected(keys[:100]))
    stubbed.add_response(
        "batch_get_item", answer({keys[95]: later}), expected(keys[90:100] + keys[100:])
    )

    reading = ledger.latest_of(sessions, lambda: True)

    assert reading.granted == {arn: later if arn == sessions[95] else None for arn in sessions}
    assert reading.unread == ()


def test_keys_left_unprocessed_call_after_call_end_unknown(
    ledger: ExtensionLedger, stubbed: Stubber
) -> None:
    sessions = arns(BATCH_GET_LIMIT)
    keys = [ledger_key(arn) for arn in sessions]
    stubbed.add_response("batch_get_item", answer({}, keys[50:]), expected(keys))
    for _ in range(2):  # UNPROCESSED_RETRY_CALLS
        stubbed.add_response("batch_get_item", answer({}, keys[50:]), expected(keys[50:]))

    reading = ledger.latest_of(sessions, lambda: True)

    assert reading.granted == dict.fromkeys(sessions[:50])
    assert (reading.unread, reading.code) == (tuple(sessions[50:]), UNPROCESSED)


def test_a_failed_call_keeps_what_was_read_and_says_why_the_rest_is_unknown(
    ledger: ExtensionLedger, stubbed: Stubber
) -> None:
    sessions = arns(120)
    keys = [ledger_key(arn) for arn in sessions]
    stubbed.add_response("batch_get_item", answer({keys[3]: NOW}), expected(keys[:100]))
    stubbed.add_client_error(
        "batch_get_item",
        service_error_code="ProvisionedThroughputExceededException",
        service_message="slow down",
    )

    reading = ledger.latest_of(sessions, lambda: True)

    assert reading.granted == {arn: NOW if arn == sessions[3] else None for arn in sessions[:100]}
    assert reading.unread == tuple(sessions[100:])
    assert reading.code == "ProvisionedThroughputExceededException"
    assert "slow down" in (reading.message or "")


def test_no_call_starts_without_time_for_it(ledger: ExtensionLedger, stubbed: Stubber) -> None:
    sessions = arns(150)
    keys = [ledger_key(arn) for arn in sessions]
    stubbed.add_response("batch_get_item", answer({}), expected(keys[:100]))
    time_for = iter([True, False])

    reading = ledger.latest_of(sessions, lambda: next(time_for))

    assert reading.granted == dict.fromkeys(sessions[:100])
    assert (reading.unread, reading.code) == (tuple(sessions[100:]), OUT_OF_TIME)
