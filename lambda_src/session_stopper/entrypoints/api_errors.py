"""The HTTP API's refusals and failures, as answers: what a route raises (RefusedError) and the
resolver's exception handlers, which `register` installs on the API's resolver.

A request refused before it reached Device Farm gets an ErrorBody and nothing is published; an
outcome that could not be published is parked in the dead-letter queue and still answered.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
)

from session_stopper.domain.authority import OUT_OF_SCOPE
from session_stopper.domain.service import OutcomeNotPublishedError
from session_stopper.entrypoints.api_responses import (
    current_request_id,
    error_response,
    outcome_response,
)
from session_stopper.entrypoints.dependencies import stop_service
from session_stopper.gateways.outcomes import ParkError
from session_stopper.gateways.sweep_lock import SweepLockError
from session_stopper.models.rejection import Rejection, RejectionDetail, rejection_of
from session_stopper.observability import logger


class RefusedError(Exception):
    """A route refuses the request; raised so the route's declared answer stays the success."""

    def __init__(
        self,
        rejection: Rejection,
        status: HTTPStatus | None = None,
        *,
        request_id: str | None = None,
    ) -> None:
        super().__init__(rejection.message)
        forbidden = rejection.code == OUT_OF_SCOPE
        self.rejection = rejection
        self.status = status or (HTTPStatus.FORBIDDEN if forbidden else HTTPStatus.BAD_REQUEST)
        # The request the refusal was first given to, when it is answered again (a retry).
        self.request_id = request_id


def register(app: APIGatewayRestResolver) -> None:
    """Answer, on `app`, every exception its routes let through and every unknown route."""

    def _error_response(status: HTTPStatus, rejection: Rejection) -> Response[Any]:
        return error_response(status, rejection, current_request_id(app))

    @app.exception_handler(RequestValidationError)
    def _invalid_request(error: RequestValidationError) -> Response[Any]:
        return _error_response(HTTPStatus.BAD_REQUEST, rejection_of(error.errors()))

    @app.exception_handler(RefusedError)
    def _refused(error: RefusedError) -> Response[Any]:
        request_id = error.request_id or current_request_id(app)
        return error_response(error.status, error.rejection, request_id)

    @app.exception_handler(IdempotencyAlreadyInProgressError)
    def _in_progress(_error: IdempotencyAlreadyInProgressError) -> Response[Any]:
        rejection = Rejection(code="STOP_IN_PROGRESS", message="this session is being stopped now")
        return _error_response(HTTPStatus.CONFLICT, rejection)

    @app.exception_handler(OutcomeNotPublishedError)
    def _not_published(error: OutcomeNotPublishedError) -> Response[Any]:
        # Never only a log line: the outcome goes to the dead-letter queue and to the caller.
        try:
            stop_service(interactive=True).park(error)
        except ParkError:
            logger.exception(
                "outcome neither published nor parked", extra={"outcome": error.message}
            )
        return outcome_response(error.message, HTTPStatus.SERVICE_UNAVAILABLE)

    @app.exception_handler(IdempotencyPersistenceLayerError)
    @app.exception_handler(IdempotencyInconsistentStateError)
    @app.exception_handler(SweepLockError)
    def _store_unavailable(_error: Exception) -> Response[Any]:
        logger.exception("idempotency store unavailable")
        rejection = Rejection(
            code="IDEMPOTENCY_STORE_UNAVAILABLE",
            message="cannot guarantee a single stop right now; nothing was stopped, retry shortly",
        )
        return _error_response(HTTPStatus.SERVICE_UNAVAILABLE, rejection)

    @app.not_found
    def _no_route(_error: Exception) -> Response[Any]:
        path = app.current_event.path
        detail = RejectionDetail(field="path", code="NO_ROUTE", message=f"no route {path}")
        rejection = Rejection(code="NO_ROUTE", message=f"no route for {path}", details=[detail])
        return _error_response(HTTPStatus.NOT_FOUND, rejection)
