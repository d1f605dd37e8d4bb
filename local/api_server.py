"""The function's HTTP API on loopback: each request becomes an API Gateway REST proxy event.

What `sam local start-api` does, without Docker: the routes are the stack's (POST /sessions/stop,
POST /sessions/extend, POST /sweeps, the operator's POST /operator/sessions/stop and extend,
GET /sessions), anything else gets API Gateway's own 403. Signatures are not checked (AWS_IAM
auth is API Gateway's job), nor are bodies checked against the gateway's request models.

The caller's identity (requestContext.identity) follows the access key of the request's SigV4
Authorization header: a key the credentials registry knows as another account's principal (a
member-account caller) is that principal; the base keys, unsigned requests and keys nobody
registered are the hub account's local developer, as every caller was before member accounts.

Other triggers go through the Lambda Invoke API's path (so `aws lambda invoke --endpoint-url`
works) or its short alias POST /_local/invoke: the body is the raw event. An Event invoke (header
X-Amz-Invocation-Type: Event, as a sweep's continuation sends) is answered 202 at once and run on
a thread, in the next free execution environment, as Lambda queues it.

POST /_local/commands plays the command rule: the body, an EventBridge command event, is queued
for the command lane (local/command_lane.py) and answered 202 with its message id.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import traceback
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any

from local.apigw_events import (
    LOCAL_DEVELOPER,
    ApiCaller,
    Headers,
    HttpRequest,
    api_gateway_event,
    proxy_response,
)
from local.background_http import BackgroundHTTPServer, OwnedHTTPServer
from local.devicefarm_emulator.accounts import CredentialsRegistry, Principal, signing_key_id
from local.lambda_runtime import LambdaInvoker

# The stack's routes (infra/constructs/api.py); extend exists with timers, always on locally.
ROUTES = frozenset(
    {
        ("POST", "/sessions/stop"),
        ("POST", "/sessions/extend"),
        ("POST", "/sweeps"),
        ("GET", "/sessions"),
        ("POST", "/operator/sessions/stop"),
        ("POST", "/operator/sessions/extend"),
    }
)
_ASSUMED_ROLE_SESSION = re.compile(r"arn:aws:sts::[0-9]{12}:assumed-role/[^/]+/(.+)")
INVOKE_ALIAS = "/_local/invoke"
COMMANDS_PATH = "/_local/commands"
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/[^/]+/invocations$")

log = logging.getLogger(__name__)
Answer = tuple[int, Headers, bytes]
# The server frames the answer itself; the function's values for these would be wrong.
HOP_BY_HOP = frozenset({"content-length", "connection", "transfer-encoding", "keep-alive"})


def _json(status: int, body: Any, **headers: str) -> Answer:
    pairs = [("Content-Type", "application/json"), *headers.items()]
    return status, pairs, json.dumps(body).encode()


def api_caller(authorization: str, credentials: CredentialsRegistry | None) -> ApiCaller:
    """The identity AWS_IAM auth would put in the event for this Authorization header."""
    key = signing_key_id(authorization)
    if not key or credentials is None:
        return LOCAL_DEVELOPER
    principal = credentials.principal_of(key)
    if principal is None or principal == credentials.hub:
        return LOCAL_DEVELOPER
    return ApiCaller(principal.account_id, principal.arn, _caller_id(principal), key)


def _caller_id(principal: Principal) -> str:
    """API Gateway's `caller`: a role session is `<role id>:<session name>`, a user its id."""
    session = _ASSUMED_ROLE_SESSION.fullmatch(principal.arn)
    if session is not None:
        return f"AROALOCAL{principal.account_id}:{session.group(1)}"
    return f"AIDALOCAL{principal.account_id}"


def answer_api(
    invoker: LambdaInvoker, request: HttpRequest, caller: ApiCaller = LOCAL_DEVELOPER
) -> Answer:
    """API Gateway's part: route, build the event, call the function, map its answer."""
    if (request.method, request.path) not in ROUTES:
        return _json(
            403,
            {"message": "Missing Authentication Token"},
            **{"x-amzn-ErrorType": "MissingAuthenticationTokenException"},
        )
    event = api_gateway_event(request, caller=caller)
    try:
        result = invoker.invoke(event)
    except Exception:
        # API Gateway hides a failed invocation behind a bare 502.
        traceback.print_exc()
        return _json(502, {"message": "Internal server error"})
    return proxy_response(result)


def _run_queued(invoker: LambdaInvoker, event: Any) -> None:
    try:
        invoker.invoke(event)
    except Exception:
        # Lambda would retry and then keep the event in the on-failure destination.
        traceback.print_exc()


def answer_invoke(
    invoker: LambdaInvoker, body: bytes, invocation_type: str = "RequestResponse"
) -> Answer:
    """Lambda's Invoke: the payload is the event; a raised error still answers 200. An Event
    invoke is queued: 202 now, the invocation on a thread (one at a time, like the rest)."""
    try:
        event = json.loads(body or b"{}")
    except ValueError:
        return _json(
            400,
            {"Type": "User", "message": "Could not parse request body into json"},
            **{"x-amzn-ErrorType": "InvalidRequestContentException"},
        )
    if invocation_type == "Event":
        queued = threading.Thread(
            target=_run_queued, args=(invoker, event), name="local-event-invoke", daemon=True
        )
        queued.start()
        return 202, [], b""
    try:
        return _json(200, invoker.invoke(event), **{"X-Amz-Executed-Version": "$LATEST"})
    except Exception as error:
        traceback.print_exc()
        payload = {
            "errorMessage": str(error),
            "errorType": type(error).__name__,
            "stackTrace": traceback.format_tb(error.__traceback__),
        }
        return _json(200, payload, **{"X-Amz-Function-Error": "Unhandled"})


def answer_command(send_command: Callable[[dict[str, Any]], str], body: bytes) -> Answer:
    """Queue a command as the command rule would; the rule only ever forwards JSON objects."""
    try:
        command = json.loads(body)
    except ValueError:
        command = None
    if not isinstance(command, dict):
        return _json(400, {"error": "the body must be one EventBridge event (a JSON object)"})
    return _json(202, {"MessageId": send_command(command)})


class LocalApiServer(BackgroundHTTPServer):
    """Serves the API on a background thread; port 0 picks a free one."""

    def __init__(
        self,
        invoker: LambdaInvoker,
        host: str = "127.0.0.1",
        port: int = 0,
        credentials: CredentialsRegistry | None = None,
    ) -> None:
        """`credentials`: who the access keys are (the emulator's registry); None: every
        caller is the hub's local developer."""
        self.invoker = invoker
        self.credentials = credentials
        # Set by the stack once the command lane exists: queues one command, returns its id.
        self.send_command: Callable[[dict[str, Any]], str] | None = None
        super().__init__(_Handler, host, port)

    def start(self) -> LocalApiServer:
        super().start()
        return self


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: OwnedHTTPServer

    def do_POST(self) -> None:
        self._answer("POST")

    def do_GET(self) -> None:
        self._answer("GET")

    def do_PUT(self) -> None:
        self._answer("PUT")

    def do_DELETE(self) -> None:
        self._answer("DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _answer(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        invoker = self.server.owner.invoker
        path = self.path.split("?", 1)[0]
        send_command = self.server.owner.send_command
        if method == "POST" and path == COMMANDS_PATH and send_command is not None:
            status, headers, payload = answer_command(send_command, body)
        elif method == "POST" and (path == INVOKE_ALIAS or INVOKE_PATH.match(path)):
            kind = self.headers.get("X-Amz-Invocation-Type") or "RequestResponse"
            status, headers, payload = answer_invoke(invoker, body, kind)
        else:
            request = HttpRequest(
                method=method,
                target=self.path,
                headers=list(self.headers.items()),
                body=body,
                source_ip=self.client_address[0],
            )
            caller = api_caller(
                self.headers.get("Authorization", ""), self.server.owner.credentials
            )
            status, headers, payload = answer_api(invoker, request, caller)
        try:
            self._send(status, headers, payload)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("the client left before the answer (Ctrl-C on the caller's side)")

    def _send(self, status: int, headers: Headers, payload: bytes) -> None:
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
