"""How the function's AWS clients are built: region, retries, idempotency window."""

from __future__ import annotations

import pytest

from session_stopper.config import settings
from session_stopper.domain.service import _idempotency_config
from session_stopper.gateways.devicefarm import devicefarm_client
from tests.unit.test_config import REQUIRED


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


def test_api_callers_get_at_most_three_attempts_and_short_timeouts() -> None:
    interactive = devicefarm_client(interactive=True)
    assert interactive.meta.config.retries["total_max_attempts"] == 3
    assert (interactive.meta.config.connect_timeout, interactive.meta.config.read_timeout) == (2, 5)
    assert interactive is not devicefarm_client()


def test_the_idempotency_window_defaults_to_300_s_and_is_configurable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _idempotency_config().expires_after_seconds == 300
    monkeypatch.setenv("IDEMPOTENCY_WINDOW_SECONDS", "45")
    settings.cache_clear()
    _idempotency_config.cache_clear()

    assert _idempotency_config().expires_after_seconds == 45
