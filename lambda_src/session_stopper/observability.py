"""The process-wide Powertools Logger, Tracer and Metrics.

Service and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE, with the
project's defaults, so the stack's alarms and dashboard find the metrics without extra settings.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger, Metrics, Tracer

SERVICE = os.environ.get("POWERTOOLS_SERVICE_NAME") or "session-stopper"
NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or "DeviceFarmSessionStopper"

logger = Logger(service=SERVICE)
tracer = Tracer(service=SERVICE)
metrics = Metrics(service=SERVICE, namespace=NAMESPACE)
