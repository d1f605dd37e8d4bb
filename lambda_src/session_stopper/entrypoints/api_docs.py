"""What each API route answers, for the OpenAPI document (docs/openapi.json): the statuses and
their bodies, kept apart from the routes' code."""

from __future__ import annotations

from typing import Any

from session_stopper.entrypoints.api_responses import error_doc, model_doc, outcome_doc
from session_stopper.models.sweep import SweepSummary
from session_stopper.models.timer import ExtendedMessage
from session_stopper.models.view import SessionsView

STOP_RESPONSES: dict[int, Any] = {
    200: outcome_doc("STOPPED, ALREADY_ENDED or SKIPPED"),
    400: error_doc("the request is malformed, or Device Farm rejected the ARN"),
    403: error_doc(
        "OUT_OF_SCOPE: not a session this caller may stop (another account's, on the caller "
        "route) or this deployment acts on; or FAILED: Device Farm refused the account "
        "(ServiceAccountException, an outcome body)"
    ),
    404: outcome_doc("NOT_FOUND: Device Farm knows no such session"),
    409: error_doc("the same session is being stopped right now"),
    415: error_doc("the body is not application/json"),
    429: outcome_doc("FAILED: Device Farm still throttled after retries (see Retry-After)"),
    502: outcome_doc(
        "FAILED: Device Farm failed or answered in an unknown shape, or the member account "
        "could not be reached (ACCOUNT_NOT_REACHED)"
    ),
    503: outcome_doc("the outcome could not be published; it was parked in the DLQ"),
}

EXTEND_RESPONSES: dict[int, Any] = {
    200: model_doc("the new deadline (the `extended` message that was published)", ExtendedMessage),
    400: error_doc("the request is malformed; CALLER_UNKNOWN: a clientToken without an IAM caller"),
    403: error_doc(
        "OUT_OF_SCOPE: not a session this caller may extend (another account's, on the caller "
        "route) or this deployment acts on"
    ),
    404: error_doc("NOT_FOUND: Device Farm knows no such session"),
    409: error_doc(
        "SESSION_ENDED, EXEMPT (its project has no deadline), TIMERS_OFF (this deployment "
        "has no expiry timers), EXTEND_IN_PROGRESS (the first request with this "
        "clientToken is still being answered) or TIMER_CHANGED (the timer fired or was "
        "armed meanwhile; nothing changed: send a new request)"
    ),
    415: error_doc("the body is not application/json"),
    422: error_doc(
        "EXTENSION_LIMIT: past the latest deadline allowed (message says it); "
        "CLIENT_TOKEN_REUSED: this caller used the clientToken for another arn or minutes"
    ),
    502: error_doc("DEVICE_FARM_ERROR: Device Farm failed; nothing changed"),
    503: error_doc(
        "SCHEDULER_UNAVAILABLE: the timer could not be moved, or "
        "IDEMPOTENCY_STORE_UNAVAILABLE: the clientToken could not be checked; nothing changed"
    ),
}

EXTEND_DESCRIPTION = (
    "Moves the deadline (and its warning) by `minutes`, within Device Farm's 150-minute limit "
    "and the operator's maximum extension; publishes an `extended` message. With a "
    "`clientToken`, a retry from the same caller gets the first answer again (its status and "
    "body, 5xx excepted) instead of a second extension."
)

SWEEP_RESPONSES: dict[int, Any] = {
    200: model_doc("the sweep summary (outcomes are published one by one)", SweepSummary),
    202: model_doc(
        "the summary of what this request did; the rest continues in a new "
        "invocation (continuation.nextLink), whose summaries are published, the last one "
        "with the chain's totals (continuation.end)",
        SweepSummary,
    ),
    207: model_doc(
        "the summary of a sweep that could not list some projects "
        "(listingFailures says which and why); the others were swept",
        SweepSummary,
    ),
    429: model_doc("Device Farm throttled every listing: nothing was seen (summary)", SweepSummary),
    502: model_doc("nothing could be listed (listingFailures says why): the summary", SweepSummary),
    400: error_doc("the request is malformed, or below the deployment's minimum age"),
    403: error_doc("OUT_OF_SCOPE: a project this deployment does not act on"),
    409: error_doc("SWEEP_IN_PROGRESS: another sweep is running; this one did nothing"),
    415: error_doc("the body is not application/json"),
}
SESSIONS_RESPONSES: dict[int, Any] = {
    200: model_doc("every active session in scope", SessionsView),
    207: model_doc("some projects could not be listed (listingFailures says why)", SessionsView),
    429: model_doc("Device Farm throttled every listing", SessionsView),
    502: model_doc("nothing could be listed (listingFailures says why)", SessionsView),
}
