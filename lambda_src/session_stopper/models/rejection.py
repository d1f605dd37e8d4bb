"""Why a request or event was refused before any Device Farm call: a code and a sentence.

Shared by the API (answers 4xx) and the event paths (publish a REJECTED outcome), so a caller
sees the same code for the same mistake whichever way it came in. A rejection's text reaches
people other than the caller (subscribers, chat, logs): caller text in it (a key, a field path,
a part of a claimed ARN) is only ever an excerpt (models/excerpt.py), and pydantic's messages
are used only when they do not repeat the input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from session_stopper.models.excerpt import EXCERPT_MAX, excerpt_of
from session_stopper.models.text import SafeText

# pydantic error type -> our code; the first error of a request decides its code.
_CODES = {
    "json_invalid": "INVALID_JSON",
    "missing": "MISSING_FIELD",
    "extra_forbidden": "UNKNOWN_FIELD",
    "invalid_arn": "INVALID_ARN",
    "string_type": "INVALID_TYPE",
    "bool_type": "INVALID_TYPE",
    "bool_parsing": "INVALID_TYPE",
    "int_type": "INVALID_TYPE",
    "int_parsing": "INVALID_TYPE",
    "int_from_float": "INVALID_TYPE",
    "float_type": "INVALID_TYPE",
    "float_parsing": "INVALID_TYPE",
    "list_type": "INVALID_TYPE",
    "model_type": "INVALID_BODY",
    "model_attributes_type": "INVALID_BODY",
    "dict_type": "INVALID_BODY",
    "literal_error": "INVALID_VALUE",
    "greater_than_equal": "INVALID_VALUE",
    "less_than_equal": "INVALID_VALUE",
    "greater_than": "INVALID_VALUE",
    "string_too_long": "INVALID_VALUE",
    "string_pattern_mismatch": "INVALID_VALUE",
    "finite_number": "INVALID_VALUE",
    "timezone_aware": "INVALID_VALUE",
    "datetime_parsing": "INVALID_VALUE",
    "datetime_from_date_parsing": "INVALID_VALUE",
    "datetime_type": "INVALID_TYPE",
    "too_long": "INVALID_VALUE",
}
INVALID_REQUEST = "INVALID_REQUEST"
UNRECOGNISED_EVENT = "UNRECOGNISED_EVENT"
_WHOLE_BODY = "(body)"
# At most this many details are logged with a rejection (a body of 10,000 unknown keys has
# 10,000); the caller's answer has them all.
LOGGED_DETAILS = 10


class RejectionDetail(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: SafeText
    code: str
    message: SafeText


class Rejection(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    message: SafeText
    details: list[RejectionDetail] = []

    def logged(self) -> dict[str, Any]:
        """The rejection as a log line keeps it: bounded, whatever the request held."""
        details = [detail.model_dump() for detail in self.details[:LOGGED_DETAILS]]
        return {"code": self.code, "message": self.message, "details": details}


def _field(location: Iterable[Any]) -> str:
    """The field's path, as an excerpt: keys are the caller's (an unknown one, say)."""
    # The API reports locations under "body"; an event's are relative to the event itself.
    parts = [str(part) for part in location if part != "body"]
    field = excerpt_of(".".join(parts))
    return (field.excerpt + ("..." if field.truncated else "")) or _WHOLE_BODY


def _problem(error: Mapping[str, Any]) -> str:
    """pydantic's message, unless it repeats the input (some do: `input_value` is in its
    str(), a custom error may quote it), which the caller knows and nobody else needs."""
    message = str(error.get("msg", ""))
    value = error.get("input")
    repeats = isinstance(value, str) and len(value) > EXCERPT_MAX // 2 and value in message
    if repeats or not message or not message.isascii() or not message.isprintable():
        return "is not valid"
    return message


def _detail(error: Mapping[str, Any]) -> RejectionDetail:
    field = _field(error.get("loc", ()))
    code = _CODES.get(str(error.get("type")), INVALID_REQUEST)
    if code == "MISSING_FIELD" and field == _WHOLE_BODY:
        return RejectionDetail(field=field, code="MISSING_BODY", message="send a JSON body")
    if code == "MISSING_FIELD":
        message = f"'{field}' is required"
    elif code == "UNKNOWN_FIELD":
        message = f"'{field}' is not a known field"
    elif code == "INVALID_JSON":
        message = "the body is not valid JSON"
    else:
        message = f"'{field}': {_problem(error)}"
    return RejectionDetail(field=field, code=code, message=message)


def rejection_of(errors: Iterable[Mapping[str, Any]]) -> Rejection:
    details = [_detail(error) for error in errors]
    if not details:
        return Rejection(code=INVALID_REQUEST, message="the request is not valid")
    return Rejection(code=details[0].code, message=details[0].message, details=details)
