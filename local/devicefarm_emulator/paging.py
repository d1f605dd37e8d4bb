"""Opaque `nextToken` paging, scoped so a token from one listing is refused by another."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from typing import TypeVar

from local.devicefarm_emulator.errors import ArgumentError

T = TypeVar("T")


def _encode(scope: str, offset: int) -> str:
    raw = json.dumps({"scope": scope, "offset": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _decode(token: str, scope: str) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        offset = data["offset"]
        token_scope = data["scope"]
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        raise ArgumentError("Invalid next token") from error
    if token_scope != scope or not isinstance(offset, int) or offset < 0:
        raise ArgumentError("Invalid next token")
    return offset


def page(
    items: Sequence[T], token: str | None, size: int, scope: str
) -> tuple[list[T], str | None]:
    """One page of `items` and the token of the next page (None on the last page)."""
    start = 0 if token is None else _decode(token, scope)
    end = start + size
    next_token = _encode(scope, end) if end < len(items) else None
    return list(items[start:end]), next_token
