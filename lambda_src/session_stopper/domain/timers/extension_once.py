"""`POST /sessions/extend` with a `clientToken`: the first answer, again, to every retry.

A caller that lost the answer (a timeout, a dropped connection) retries with the same token and
gets what the first request got (its status and body) instead of a second extension. Powertools
idempotency keeps the answer in the function's idempotency table, keyed by the caller's identity
and the token, so one caller can never be answered another's; the arn and minutes are the
payload Powertools validates, so a token reused for a different request is refused
(IdempotencyValidationError) rather than answered with something it did not ask for.

What is remembered: a granted extension (200) and a refusal in the caller's terms (4xx). What is
not: a refusal for want of Device Farm or Scheduler (5xx), a throttle (429) or a timer that
changed while it was read (409 TIMER_CHANGED), after each of which the retry really tries.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from http import HTTPStatus

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.serialization.pydantic import PydanticSerializer
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from session_stopper.config import SESSION_LIMIT_MINUTES, settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.timers.extension import TIMER_CHANGED, ExtensionRefusedError, Extensions
from session_stopper.gateways.sweep_lock import dynamodb_client
from session_stopper.models.rejection import Rejection
from session_stopper.models.timer import ExtendCommand, ExtendedMessage

# No session outlives Device Farm's limit, so neither need a token's answer.
TOKEN_LIFETIME_SECONDS = SESSION_LIMIT_MINUTES * 60
KEY_PREFIX = "session-stopper#extend"


class ExtendRequest(BaseModel):
    """The idempotency payload: `caller` and `client_token` form the key, `arn` and `minutes`
    must match the first request's (see the config below)."""

    model_config = ConfigDict(frozen=True)

    caller: str
    client_token: str
    arn: str
    minutes: int
    origin: Origin


class ExtendAnswer(BaseModel):
    """What the first request was answered: the `extended` message, or a refusal with the id of
    the request it was given to."""

    status: int
    request_id: str
    extended: ExtendedMessage | None = None
    rejection: Rejection | None = None


@functools.cache
def _config() -> IdempotencyConfig:
    return IdempotencyConfig(
        event_key_jmespath="[caller, client_token]",
        payload_validation_jmespath="[arn, minutes]",
        raise_on_no_idempotency_key=True,
        expires_after_seconds=TOKEN_LIFETIME_SECONDS,
    )


@functools.cache
def _persistence(interactive: bool) -> DynamoDBPersistenceLayer:
    # A layer of its own: Powertools configures a layer once, for the first function using it
    # (StopService's is keyed by session ARN only).
    return DynamoDBPersistenceLayer(
        table_name=settings().idempotency_table_name,
        boto3_client=dynamodb_client(interactive),
    )


class ExtensionsOnce:
    def __init__(self, extensions: Extensions, *, interactive: bool = False) -> None:
        self._extensions = extensions
        self._extend_once: Callable[..., ExtendAnswer] = idempotent_function(
            data_keyword_argument="request",
            persistence_store=_persistence(interactive),
            config=_config(),
            output_serializer=PydanticSerializer(model=ExtendAnswer),
            key_prefix=KEY_PREFIX,
        )(self._extend)

    def extend(
        self,
        caller: str,
        client_token: str,
        command: ExtendCommand,
        origin: Origin,
        context: LambdaContext,
    ) -> ExtendAnswer:
        """The first answer to this caller's token. Raises ExtensionRefusedError (5xx: nothing
        remembered), and Powertools' errors: IdempotencyValidationError for a token reused with
        another arn or minutes, IdempotencyAlreadyInProgressError while the first runs,
        IdempotencyPersistenceLayerError when the table cannot be asked."""
        # Lets Powertools expire the in-progress record when this invocation would time out.
        _config().register_lambda_context(context)
        request = ExtendRequest(
            caller=caller,
            client_token=client_token,
            arn=command.arn,
            minutes=command.minutes,
            origin=origin,
        )
        return self._extend_once(request=request)

    def _extend(self, request: ExtendRequest) -> ExtendAnswer:
        command = ExtendCommand(arn=request.arn, minutes=request.minutes)
        request_id = request.origin.correlation_id
        try:
            message = self._extensions.extend(command, request.origin)
        except ExtensionRefusedError as refusal:
            if _passing(refusal):
                raise  # Powertools forgets the attempt: the retry tries again
            return ExtendAnswer(
                status=refusal.status, request_id=request_id, rejection=refusal.rejection
            )
        return ExtendAnswer(status=HTTPStatus.OK, request_id=request_id, extended=message)


def _passing(refusal: ExtensionRefusedError) -> bool:
    """A refusal that says nothing lasting about the request: a retry may well be granted."""
    return (
        refusal.status >= HTTPStatus.INTERNAL_SERVER_ERROR
        or refusal.status == HTTPStatus.TOO_MANY_REQUESTS
        or refusal.rejection.code == TIMER_CHANGED
    )
