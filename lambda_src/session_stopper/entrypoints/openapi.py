"""Prints the API's OpenAPI document (`make openapi` writes it to docs/openapi.json)."""

from __future__ import annotations

import json

from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn

from session_stopper.entrypoints.api import app

TITLE = "Device Farm Session Stopper"
# API Gateway's AWS_IAM authorization: every request is signed with AWS Signature Version 4.
SIGV4 = APIKey(
    name="Authorization",
    in_=APIKeyIn.header,
    description="AWS Signature Version 4 (API Gateway AWS_IAM authorization)",
)
VERSION = "1.0.0"


def openapi_document() -> str:
    schema = app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="Stops AWS Device Farm remote access sessions.",
        security_schemes={"sigv4": SIGV4},
        security=[{"sigv4": []}],
    )
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    print(openapi_document(), end="")
