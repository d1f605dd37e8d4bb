"""The API's body gate: a body that is not JSON says where it breaks, in the message.

No field was parsed, so the refusal names none: the position (line and column, as an editor
shows them) is in the message, never a bare character offset in a field.
"""

from __future__ import annotations

import base64
import json
from http import HTTPStatus
from typing import Any

import pytest

from session_stopper.entrypoints.http_body import Refusal, canonical_request


def _refusal(body: str, **event: Any) -> Refusal:
    refused = canonical_request({"body": body, "headers": {}, **event})
    assert isinstance(refused, Refusal), refused
    return refused


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "{arn:",
            "the body is not valid JSON: expecting property name enclosed in double quotes "
            "at line 1, column 2",
        ),
        (
            '{"arn": "',
            "the body is not valid JSON: unterminated string starting at line 1, column 9",
        ),
        (
            '{\n  "arn": "x",\n  "dryRun": tru\n}',
            "the body is not valid JSON: expecting value at line 3, column 13",
        ),
        ('{"arn": "x"} {}', "the body is not valid JSON: extra data at line 1, column 14"),
    ],
    ids=["bare-key", "unterminated-string", "third-line", "extra-data"],
)
def test_invalid_json_gives_its_position_in_the_message(body: str, message: str) -> None:
    refusal = _refusal(body)
    assert refusal.status == HTTPStatus.BAD_REQUEST
    assert refusal.rejection.code == "INVALID_JSON"
    assert refusal.rejection.message == message


@pytest.mark.parametrize(
    "body", ["{arn:", '{"arn": "', "[" * 20 + "]" * 20, '{"a": 1, "a": 2}', '{"arn": NaN}']
)
def test_invalid_json_names_no_field(body: str) -> None:
    """Nothing in the rejection's details: no field, so no offset where a field name goes."""
    rejection = _refusal(body).rejection
    assert rejection.code == "INVALID_JSON"
    assert rejection.details == []
    answer = rejection.model_dump(mode="json")
    assert set(answer) == {"code", "message", "details"}


def test_the_position_counts_decoded_text_for_a_base64_body() -> None:
    encoded = base64.b64encode(b'{"arn": 1,}').decode()
    message = _refusal(encoded, isBase64Encoded=True).rejection.message
    # The decoder's column in the decoded text: 11 on Python 3.11/3.12, 10 on 3.13 (which
    # points at the trailing comma itself); never a column of the base64 text.
    with pytest.raises(json.JSONDecodeError) as decoded:
        json.loads('{"arn": 1,}')
    assert message.endswith(f"at line 1, column {decoded.value.colno}")
