"""Lambda entry point: observability around one routing decision, nothing else."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from session_stopper import priming
from session_stopper.domain.service import register_lambda_context
from session_stopper.entrypoints.router import route
from session_stopper.observability import logger, metrics, traced_handler


@logger.inject_lambda_context(clear_state=True)
@traced_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: Any, context: LambdaContext) -> dict[str, Any]:
    register_lambda_context(context)
    return route(event)(event, context)


# With SnapStart, init also primes what a first invocation would pay, before the snapshot;
# otherwise nothing (session_stopper/priming.py).
priming.install()
