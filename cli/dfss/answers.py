"""What each command sends, and how its answer is judged: success, the API's refusal (one line
for stderr), or something that is not the API at all."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dfss import render, render_sessions
from dfss.api import Answer
from dfss.errors import CliError, Exit

OK_OUTCOMES = frozenset({"STOPPED", "ALREADY_ENDED", "SKIPPED"})


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any
    # A field every answer of this route has: a 2xx without it did not come from the API.
    shape_key: str
    render: Callable[[Mapping[str, Any]], list[str]]
    judge: Callable[[Answer, Mapping[str, Any]], str | None]


def _route(path: str, operator: bool) -> str:
    """The operator routes reach sessions of every account in scope; the caller routes, the
    caller's own account's."""
    return f"/operator{path}" if operator else path


def stop_request(arn: str, operator: bool = False) -> Request:
    path = _route("/sessions/stop", operator)
    return Request("POST", path, {"arn": arn}, "outcome", render.stop_lines, _judge_stop)


def extend_request(arn: str, minutes: int, client_token: str, operator: bool = False) -> Request:
    """The token makes a retried extension answer the first result instead of extending twice:
    one token per command, the same on each of its attempts."""
    body = {"arn": arn, "minutes": minutes, "clientToken": client_token}
    path = _route("/sessions/extend", operator)
    return Request("POST", path, body, "deadline", render.extend_lines, _judge_extend)


def legacy_extend_request(arn: str, minutes: int, operator: bool = False) -> Request:
    """For a deployment that predates the client token (it refuses unknown fields)."""
    body = {"arn": arn, "minutes": minutes}
    path = _route("/sessions/extend", operator)
    return Request("POST", path, body, "deadline", render.extend_lines, _judge_extend)


def sweep_request(dry_run: bool, max_age: float | None, projects: Sequence[str] | None) -> Request:
    """Only what was asked: the rest is the deployment's default."""
    body: dict[str, Any] = {}
    if dry_run:
        body["dryRun"] = True
    if max_age is not None:
        body["maxAgeMinutes"] = int(max_age) if float(max_age).is_integer() else max_age
    if projects:
        body["projectArns"] = list(projects)
    return Request("POST", "/sweeps", body, "sweepId", render.sweep_lines, _judge_sweep)


def sessions_request() -> Request:
    return Request(
        "GET", "/sessions", None, "sessions", render_sessions.sessions_lines, _judge_sessions
    )


def _judge_stop(answer: Answer, body: Mapping[str, Any]) -> str | None:
    outcome = body.get("outcome")
    if not isinstance(outcome, str):
        return refusal(answer)
    if answer.status == 200 and outcome in OK_OUTCOMES:
        return None
    if answer.status == 503:
        return (
            f"HTTP 503: the outcome ({outcome}) could not be published and was parked in the "
            "outcome dead-letter queue"
        )
    error: Mapping[str, Any] = body["error"] if isinstance(body.get("error"), Mapping) else {}
    why = error.get("message") or body.get("reason") or "no reason given"
    code = f"{error['code']}, " if error.get("code") else ""
    return f"{outcome}: {why} ({code}HTTP {answer.status}){_retry_after(answer)}"


def _judge_extend(answer: Answer, body: Mapping[str, Any]) -> str | None:
    if answer.status == 200 and "deadline" in body:
        return None
    return refusal(answer)


def _judge_listing(what: str) -> Callable[[Answer, Mapping[str, Any]], str | None]:
    def judge(answer: Answer, body: Mapping[str, Any]) -> str | None:
        if answer.status == 200:
            return None
        failures = body.get("listingFailures")
        if answer.status not in (207, 429, 502) or not isinstance(failures, list):
            return refusal(answer)
        first = failures[0] if failures and isinstance(failures[0], Mapping) else {}
        cause = f"{first.get('code', '?')}: {first.get('message', '')}".rstrip(": ")
        others = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        if answer.status == 207:
            scope = f"some projects could not be listed, the others were {what}"
        elif answer.status == 429:
            scope = "Device Farm throttled every listing: nothing was seen"
        else:
            scope = "nothing could be listed"
        return f"HTTP {answer.status}: {scope}; {cause}{others}{_retry_after(answer)}"

    return judge


_judge_sweep = _judge_listing("swept")
_judge_sessions = _judge_listing("listed")


def _retry_after(answer: Answer) -> str:
    seconds = answer.headers.get("retry-after")
    return f"; retry after {seconds} s" if seconds else ""


def refusal(answer: Answer) -> str:
    """One line for an answer that is not the route's success: ours, or API Gateway's own."""
    return _refusal(answer) or f"HTTP {answer.status}: {excerpt(answer.text)}"


def _refusal(answer: Answer) -> str | None:
    """None when the body is in neither shape: then it did not come from the API."""
    body = answer.body if isinstance(answer.body, Mapping) else {}
    route = f"{answer.method} {_path_of(answer.url)}"
    error = body.get("error")
    if isinstance(error, Mapping) and error.get("code"):
        code = str(error["code"])
        message = str(error.get("message") or "")
        line = f"HTTP {answer.status} {code}: {message}".rstrip(": ")
        details = [
            f"{detail.get('field', '?')}: {detail.get('message', detail.get('code', ''))}"
            for detail in error.get("details") or []
            if isinstance(detail, Mapping) and str(detail.get("message")) not in message
        ]
        if details:
            line += f" ({'; '.join(details[:3])})"
        if code in ("NO_ROUTE", "MISSING_AUTHENTICATION_TOKEN"):
            line += f"; {_no_route(route)}"
        if body.get("requestId"):
            line += f" [request {body['requestId']}]"
        return line + _retry_after(answer)
    message = body.get("message", body.get("Message"))
    if isinstance(message, str):
        line = f"HTTP {answer.status} from API Gateway: {message}"
        if message == "Missing Authentication Token":
            line += f"; {_no_route(route)}"
        return line + _retry_after(answer)
    return None


def _path_of(url: str) -> str:
    return urlsplit(url).path


def _no_route(route: str) -> str:
    if route.startswith("GET ") and route.endswith("/sessions"):
        return (
            f"{route} is not a route of this API: this deployment predates `dfss sessions` "
            "(deploy a newer stack)"
        )
    return f"{route} is not a route of this API (is the URL the stage's base URL?)"


def mapping_body(answer: Answer, request: Request) -> Mapping[str, Any]:
    """The answer's body when it has the route's shape; refuses an answer that is neither the
    route's nor a refusal the API or API Gateway would give (exit 3: check the endpoint)."""
    body = answer.body if isinstance(answer.body, Mapping) else None
    if body is not None and request.shape_key in body:
        return body
    if 200 <= answer.status < 300 or _refusal(answer) is None:
        raise CliError(
            Exit.UNREACHABLE,
            f"{answer.url} answered HTTP {answer.status}, but not as the Session Stopper's API "
            f"does ({excerpt(answer.text)}): check --endpoint or the stack",
        )
    return {}


def problem_of(answer: Answer, request: Request, body: Mapping[str, Any]) -> str | None:
    """None when the command did what was asked; else the one line that says why not."""
    return request.judge(answer, body) if body else refusal(answer)


def excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "no body"
    return flat if len(flat) <= 80 else flat[:77] + "..."
