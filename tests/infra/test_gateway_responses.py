"""Gateway responses render to valid JSON in the function's error shape, whatever the message.

API Gateway does not run gateway response templates through VTL: it only substitutes $context
and $stageVariables values (developer guide, "Set up gateway responses to customize error
responses"), so `$util.escapeJavaScript(...)` would reach the caller as literal text. The
templates therefore use only values that are JSON-safe as substituted. This emulates that
substitution over generated messages and parses the result.
"""

from __future__ import annotations

import json
import re
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infra.constructs.api import GATEWAY_ERROR_TEMPLATE, INVALID_BODY_TEMPLATE

# Response types DEFAULT_4XX/5XX stand in for (API Gateway's GatewayResponse type names).
RESPONSE_TYPES = (
    "ACCESS_DENIED",
    "API_CONFIGURATION_ERROR",
    "EXPIRED_TOKEN",
    "INTEGRATION_FAILURE",
    "INTEGRATION_TIMEOUT",
    "INVALID_SIGNATURE",
    "MISSING_AUTHENTICATION_TOKEN",
    "REQUEST_TOO_LARGE",
    "RESOURCE_NOT_FOUND",
    "THROTTLED",
    "UNAUTHORIZED",
    "UNSUPPORTED_MEDIA_TYPE",
    "WAF_FILTERED",
    "DEFAULT_4XX",
    "DEFAULT_5XX",
)
_VARIABLE = re.compile(r"\$context\.((?:[A-Za-z]+\.)*[A-Za-z]+)")
_VTL = re.compile(r"\$util\.|\$input\.|#(?:set|if|foreach|end)\b")


def substitute(template: str, values: dict[str, str]) -> str:
    """API Gateway's gateway response rendering: $context.<name> replaced by its value."""
    return _VARIABLE.sub(lambda match: values[match.group(1)], template)


def context(message: str, response_type: str, validation: str = "") -> dict[str, str]:
    return {
        "requestId": str(uuid.uuid4()),
        "error.responseType": response_type,
        "error.message": message,
        # "The quoted value of $context.error.message": a JSON string literal. AWS's own
        # default responses are `{"message":$context.error.messageString}`.
        "error.messageString": json.dumps(message, ensure_ascii=False),
        "error.validationErrorString": validation,
    }


@given(message=st.text(), response_type=st.sampled_from(RESPONSE_TYPES))
def test_default_4xx_and_5xx_render_to_the_functions_error_shape(
    message: str, response_type: str
) -> None:
    values = context(message, response_type)
    body = json.loads(substitute(GATEWAY_ERROR_TEMPLATE, values))
    assert body == {
        "error": {"code": response_type, "message": message},
        "requestId": values["requestId"],
    }


@given(message=st.text(), validation=st.text())
def test_a_refused_body_renders_to_invalid_body_whatever_the_validator_said(
    message: str, validation: str
) -> None:
    values = context(message, "BAD_REQUEST_BODY", validation)
    body = json.loads(substitute(INVALID_BODY_TEMPLATE, values))
    assert body == {
        "error": {"code": "INVALID_BODY", "message": message},
        "requestId": values["requestId"],
    }


@pytest.mark.parametrize("template", [INVALID_BODY_TEMPLATE, GATEWAY_ERROR_TEMPLATE])
def test_templates_use_only_substitution_and_json_safe_values(template: str) -> None:
    assert not _VTL.search(template), "gateway responses are not rendered by VTL"
    assert set(_VARIABLE.findall(template)) <= {
        "requestId",
        "error.responseType",
        "error.messageString",
    }


def test_the_validators_own_text_would_break_the_document() -> None:
    """Why validationErrorString stays out: it quotes the JSON it refused."""
    unsafe = '{"error": {"message": "$context.error.validationErrorString"}}'
    rendered = substitute(
        unsafe,
        context("Invalid request body", "BAD_REQUEST_BODY", 'missing properties (["arn"])'),
    )
    with pytest.raises(json.JSONDecodeError):
        json.loads(rendered)
