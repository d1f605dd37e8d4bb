"""Lambda gateway: the one place that invokes a function, here only the function itself.

A sweep whose work outlasts its invocation continues in a new one (domain/sweeps/chain.py) with an
asynchronous invoke (InvocationType Event): Lambda queues the event and answers 202 at once, so
the sweep finishes its own summary without waiting for the next link. The target is the `live`
alias with SnapStart (CONTINUATION_TARGET_ARN, set by the stack), which is the only thing the
function's role may invoke; a failure becomes InvokeError, never a botocore exception.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.gateways.budgets import budgets_for
from session_stopper.observability import traced

CONNECTION_ERROR = "CONNECTION_ERROR"
_QUEUED = 202  # what Lambda answers an Event invoke it accepted


class InvokeError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"Invoke: {code}: {message}")
        self.code = code
        self.message = message


@functools.cache
def lambda_client(interactive: bool = False) -> Any:  # no boto3 stubs for Lambda are pinned
    budget = budgets_for(interactive).invoke
    return budget.guarded(boto3.client("lambda", config=budget.config()))


class FunctionInvoker:
    def __init__(self, client: Any = None, *, interactive: bool = False) -> None:
        self._client = client or lambda_client(interactive)

    @traced
    def invoke_async(self, function_arn: str, event: dict[str, Any]) -> None:
        """Queue `event` for `function_arn` (Lambda runs it soon, in another invocation)."""
        try:
            response = self._client.invoke(
                FunctionName=function_arn,
                InvocationType="Event",
                Payload=json.dumps(event, separators=(",", ":")).encode(),
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code") or "Unknown"
            raise InvokeError(code, details.get("Message") or str(error)) from error
        except BotoCoreError as error:
            raise InvokeError(CONNECTION_ERROR, str(error)) from error
        status = response.get("StatusCode")
        if status != _QUEUED:
            raise InvokeError("UNEXPECTED_STATUS", f"Lambda answered {status}, not {_QUEUED}")
