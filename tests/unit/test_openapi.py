"""docs/openapi.json is generated from the code; a stale copy misleads every API client."""

from __future__ import annotations

import json
from pathlib import Path

from session_stopper.entrypoints.openapi import openapi_document

COMMITTED = Path(__file__).parents[2] / "docs" / "openapi.json"


def test_the_committed_document_matches_the_code() -> None:
    assert COMMITTED.read_text() == openapi_document(), "run `make openapi` and commit the result"


def test_the_document_describes_the_stop_route_and_its_auth() -> None:
    document = json.loads(openapi_document())
    operation = document["paths"]["/sessions/stop"]["post"]
    assert operation["requestBody"]["required"] is True
    assert {"200", "400", "404", "429", "502", "503"} <= set(operation["responses"])
    assert document["security"] == [{"sigv4": []}]
    arn_schema = document["components"]["schemas"]["StopCommand"]
    assert arn_schema["additionalProperties"] is False
    assert arn_schema["required"] == ["arn"]
