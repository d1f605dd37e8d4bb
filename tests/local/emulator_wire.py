"""Test helpers: a strict check of raw response JSON against botocore's shapes, and raw calls.

botocore's ParamValidator checks parsed responses, but its parser silently drops unknown keys
and it never checks maximum lengths, patterns or enums. This checker closes those gaps on the
bytes the emulator actually sent.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from typing import Any

from botocore.model import ListShape, MapShape, Shape, StructureShape

from local.devicefarm_emulator.server import TARGET_PREFIX


def wire_problems(value: Any, shape: Shape, path: str = "$") -> list[str]:
    """Every way `value` (decoded JSON) departs from `shape`; empty when it conforms."""
    if isinstance(shape, StructureShape):
        return _structure_problems(value, shape, path)
    if isinstance(shape, ListShape):
        if not isinstance(value, list):
            return [f"{path}: expected list, got {type(value).__name__}"]
        problems = _range_problems(len(value), shape, path)
        for index, item in enumerate(value):
            problems += wire_problems(item, shape.member, f"{path}[{index}]")
        return problems
    if isinstance(shape, MapShape):
        if not isinstance(value, dict):
            return [f"{path}: expected map"]
        return [p for k, v in value.items() for p in wire_problems(v, shape.value, f"{path}.{k}")]
    return _scalar_problems(value, shape, path)


def _structure_problems(value: Any, shape: StructureShape, path: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{path}: expected object, got {type(value).__name__}"]
    problems = [f"{path}.{key}: not in the model" for key in value if key not in shape.members]
    problems += [f"{path}.{name}: required" for name in shape.required_members if name not in value]
    for key, item in value.items():
        if key in shape.members:
            problems += wire_problems(item, shape.members[key], f"{path}.{key}")
    return problems


def _scalar_problems(value: Any, shape: Shape, path: str) -> list[str]:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return [f"{path}: expected string"]
        return _string_problems(value, shape, path)
    if kind in ("integer", "long"):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind in ("double", "float"):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "timestamp":
        # JSON 1.1 sends epoch seconds as numbers, never strings.
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif kind == "boolean":
        ok = isinstance(value, bool)
    else:
        return [f"{path}: unexpected shape type {kind}"]
    return [] if ok else [f"{path}: expected {kind}, got {value!r}"]


def _string_problems(value: str, shape: Shape, path: str) -> list[str]:
    problems = _range_problems(len(value), shape, path)
    pattern = shape.metadata.get("pattern")
    if pattern is not None and not re.fullmatch(pattern, value):
        problems.append(f"{path}: {value!r} does not match {pattern}")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        problems.append(f"{path}: {value!r} not in enum")
    return problems


def _range_problems(size: int, shape: Shape, path: str) -> list[str]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        return [f"{path}: size {size} below {low}"]
    if high is not None and size > high:
        return [f"{path}: size {size} above {high}"]
    return []


def raw_call(
    url: str,
    operation: str,
    body: Any,
    target: str | None = None,
    access_key_id: str | None = "testing",
) -> tuple[int, Any]:
    """POST one protocol request without botocore, so its client-side checks cannot interfere.

    The emulator reads only the access key id of the SigV4 Authorization header (None: an
    unsigned request)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(url + "/", data=data, method="POST")
    request.add_header("Content-Type", "application/x-amz-json-1.1")
    if access_key_id is not None:
        credential = f"Credential={access_key_id}/20260101/us-west-2/devicefarm/aws4_request"
        request.add_header("Authorization", f"AWS4-HMAC-SHA256 {credential}, Signature=0")
    request.add_header("X-Amz-Target", target if target is not None else TARGET_PREFIX + operation)
    return _open(request)


def admin_call(url: str, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url + path, data=data, method=method)
    return _open(request)


def _open(request: urllib.request.Request) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
