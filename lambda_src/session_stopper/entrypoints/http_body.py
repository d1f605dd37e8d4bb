"""The API's body gate: what reaches the resolver is one JSON object, or the caller gets a 4xx.

Powertools would otherwise decode base64 and parse JSON itself, and let a deep nesting, bad
base64, bytes that are not UTF-8 or a multipart body without a boundary escape as exceptions;
it would also take form and multipart bodies, and validate the first element of a JSON array as
if it were the object. Here the body is decoded and parsed strictly (no duplicate keys, no NaN),
and handed on re-serialised as `application/json`, so the resolver has only one shape to see.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from session_stopper.models.rejection import Rejection

JSON_MEDIA_TYPE = "application/json"
# The bodies this API takes are one flat object; anything deeper is not one of them.
MAX_DEPTH = 8


@dataclass(frozen=True)
class Refusal:
    status: HTTPStatus
    rejection: Rejection


class _NotJson(ValueError):
    pass


def _content_types(event: dict[str, Any]) -> list[str]:
    found = []
    for headers in (event.get("headers"), event.get("multiValueHeaders")):
        for name, value in (headers or {}).items():
            if name.lower() == "content-type":
                found.extend(value if isinstance(value, list) else [value])
    return [str(value) for value in found]


def is_json_media_type(content_type: str) -> bool:
    """No content type counts as JSON; so do application/json and any `+json` type."""
    essence = content_type.split(";", 1)[0].strip().lower()
    return essence in {"", JSON_MEDIA_TYPE} or (essence.endswith("+json") and "/" in essence)


def _decoded(body: str, is_base64: bool) -> str:
    if not is_base64:
        return body
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise _NotJson("the body is marked base64 but is not valid base64") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _NotJson("the body is not UTF-8 text") from None


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise _NotJson("the body repeats a key")
    return dict(pairs)


def _no_constants(name: str) -> Any:
    raise _NotJson(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if value in {float("inf"), float("-inf")}:
        raise _NotJson(f"the number {text[:20]} is out of range")
    return value


def _depth(value: Any) -> int:
    """Nesting depth, iteratively: the value may be as deep as the parser allowed."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            children = item.values() if isinstance(item, dict) else item
            pending.extend((child, depth + 1) for child in children)
    return deepest


def _where(error: json.JSONDecodeError) -> str:
    """The parser's complaint and its position, in words a person can find in the body: the
    rejection names no field (none was parsed), so the position lives in the message."""
    complaint = error.msg[:1].lower() + error.msg[1:]
    # "Unterminated string starting at": the position is where it started.
    complaint = complaint.removesuffix(" at")
    return f"{complaint} at line {error.lineno}, column {error.colno}"


def _parsed(text: str) -> Any:
    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_no_constants,
            parse_float=_finite,
        )
    except _NotJson:
        raise
    except RecursionError:
        raise _NotJson(f"the body is nested deeper than {MAX_DEPTH} levels") from None
    except json.JSONDecodeError as error:
        raise _NotJson(f"the body is not valid JSON: {_where(error)}") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise _NotJson("a number in the body is too long") from None
    if _depth(value) > MAX_DEPTH:
        raise _NotJson(f"the body is nested deeper than {MAX_DEPTH} levels")
    return value


def _refused(status: HTTPStatus, code: str, message: str) -> Refusal:
    return Refusal(status, Rejection(code=code, message=message))


def canonical_request(event: dict[str, Any]) -> dict[str, Any] | Refusal:
    """The event with its body as compact JSON text and content type application/json."""
    if not all(is_json_media_type(value) for value in _content_types(event)):
        return _refused(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "send the body as application/json",
        )
    body = event.get("body")
    if body is not None and not isinstance(body, str):
        return _refused(HTTPStatus.BAD_REQUEST, "INVALID_BODY", "the body must be text")
    canonical: str | None = None
    if body:
        try:
            value = _parsed(_decoded(body, event.get("isBase64Encoded") is True))
        except _NotJson as problem:
            return _refused(HTTPStatus.BAD_REQUEST, "INVALID_JSON", str(problem))
        if not isinstance(value, dict):
            return _refused(
                HTTPStatus.BAD_REQUEST, "INVALID_BODY", "the body must be a JSON object"
            )
        canonical = json.dumps(value, separators=(",", ":"))
    return _with_json_body(event, canonical)


def _with_json_body(event: dict[str, Any], body: str | None) -> dict[str, Any]:
    def json_typed(headers: dict[str, Any] | None, value: Any) -> dict[str, Any]:
        kept = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
        return {**kept, "Content-Type": value}

    return {
        **event,
        "headers": json_typed(event.get("headers"), JSON_MEDIA_TYPE),
        "multiValueHeaders": json_typed(event.get("multiValueHeaders"), [JSON_MEDIA_TYPE]),
        "body": body,
        "isBase64Encoded": False,
    }
