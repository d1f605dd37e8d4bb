"""Caller commands that reach the function through the command queue (the command lane).

The command rule sends stop and sweep commands from the command bus to an SQS queue, whose event
source mapping invokes the function with at most its MaximumConcurrency batches at once: a flood
of caller commands waits in the queue, not in Lambda's asynchronous queue that the alarms,
timers and sweeps share (docs/deploy.md, "Lanes").

Each record's body is the EventBridge event the rule matched, handled exactly as if the rule had
invoked the function with it (entrypoints/events.py, entrypoints/sweeps.py): same outcomes, same
idempotency by session ARN. A body that is not a command is published as REJECTED and its record
succeeds, so a malformed message is never redelivered. Only an outcome that could not be
published fails its record (it is parked first), and Powertools' partial batch response returns
just that record to the queue: one bad record never redrives the good ones of its batch.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.parser.models import SqsModel, SqsRecordModel
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import TypeAdapter, ValidationError

from session_stopper.domain.outcomes import Origin
from session_stopper.entrypoints.events import direct_origin, handle_stop_event, reject
from session_stopper.entrypoints.sweeps import handle_sweep_event
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.rejection import UNRECOGNISED_EVENT, Rejection, rejection_of

SWEEP_DETAIL_TYPE = "Sweep Remote Access Sessions"
# A command is a JSON object; strict, so a number or a list is refused, not coerced.
_COMMAND = TypeAdapter(dict[str, Any])


@functools.cache
def _processor() -> BatchProcessor:
    # An outcome that cannot be published fails only its own record, even when every record of
    # the batch fails: the batch response says which, and no exception leaves the handler.
    return BatchProcessor(
        event_type=EventType.SQS, model=SqsRecordModel, raise_on_entire_batch_failure=False
    )


def handle_queued_commands(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    try:
        SqsModel.model_validate(event)
    except ValidationError:
        # Only a direct invoke can send a batch Lambda did not make: nothing to redrive.
        reject(
            direct_origin(context),
            Rejection(code=UNRECOGNISED_EVENT, message="not an SQS batch of the command queue"),
        )
        return {"batchItemFailures": []}
    response: dict[str, Any] = dict(
        process_partial_response(
            event=event,
            record_handler=functools.partial(handle_command_record, context=context),
            processor=_processor(),
            context=context,
        )
    )
    return response


def handle_command_record(record: SqsRecordModel, context: LambdaContext) -> dict[str, Any]:
    """One queued command; raises only when its outcome could not be published."""
    try:
        command = _COMMAND.validate_json(str(record.body))
    except ValidationError as error:
        return reject(_record_origin(record), rejection_of(error.errors()))
    if command.get("detail-type") == SWEEP_DETAIL_TYPE:
        return handle_sweep_event(command, context)
    # Every other body is judged as a stop command, which refuses whatever is not one.
    return handle_stop_event(command, context)


def _record_origin(record: SqsRecordModel) -> Origin:
    """A body that is not an event has no event id: the message id names it."""
    return Origin.of(TriggerKind.EVENTBRIDGE, record.messageId)
