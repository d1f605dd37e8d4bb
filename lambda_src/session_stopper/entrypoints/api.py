"""The HTTP API (API Gateway REST, AWS_IAM auth): POST /sessions/stop, POST /sessions/extend,
POST /sweeps and GET /sessions.

Every answer that reached Device Farm carries the outcome message as its body, with a status
that says what happened; a request refused before that carries `{"error": {...}}` instead and is
not published (the caller has the answer, and bad requests must not flood the topic). Every AWS
call on this path uses the API's short budget, so the answer comes within API Gateway's 29 s.
"""

from __future__ import annotations

import dataclasses
import time
from http import HTTPStatus
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.parser import parse
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel
from pydantic import ValidationError

from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.timers.extension import ExtensionRefusedError
from session_stopper.entrypoints import api_errors, api_idempotency
from session_stopper.entrypoints.api_docs import (
    EXTEND_DESCRIPTION,
    EXTEND_RESPONSES,
    SESSIONS_RESPONSES,
    STOP_RESPONSES,
    SWEEP_RESPONSES,
)
from session_stopper.entrypoints.api_errors import RefusedError
from session_stopper.entrypoints.api_idempotency import CALLER_UNKNOWN_REJECTION
from session_stopper.entrypoints.api_responses import (
    current_request_id,
    error_answer,
    listing_status,
    outcome_response,
)
from session_stopper.entrypoints.dependencies import (
    authority,
    extensions,
    extensions_once,
    session_viewer,
    stop_service,
)
from session_stopper.entrypoints.http_body import Refusal, canonical_request
from session_stopper.entrypoints.sweeps import run_sweep
from session_stopper.entrypoints.timers import TIMERS_OFF_REJECTION
from session_stopper.gateways.budgets import (
    API_GATEWAY_TIMEOUT_SECONDS,
    API_MARGIN_SECONDS,
    EXTEND_RETRY_SECONDS,
    INTERACTIVE,
    STOP_RETRY_SECONDS,
    stop_seconds,
    sweep_closing_calls,
    total_seconds,
)
from session_stopper.gateways.retries import api_retry_allowance
from session_stopper.models.outcome import OutcomeMessage, TriggerKind
from session_stopper.models.rejection import INVALID_REQUEST, Rejection, rejection_of
from session_stopper.models.requests import StopCommand
from session_stopper.models.sweep import SweepCommand, SweepSummary
from session_stopper.models.timer import ExtendCommand, ExtendedMessage
from session_stopper.models.view import SessionsView
from session_stopper.observability import logger

# A sweep stops starting work when only this is left of the 29 s: the stops in flight (each at
# most one stop's worst case), then the summary and the lock, fit in it.
API_SWEEP_RESERVE_SECONDS = stop_seconds(INTERACTIVE) + total_seconds(
    sweep_closing_calls(INTERACTIVE)
)
# The sessions view lists projects while more than API_SWEEP_RESERVE_SECONDS is left; it then
# reads its sessions' extensions, one BatchGetItem per 100 sessions, each call started only while
# its worst case (one attempt: the view has no retry allowance) and the margin are left.
API_LEDGER_READ_RESERVE_SECONDS = INTERACTIVE.dynamodb.worst_case_seconds() + API_MARGIN_SECONDS


class ApiRequestEvent(APIGatewayProxyEventModel):
    """What API Gateway sends; a request without headers may carry null for them."""

    headers: dict[str, str] | None = None  # type: ignore[assignment]
    multiValueHeaders: dict[str, list[str]] | None = None  # type: ignore[assignment]


app = APIGatewayRestResolver(enable_validation=True)
api_errors.register(app)


def _origin() -> Origin:
    return Origin.of(TriggerKind.API, current_request_id(app))


@app.post(
    "/sessions/stop",
    summary="Stop a Device Farm remote access session of the caller's own account",
    description="Reads the session, stops it if it is still active, publishes the outcome. "
    "The session must be in the caller's own AWS account.",
    responses=STOP_RESPONSES,
)
def stop(command: Annotated[StopCommand, Body(embed=False)]) -> Response[OutcomeMessage]:
    api_retry_allowance().grant(STOP_RETRY_SECONDS)
    _refuse(authority(interactive=True).caller_refusal(_caller_account(), command.arn))
    return _stop(command)


@app.post(
    "/operator/sessions/stop",
    summary="Stop a Device Farm remote access session in any account in scope (operators)",
    description="As POST /sessions/stop, for a session of any account this deployment acts in; "
    "only the operator policy grants it.",
    responses=STOP_RESPONSES,
)
def operator_stop(command: Annotated[StopCommand, Body(embed=False)]) -> Response[OutcomeMessage]:
    api_retry_allowance().grant(STOP_RETRY_SECONDS)
    _refuse(authority(interactive=True).session_refusal(command.arn))
    return _stop(command)


def _stop(command: StopCommand) -> Response[OutcomeMessage]:
    """The request's allowance is granted: an organization read may have drawn on it."""
    return outcome_response(stop_service(interactive=True).stop(command.arn, _origin()))


def _caller_account() -> str | None:
    """The signed caller's account (API Gateway's AWS_IAM authorization sets it)."""
    account: str | None = app.current_event.request_context.identity.account_id
    return account


def _refuse(refusal: Rejection | None) -> None:
    if refusal:
        raise RefusedError(refusal)


@app.post(
    "/sessions/extend",
    summary="Move the expiry deadline of a session of the caller's own account later",
    description=EXTEND_DESCRIPTION + " The session must be in the caller's own AWS account.",
    responses=EXTEND_RESPONSES,
)
def extend(command: Annotated[ExtendCommand, Body(embed=False)]) -> Response[ExtendedMessage]:
    api_retry_allowance().grant(EXTEND_RETRY_SECONDS)
    _refuse(authority(interactive=True).caller_refusal(_caller_account(), command.arn))
    return _extend(command)


@app.post(
    "/operator/sessions/extend",
    summary="Move a session's expiry deadline later, in any account in scope (operators)",
    description=EXTEND_DESCRIPTION + " Only the operator policy grants it.",
    responses=EXTEND_RESPONSES,
)
def operator_extend(
    command: Annotated[ExtendCommand, Body(embed=False)],
) -> Response[ExtendedMessage]:
    api_retry_allowance().grant(EXTEND_RETRY_SECONDS)
    _refuse(authority(interactive=True).session_refusal(command.arn))
    return _extend(command)


def _extend(command: ExtendCommand) -> Response[ExtendedMessage]:
    """The request's allowance is granted: an organization read may have drawn on it."""
    moves = extensions(interactive=True)
    if moves is None:
        raise RefusedError(TIMERS_OFF_REJECTION, HTTPStatus.CONFLICT)
    try:
        if command.client_token is not None:
            return _extend_once(command, command.client_token)
        message = moves.extend(command, _origin())
    except ExtensionRefusedError as error:
        raise RefusedError(error.rejection, error.status) from error
    return _extended(message)


def _extended(message: ExtendedMessage) -> Response[ExtendedMessage]:
    return Response(
        status_code=HTTPStatus.OK, content_type=content_types.APPLICATION_JSON, body=message
    )


def _extend_once(command: ExtendCommand, client_token: str) -> Response[ExtendedMessage]:
    """The first answer this caller got for this token (api_idempotency.py says how a token
    reused for another request, or one still being answered, is refused)."""
    caller = app.current_event.request_context.identity.user_arn
    if not caller:
        raise RefusedError(CALLER_UNKNOWN_REJECTION)
    once = extensions_once(interactive=True)
    if once is None:
        raise RefusedError(TIMERS_OFF_REJECTION, HTTPStatus.CONFLICT)
    with api_idempotency.refusals():
        answer = once.extend(caller, client_token, command, _origin(), app.lambda_context)
    if answer.extended is not None:
        return _extended(answer.extended)
    rejection = answer.rejection or Rejection(code="UNKNOWN", message="no answer was kept")
    raise RefusedError(rejection, HTTPStatus(answer.status), request_id=answer.request_id)


@app.post(
    "/sweeps",
    summary="Sweep: stop active sessions older than a maximum age",
    description="Every key is optional; defaults come from the function's configuration. "
    "Runs within the API's time budget; what it could not do in time (or without waiting for "
    "Device Farm's rate limit) continues at once in a new invocation of the function.",
    responses=SWEEP_RESPONSES,
)
def sweep(command: Annotated[SweepCommand, Body(embed=False)]) -> Response[SweepSummary]:
    policy = authority(interactive=True).sweep_policy(command)
    if isinstance(policy, Rejection):
        raise RefusedError(policy)
    summary = run_sweep(policy, _origin(), _api_deadline(), app.lambda_context, interactive=True)
    running = summary.yielded_to
    if running:
        rejection = Rejection(
            code="SWEEP_IN_PROGRESS",
            message=f"sweep {running.sweep_id} ({running.trigger_kind}, started "
            f"{running.started_at}) is running; this one did nothing, retry after it ends",
        )
        raise RefusedError(rejection, HTTPStatus.CONFLICT)
    status = listing_status(summary.listing_failures, summary.inventory.projects_listed)
    continued = summary.continuation is not None and summary.continuation.next_link is not None
    if continued and status is HTTPStatus.OK:
        status = HTTPStatus.ACCEPTED
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=summary)


@app.get(
    "/sessions",
    summary="The active sessions in scope, and what the scheduled sweep would do to each",
    description="Read-only: age, cost so far, budget, deadline (the timer's, when armed, or the "
    "latest extension's), the pending warning's time, how far extensions moved the deadline, "
    "and whether a sweep would stop each one now (reason says why not). Extensions that could "
    "not be read are null, extensionsUnread says why, and the status stays 200: the listing "
    "is complete.",
    responses=SESSIONS_RESPONSES,
)
def sessions() -> Response[SessionsView]:
    deadline = _api_deadline()
    ledger_deadline = dataclasses.replace(deadline, reserve_seconds=API_LEDGER_READ_RESERVE_SECONDS)
    view = session_viewer().view(authority().projects, deadline, ledger_deadline)
    return Response(
        status_code=listing_status(view.listing_failures, view.projects_listed),
        content_type=content_types.APPLICATION_JSON,
        body=view,
    )


def _api_deadline() -> Deadline:
    """API Gateway gives up after 29 s, whatever the function's own timeout."""
    started = time.monotonic()
    context = app.lambda_context

    def remaining() -> float:
        api_left = API_GATEWAY_TIMEOUT_SECONDS - (time.monotonic() - started)
        return min(api_left, context.get_remaining_time_in_millis() / 1000)

    return Deadline(remaining, API_SWEEP_RESERVE_SECONDS)


def handle(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = _api_request(event)
    if isinstance(request, Rejection):
        # Shaped like an API request but not one API Gateway sends (a direct invoke, say):
        # answered in the API's terms all the same, and published nowhere.
        request_id = _claimed_request_id(event, context)
        logger.set_correlation_id(request_id)
        return error_answer(request_id, Refusal(HTTPStatus.BAD_REQUEST, request))
    request_id = request.requestContext.requestId
    logger.set_correlation_id(request_id)
    canonical = canonical_request(event)
    if isinstance(canonical, Refusal):
        return error_answer(request_id, canonical)
    # No retries but those a route grants (stop, extend): the others' arithmetic has none.
    api_retry_allowance().grant(0.0)
    return app.resolve(canonical, context)


def _api_request(event: dict[str, Any]) -> ApiRequestEvent | Rejection:
    """The event as API Gateway sends it, or why it is no such request."""
    # Powertools' request context model reads it as a dict before validating it.
    if not isinstance(event.get("requestContext"), dict):
        problem = "'requestContext' must be an object"
    else:
        try:
            return parse(event=event, model=ApiRequestEvent)
        except ValidationError as error:
            problem = rejection_of(error.errors()).message
    return Rejection(code=INVALID_REQUEST, message=f"not a request API Gateway sends: {problem}")


def _claimed_request_id(event: dict[str, Any], context: Any) -> str:
    """The request id an API-shaped event names, else the invocation's own."""
    request_context = event.get("requestContext")
    claimed = request_context.get("requestId") if isinstance(request_context, dict) else None
    return claimed if isinstance(claimed, str) and claimed else str(context.aws_request_id)
