"""The function keeps clients and settings per process; tests start each case afresh.

The cached functions are bound here at import, so a test that swaps one out (monkeypatch)
cannot stop the originals from being cleared.
"""

from __future__ import annotations

from session_stopper.config import settings
from session_stopper.domain.service import _idempotency_config, _persistence
from session_stopper.entrypoints.dependencies import (
    api_stop_service,
    api_sweeper,
    stop_service,
    sweeper,
)
from session_stopper.gateways.devicefarm import devicefarm_client
from session_stopper.gateways.outcomes import sns_client, sqs_client

_CACHED = (
    settings,
    devicefarm_client,
    sns_client,
    sqs_client,
    _persistence,
    _idempotency_config,
    stop_service,
    api_stop_service,
    sweeper,
    api_sweeper,
)


def reset_function_caches() -> None:
    for cached in _CACHED:
        cached.cache_clear()
