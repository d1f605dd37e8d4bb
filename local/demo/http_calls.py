"""The demo's HTTP calls to the local API: real requests, whose error statuses are answers too."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(url: str, payload: Any, access_key_id: str | None = None) -> tuple[int, Any]:
    """A real HTTP POST; error statuses are answers too. `access_key_id`: sign as that key's
    principal (the local API reads only the key id from SigV4's Authorization header)."""
    data = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if access_key_id is not None:
        credential = f"Credential={access_key_id}/20260101/us-east-1/execute-api/aws4_request"
        headers["Authorization"] = f"AWS4-HMAC-SHA256 {credential}, Signature=0"
    request = urllib.request.Request(  # noqa: S310 (the local stack's loopback URL)
        url, data=data, method="POST", headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
