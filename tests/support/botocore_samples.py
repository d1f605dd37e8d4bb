"""Responses built from botocore's own Device Farm model: the oracle for shapes and enums.

`sample(shape_name, variant=i)` fills every member of a shape; string enums take their i-th
value (modulo), so iterating variants covers every enum value the model knows today.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.model import ServiceModel, Shape

ACCOUNT = "123456789012"
PROJECT_ID = "5b7a3c1e-0000-4d2c-9e8f-000000000001"


def session_arn(number: int = 1, project_id: str = PROJECT_ID) -> str:
    return (
        f"arn:aws:devicefarm:us-west-2:{ACCOUNT}:session:"
        f"{project_id}/8f9e0d1c-2b3a-4c5d-8e7f-{number:012d}/00000"
    )


def project_arn(project_id: str = PROJECT_ID) -> str:
    return f"arn:aws:devicefarm:us-west-2:{ACCOUNT}:project:{project_id}"


@functools.cache
def devicefarm_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("devicefarm")


def _string(shape: Shape, name: str, variant: int) -> str:
    enum = getattr(shape, "enum", None)
    if enum:
        return str(enum[variant % len(enum)])
    if shape.metadata.get("pattern", "").startswith("^arn:aws:devicefarm"):
        return session_arn(variant + 1)
    if name == "host":
        return "proxy.example.com"
    return f"{name}-{variant}"


def _scalar(shape: Shape, name: str, variant: int) -> Any:
    kind = shape.type_name
    if kind == "string":
        return _string(shape, name, variant)
    if kind == "timestamp":
        return datetime(2026, 11, 27, 6, variant % 60, tzinfo=UTC)
    if kind in {"integer", "long"}:
        return max(1, int(shape.metadata.get("min", 1)))
    if kind in {"double", "float"}:
        return 1.5
    if kind == "boolean":
        return variant % 2 == 0
    raise NotImplementedError(kind)


def _value(shape: Shape, name: str, variant: int, depth: int) -> Any:
    if shape.type_name == "structure":
        return _structure(shape, variant, depth + 1)
    if shape.type_name == "list":
        return [_value(shape.member, name, variant, depth)]  # type: ignore[attr-defined]
    if shape.type_name == "map":
        return {"key": _value(shape.value, name, variant, depth)}  # type: ignore[attr-defined]
    return _scalar(shape, name, variant)


def _structure(shape: Shape, variant: int, depth: int) -> dict[str, Any]:
    if depth > 6:
        return {}
    return {
        name: _value(member, name, variant, depth)
        for name, member in shape.members.items()  # type: ignore[attr-defined]
    }


def sample(shape_name: str, variant: int = 0) -> dict[str, Any]:
    return _structure(devicefarm_model().shape_for(shape_name), variant, 0)


def enum_variants(shape_name: str) -> int:
    """How many variants are needed for every enum value reachable from the shape to appear."""
    longest = 1
    pending = [devicefarm_model().shape_for(shape_name)]
    seen: set[str] = set()
    while pending:
        shape = pending.pop()
        if shape.name in seen:
            continue
        seen.add(shape.name)
        longest = max(longest, len(getattr(shape, "enum", None) or []))
        pending.extend(getattr(shape, "members", {}).values())
        if shape.type_name == "list":
            pending.append(shape.member)  # type: ignore[attr-defined]
    return longest


def session(status: str = "RUNNING", number: int = 1, **overrides: Any) -> dict[str, Any]:
    """A full RemoteAccessSession (every field the model has) with a chosen status."""
    body = sample("RemoteAccessSession")
    body.update(arn=session_arn(number), status=status, name=f"session-{number}")
    body["device"]["platform"] = overrides.pop("platform", "ANDROID")
    body.update(overrides)
    return body
