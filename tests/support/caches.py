"""The function keeps clients and settings per process; tests start each case afresh."""

from __future__ import annotations

from session_stopper import config
from session_stopper.domain import service
from session_stopper.entrypoints import dependencies
from session_stopper.gateways import devicefarm, outcomes


def reset_function_caches() -> None:
    for cached in (
        config.settings,
        devicefarm.devicefarm_client,
        outcomes.sns_client,
        outcomes.sqs_client,
        service._persistence,
        service._idempotency_config,
        dependencies.stop_service,
        dependencies.sweeper,
    ):
        cached.cache_clear()
