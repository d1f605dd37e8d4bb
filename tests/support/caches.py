"""The function keeps clients and settings per process; tests start each case afresh.

The cached functions are bound here at import, so a test that swaps one out (monkeypatch)
cannot stop the originals from being cleared.
"""

from __future__ import annotations

from session_stopper.config import settings
from session_stopper.domain.service import _idempotency_config, _persistence
from session_stopper.domain.timers import extension_once
from session_stopper.entrypoints.dependencies import (
    alarm_gateway,
    authority,
    expiry,
    extensions,
    extensions_once,
    function_invoker,
    project_budgets,
    session_timers,
    session_viewer,
    stop_service,
    sweeper,
)
from session_stopper.gateways.alarms import cloudwatch_client
from session_stopper.gateways.devicefarm import devicefarm_client
from session_stopper.gateways.invoker import lambda_client
from session_stopper.gateways.organization import organization_accounts
from session_stopper.gateways.outcomes import sns_client, sqs_client
from session_stopper.gateways.pacing import devicefarm_pacer
from session_stopper.gateways.retries import api_retry_allowance
from session_stopper.gateways.scheduler import scheduler_client
from session_stopper.gateways.spoke_access import spoke_access, sts_client
from session_stopper.gateways.sweep_lock import dynamodb_client

_CACHED = (
    settings,
    devicefarm_client,
    devicefarm_pacer,
    api_retry_allowance,
    sns_client,
    sqs_client,
    dynamodb_client,
    cloudwatch_client,
    _persistence,
    _idempotency_config,
    extension_once._persistence,
    extension_once._config,
    authority,
    stop_service,
    sweeper,
    alarm_gateway,
    session_timers,
    project_budgets,
    expiry,
    extensions,
    extensions_once,
    session_viewer,
    scheduler_client,
    function_invoker,
    lambda_client,
    sts_client,
    spoke_access,
    organization_accounts,
)


def reset_function_caches() -> None:
    for cached in _CACHED:
        cached.cache_clear()
