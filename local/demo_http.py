"""The demo's HTTP calls to the local API: real requests, whose error statuses are answers too."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def post_json(url: str, payload: Any) -> tuple[int, Any]:
    """A real HTTP POST; error statuses are answers too."""
    data = json.dumps(payload).encode()
    request = urllib.request.Request(  # noqa: S310 (the local stack's loopback URL)
        url, data=data, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")
