"""How the function's AWS clients are built: region, retries, timeouts, idempotency window."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import pytest

from session_stopper.config import settings
from session_stopper.domain.service import _idempotency_config, _persistence
from session_stopper.entrypoints.api import (
    API_LEDGER_READ_RESERVE_SECONDS,
    API_SWEEP_RESERVE_SECONDS,
)
from session_stopper.gateways.alarms import cloudwatch_client
from session_stopper.gateways.budgets import (
    API_GATEWAY_TIMEOUT_SECONDS,
    API_MARGIN_SECONDS,
    EXTEND_RETRY_SECONDS,
    INTERACTIVE,
    INTERACTIVE_PACING_SECONDS,
    STOP_RETRY_SECONDS,
    Budgets,
    CallBudget,
    extend_calls,
    stop_seconds,
    total_seconds,
)
from session_stopper.gateways.devicefarm import devicefarm_client
from session_stopper.gateways.extension_ledger import ExtensionLedger
from session_stopper.gateways.outcomes import sns_client, sqs_client
from session_stopper.gateways.scheduler import scheduler_client
from session_stopper.gateways.spoke_access import sts_client
from session_stopper.gateways.sweep_lock import dynamodb_client
from tests.unit.test_config import REQUIRED

# Lambda's own start and the function's work between calls must fit in what is left.
COLD_START_MARGIN_SECONDS = API_MARGIN_SECONDS


@pytest.fixture(autouse=True)
def _required(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)


def test_device_farm_is_called_in_us_west_2_whatever_region_runs_us() -> None:
    client = devicefarm_client()
    assert client.meta.region_name == "us-west-2"
    assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": 5}


def test_the_device_farm_region_and_attempts_are_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DEVICE_FARM_REGION", "us-east-1")
    monkeypatch.setenv("DEVICE_FARM_MAX_ATTEMPTS", "7")
    settings.cache_clear()

    client = devicefarm_client()

    assert client.meta.region_name == "us-east-1"
    assert client.meta.config.retries["total_max_attempts"] == 7


@pytest.mark.parametrize(
    ("build", "budget"),
    [
        (devicefarm_client, INTERACTIVE.devicefarm),
        (sns_client, INTERACTIVE.sns),
        (sqs_client, INTERACTIVE.sqs),
        (dynamodb_client, INTERACTIVE.dynamodb),
        (scheduler_client, INTERACTIVE.scheduler),
    ],
)
def test_every_client_of_the_api_path_is_built_on_the_api_budget(
    build: object, budget: CallBudget
) -> None:
    interactive = build(interactive=True)  # type: ignore[operator]
    config = interactive.meta.config
    assert config.retries["total_max_attempts"] == budget.attempts
    assert (config.connect_timeout, config.read_timeout) == (
        budget.connect_timeout,
        budget.read_timeout,
    )
    assert interactive is not build()  # type: ignore[operator]


def test_the_idempotency_store_of_the_api_path_is_on_the_api_budget() -> None:
    client = _persistence(interactive=True).client
    assert client.meta.config.retries["total_max_attempts"] == INTERACTIVE.dynamodb.attempts
    assert client.meta.config.read_timeout == INTERACTIVE.dynamodb.read_timeout


def _first_attempt(client: Any, pacing: float = 0.0) -> float:
    """The longest a client's first attempt can take, read from the client itself."""
    config = client.meta.config
    return pacing + config.connect_timeout + config.read_timeout


def test_an_api_stop_fits_in_api_gateways_29_seconds_in_the_worst_case() -> None:
    """Read from the clients the stop uses: the record, a member account's credentials, Get and
    Stop in a row, then the longest of the follow-ups side by side; every retry of all of them
    within the stop's allowance."""
    devicefarm = _first_attempt(devicefarm_client(True), INTERACTIVE_PACING_SECONDS)
    record = _first_attempt(_persistence(True).client)
    chat = INTERACTIVE.chat.worst_case_seconds()  # its client exists only with a chat topic
    publish = _first_attempt(sns_client(True)) + chat + _first_attempt(sqs_client(True))
    in_a_row = record + _first_attempt(sts_client(True)) + 2 * devicefarm
    follow_ups = max(record, publish, _first_attempt(scheduler_client(True)))
    worst = in_a_row + follow_ups + STOP_RETRY_SECONDS

    assert worst == stop_seconds(INTERACTIVE) + STOP_RETRY_SECONDS
    assert worst + COLD_START_MARGIN_SECONDS <= API_GATEWAY_TIMEOUT_SECONDS
    assert STOP_RETRY_SECONDS >= 1.0 + 3.0 + 2.0 + 3.0, "a stop rides out two throttles"


def test_an_api_extension_fits_in_api_gateways_29_seconds_in_the_worst_case() -> None:
    worst = total_seconds(extend_calls(INTERACTIVE)) + EXTEND_RETRY_SECONDS
    assert worst + COLD_START_MARGIN_SECONDS <= API_GATEWAY_TIMEOUT_SECONDS
    assert EXTEND_RETRY_SECONDS >= 1.0 + 3.0, "an extension rides out a throttle"


def test_an_api_sweep_keeps_enough_time_for_what_is_in_flight_and_the_summary() -> None:
    assert stop_seconds(INTERACTIVE) < API_SWEEP_RESERVE_SECONDS
    window = API_GATEWAY_TIMEOUT_SECONDS - API_SWEEP_RESERVE_SECONDS - COLD_START_MARGIN_SECONDS
    assert window >= 5, "an API sweep must still have seconds to start stops in"


def test_the_sessions_view_reads_extensions_only_while_a_call_and_the_margin_fit() -> None:
    """GET /sessions has no retry allowance: each BatchGetItem of the extension ledger is one
    attempt, started only while that attempt and the margin are left of the 29 s; the listing
    stops early enough to leave room for ten of them (1,000 sessions)."""
    ledger_call = _first_attempt(ExtensionLedger(interactive=True)._client)

    assert ledger_call == INTERACTIVE.dynamodb.worst_case_seconds()
    assert ledger_call + COLD_START_MARGIN_SECONDS == API_LEDGER_READ_RESERVE_SECONDS
    assert 10 * ledger_call <= API_SWEEP_RESERVE_SECONDS - API_LEDGER_READ_RESERVE_SECONDS


def _seconds(each: float) -> CallBudget:
    """A call that takes `each` seconds at worst: one attempt, no pacing."""
    return CallBudget(1, connect_timeout=each, read_timeout=0.0)


@pytest.mark.parametrize(
    ("slow", "expected"),
    [
        # The lock record, AssumeRole, Get and Stop in a row (4 s); then the publish, the chat
        # notification and the park in a row (3 s), beside the record's completion and each
        # delete (1 s).
        ({}, 7.0),
        # A slow Scheduler counts once, instead of the publish: the two deletes overlap.
        ({"scheduler": 5.0}, 4.0 + 5.0),
        # A slow DynamoDB counts twice: the lock before the Get, its completion after the Stop.
        ({"dynamodb": 4.0}, (4.0 + 1.0 + 1.0 + 1.0) + 4.0),
        # Neither alarms, nor invoke, are part of a stop.
        ({"cloudwatch": 9.0, "invoke": 9.0}, 7.0),
    ],
)
def test_a_stop_s_follow_ups_count_once_side_by_side(
    slow: dict[str, float], expected: float
) -> None:
    """The publish, the record's completion and the schedule deletes overlap: the longest of
    them counts, not their sum; the lock record, Get and Stop stay in a row. Every call takes
    1 s at worst here, but for the `slow` ones; the totals are counted by hand from that."""
    budgets = Budgets(
        **{field.name: _seconds(slow.get(field.name, 1.0)) for field in fields(Budgets)}
    )
    assert stop_seconds(budgets) == expected


def test_worst_case_counts_every_attempt_and_the_longest_backoff() -> None:
    assert CallBudget(1, 1.0, 2.0).worst_case_seconds() == 3.0
    # Two attempts: 2 x 3 s, and one backoff of up to 1 s plus up to 5 s of retry-after.
    assert CallBudget(2, 1.0, 2.0).worst_case_seconds() == 12.0


def test_an_api_call_counts_one_attempt_its_retries_are_its_requests() -> None:
    api_call = CallBudget(5, 1.0, 2.0, pacing_seconds=0.5, retries_from_request=True)
    assert api_call.worst_case_seconds() == 3.5
    assert api_call.schedule_seconds() > 29, "unguarded, botocore's schedule would not fit"


def test_cloudwatch_is_asked_with_patient_retries() -> None:
    assert cloudwatch_client().meta.config.retries["total_max_attempts"] == 3


def test_the_idempotency_window_defaults_to_300_s_and_is_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _idempotency_config().expires_after_seconds == 300
    monkeypatch.setenv("IDEMPOTENCY_WINDOW_SECONDS", "45")
    settings.cache_clear()
    _idempotency_config.cache_clear()

    assert _idempotency_config().expires_after_seconds == 45
