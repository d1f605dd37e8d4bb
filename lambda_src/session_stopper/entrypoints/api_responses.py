"""What the HTTP API answers: the status for each outcome, the bodies, and their OpenAPI docs.

An answer that reached Device Farm carries the outcome message (or summary, or view) with a
status that says what happened; a refusal carries an ErrorBody. The routes are in api.py.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from pydantic import BaseModel

from session_stopper.entrypoints.http_body import Refusal
from session_stopper.models.outcome import Outcome, OutcomeMessage
from session_stopper.models.rejection import Rejection
from session_stopper.models.sweep import ListingFailure
from session_stopper.models.text import SafeText

RETRY_AFTER_SECONDS = "30"
_FAILED_STATUS = {
    "LimitExceededException": HTTPStatus.TOO_MANY_REQUESTS,
    "ServiceAccountException": HTTPStatus.FORBIDDEN,
}
_OUTCOME_STATUS = {
    Outcome.STOPPED: HTTPStatus.OK,
    Outcome.ALREADY_ENDED: HTTPStatus.OK,
    Outcome.SKIPPED: HTTPStatus.OK,
    Outcome.NOT_FOUND: HTTPStatus.NOT_FOUND,
    Outcome.REJECTED: HTTPStatus.BAD_REQUEST,
}


class ErrorBody(BaseModel):
    error: Rejection
    requestId: SafeText


def model_doc(description: str, model: type[BaseModel]) -> OpenAPIResponse:
    """An answer's OpenAPI description: a JSON body of `model`."""
    return {
        "description": description,
        "content": {content_types.APPLICATION_JSON: {"model": model}},
    }


def outcome_doc(description: str) -> OpenAPIResponse:
    return model_doc(description, OutcomeMessage)


def error_doc(description: str) -> OpenAPIResponse:
    return model_doc(description, ErrorBody)


def status_of(message: OutcomeMessage) -> HTTPStatus:
    if message.outcome is Outcome.FAILED:
        code = message.error.code if message.error else ""
        return _FAILED_STATUS.get(code, HTTPStatus.BAD_GATEWAY)
    return _OUTCOME_STATUS[message.outcome]


def listing_status(failures: list[ListingFailure], projects_listed: int) -> HTTPStatus:
    """200 only when every listing worked: a sweep (or view) that saw nothing because Device Farm
    refused is not one that found nothing."""
    if not failures:
        return HTTPStatus.OK
    if projects_listed:
        return HTTPStatus.MULTI_STATUS
    if all(failure.code == "LimitExceededException" for failure in failures):
        return HTTPStatus.TOO_MANY_REQUESTS
    return HTTPStatus.BAD_GATEWAY


def current_request_id(app: APIGatewayRestResolver) -> str:
    """API Gateway's id for the request the resolver is answering."""
    return str(app.current_event.request_context.request_id)


def outcome_response(message: OutcomeMessage, status: HTTPStatus | None = None) -> Response[Any]:
    status = status or status_of(message)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=message,
        headers=_retry_after(status),
    )


def _retry_after(status: HTTPStatus) -> dict[str, str]:
    return {"Retry-After": RETRY_AFTER_SECONDS} if status is HTTPStatus.TOO_MANY_REQUESTS else {}


def error_response(status: HTTPStatus, rejection: Rejection, request_id: str) -> Response[Any]:
    body = ErrorBody(error=rejection, requestId=request_id)
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=body.model_dump_json(),
        headers=_retry_after(status),
    )


def error_answer(request_id: str, refusal: Refusal) -> dict[str, Any]:
    """An API Gateway proxy answer, for a request refused before the resolver saw it."""
    return {
        "statusCode": refusal.status,
        "headers": {"Content-Type": content_types.APPLICATION_JSON},
        "body": ErrorBody(error=refusal.rejection, requestId=request_id).model_dump_json(),
        "isBase64Encoded": False,
    }
