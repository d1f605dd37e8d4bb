"""API Gateway REST proxy integration: an HTTP request in, an event out; a result back to HTTP.

The event has the shape API Gateway sends (tests/fixtures/apigw_stop_request.json): headers
and multiValueHeaders, query strings, a body that is base64 only when it is not text, and a
requestContext with a fresh request id, the stage "local" and the caller's identity.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

STAGE = "local"
ACCOUNT_ID = "123456789012"
API_ID = "local"
Headers = list[tuple[str, str]]


@dataclass(frozen=True)
class HttpRequest:
    method: str
    target: str  # path and query string, as on the request line
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    source_ip: str = "127.0.0.1"

    @property
    def path(self) -> str:
        return urlsplit(self.target).path or "/"


@dataclass(frozen=True)
class ApiCaller:
    """Who signed the request, as AWS_IAM auth puts it in requestContext.identity. The default
    is the local developer of the hub account, every caller's identity unless the stack knows
    the request's access key as another account's."""

    account_id: str = ACCOUNT_ID
    user_arn: str = f"arn:aws:iam::{ACCOUNT_ID}:user/local-developer"
    caller: str = "AIDALOCALDEVELOPER"
    access_key: str = "testing"


LOCAL_DEVELOPER = ApiCaller()


def api_gateway_event(
    request: HttpRequest, request_id: str | None = None, caller: ApiCaller = LOCAL_DEVELOPER
) -> dict[str, Any]:
    body, is_base64 = _body(request.body)
    query = parse_qsl(urlsplit(request.target).query, keep_blank_values=True)
    headers, multi_headers = _single_and_multi(request.headers)
    single_query, multi_query = _single_and_multi(query)
    return {
        "resource": request.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": single_query or None,
        "multiValueQueryStringParameters": multi_query or None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": _request_context(
            request, request_id or str(uuid.uuid4()), headers, caller
        ),
        "body": body,
        "isBase64Encoded": is_base64,
    }


def _body(raw: bytes) -> tuple[str | None, bool]:
    """API Gateway sends no body as null, text as is, anything else base64-encoded."""
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def _single_and_multi(pairs: list[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """API Gateway's two views: the last value of each name, and every value."""
    multi: dict[str, list[str]] = defaultdict(list)
    for name, value in pairs:
        multi[name].append(value)
    return {name: values[-1] for name, values in multi.items()}, dict(multi)


def _request_context(
    request: HttpRequest, request_id: str, headers: dict[str, str], caller: ApiCaller
) -> dict[str, Any]:
    now = time.time()
    user_agent = next((v for k, v in headers.items() if k.lower() == "user-agent"), None)
    return {
        "resourceId": "local",
        "resourcePath": request.path,
        "httpMethod": request.method,
        "extendedRequestId": request_id,
        "requestTime": datetime.fromtimestamp(now, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "path": f"/{STAGE}{request.path}",
        "accountId": ACCOUNT_ID,
        "protocol": "HTTP/1.1",
        "stage": STAGE,
        "domainPrefix": API_ID,
        "requestTimeEpoch": int(now * 1000),
        "requestId": request_id,
        "identity": _identity(request.source_ip, user_agent, caller),
        "domainName": next((v for k, v in headers.items() if k.lower() == "host"), "localhost"),
        "apiId": API_ID,
    }


def _identity(source_ip: str, user_agent: str | None, caller: ApiCaller) -> dict[str, Any]:
    """AWS_IAM auth fills in the signer."""
    return {
        "cognitoIdentityPoolId": None,
        "accountId": caller.account_id,
        "cognitoIdentityId": None,
        "caller": caller.caller,
        "sourceIp": source_ip,
        "principalOrgId": None,
        "accessKey": caller.access_key,
        "cognitoAuthenticationType": None,
        "cognitoAuthenticationProvider": None,
        "userArn": caller.user_arn,
        "userAgent": user_agent,
        "user": caller.caller,
    }


def proxy_response(result: Any) -> tuple[int, Headers, bytes]:
    """The function's proxy answer as HTTP; a malformed one is API Gateway's 502."""
    if not isinstance(result, dict) or not isinstance(result.get("statusCode"), int):
        return 502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}'
    headers: Headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    body = result.get("body") or ""
    payload = base64.b64decode(body) if result.get("isBase64Encoded") else str(body).encode()
    return int(result["statusCode"]), _dedupe(headers), payload


def _dedupe(headers: Headers) -> Headers:
    """A name in both `headers` and `multiValueHeaders` is sent once per distinct value."""
    return list(dict.fromkeys((name, value) for name, value in headers))
