"""How `POST /sessions/extend` refuses a client token it cannot honour
(domain/timers/extension_once.py).

- 422 `CLIENT_TOKEN_REUSED`: the token was used by this caller for another arn or number of
  minutes. The request is well formed but cannot be processed as asked: answering the first
  result would answer a question it did not ask, and extending would break the promise that a
  token extends at most once. (As in the IETF httpapi Idempotency-Key draft: 422 for a key
  reused with another payload, 409 while the first request is still being answered.)
- 409 `EXTEND_IN_PROGRESS`: the first request with this token is still being answered; retry.
- 503 `IDEMPOTENCY_STORE_UNAVAILABLE`: the table that keeps the answers cannot be asked; nothing
  changed.
- 400 `CALLER_UNKNOWN`: a token needs the caller's IAM identity, which API Gateway's AWS_IAM
  authorisation always provides; without it, one caller could be answered another's result.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from http import HTTPStatus

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)

from session_stopper.entrypoints.api_errors import RefusedError
from session_stopper.models.rejection import Rejection
from session_stopper.observability import logger

CALLER_UNKNOWN_REJECTION = Rejection(
    code="CALLER_UNKNOWN",
    message="a clientToken needs a signed (AWS_IAM) request: the caller's identity keys it",
)
_REUSED = Rejection(
    code="CLIENT_TOKEN_REUSED",
    message="this clientToken was used for another arn or minutes: send a new token",
)
_IN_PROGRESS = Rejection(
    code="EXTEND_IN_PROGRESS",
    message="the first request with this clientToken is still being answered; retry shortly",
)
_STORE_UNAVAILABLE = Rejection(
    code="IDEMPOTENCY_STORE_UNAVAILABLE",
    message="cannot guarantee a single extension right now; nothing changed, retry shortly",
)


@contextmanager
def refusals() -> Iterator[None]:
    """Powertools' idempotency errors, as the answers above."""
    try:
        yield
    except IdempotencyValidationError as error:
        raise RefusedError(_REUSED, HTTPStatus.UNPROCESSABLE_ENTITY) from error
    except IdempotencyAlreadyInProgressError as error:
        raise RefusedError(_IN_PROGRESS, HTTPStatus.CONFLICT) from error
    except (IdempotencyPersistenceLayerError, IdempotencyInconsistentStateError) as error:
        logger.exception("idempotency store unavailable")
        raise RefusedError(_STORE_UNAVAILABLE, HTTPStatus.SERVICE_UNAVAILABLE) from error
