"""The process-wide Powertools Logger and Metrics, and X-Ray SDK tracing when it is switched on.

Service and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, with the
project's defaults, so the stack's alarms and dashboard find the metrics without extra settings.

Tracing: Lambda's active tracing (the stack's setting) records every invocation and its init
without any SDK. The X-Ray SDK's subsegments (one per AWS call) are opt-in, and off by default,
because Powertools' Tracer imports the SDK even when disabled, and the SDK builds two botocore
sessions and X-Ray clients at import: about a third of a cold start and 10 MiB
(docs/performance.md). The X-Ray SDKs have been in maintenance mode since 2026-02-25. So the
Tracer is built only when POWERTOOLS_TRACE_DISABLED is "false" in a Lambda environment (the
stack's `sdkTracing` context switch); otherwise the decorators below return the function as is
and the SDK is never imported.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger, Metrics

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "session-stopper"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "DeviceFarmSessionStopper"

logger = Logger(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)

Function = TypeVar("Function", bound=Callable[..., Any])


def sdk_tracing_enabled() -> bool:
    """Only an explicit "false" turns the SDK on, and only where a Lambda runtime runs us."""
    disabled = os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").strip().lower()
    return disabled == "false" and bool(os.environ.get("LAMBDA_TASK_ROOT"))


@functools.cache
def tracer() -> Tracer:
    from aws_lambda_powertools import Tracer  # noqa: PLC0415 - imports the X-Ray SDK

    return Tracer(service=SERVICE)


def traced(method: Function) -> Function:
    """A gateway method as an X-Ray subsegment when SDK tracing is on; else unchanged."""
    if not sdk_tracing_enabled():
        return method
    return tracer().capture_method(capture_response=False)(method)


def traced_handler(handler: Function) -> Function:
    """The Lambda handler as the X-Ray segment's root when SDK tracing is on; else unchanged."""
    if not sdk_tracing_enabled():
        return handler
    wrapped: Function = tracer().capture_lambda_handler(capture_response=False)(handler)
    return wrapped
