"""Request validation driven by botocore's own Device Farm model.

Reading the constraints from the model (rather than restating them) keeps the emulator's idea of
a valid request identical to the SDK's: lengths, patterns, enums, required members and types.
"""

from __future__ import annotations

import functools
import re
from typing import Any

import botocore.session
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

from local.devicefarm_emulator.errors import ArgumentError, UnknownOperationError

SERVICE_NAME = "devicefarm"


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model(SERVICE_NAME)


def operation_model(operation: str) -> OperationModel:
    if operation not in service_model().operation_names:
        raise UnknownOperationError(f"Unknown operation {operation}")
    return service_model().operation_model(operation)


def validate_input(operation: str, body: dict[str, Any]) -> None:
    """Raise ArgumentError for the first constraint the request breaks."""
    shape = operation_model(operation).input_shape
    if shape is not None:
        _check(body, shape, "")


def _fail(value: object, path: str, constraint: str) -> ArgumentError:
    shown = "null" if value is None else repr(value)[:64]
    return ArgumentError(
        f"1 validation error detected: Value {shown} at '{path}' "
        f"failed to satisfy constraint: {constraint}"
    )


def _check(value: object, shape: Shape, path: str) -> None:
    checker = _CHECKERS.get(shape.type_name)
    if checker is not None:
        checker(value, shape, path)


def _check_structure(value: object, shape: Shape, path: str) -> None:
    assert isinstance(shape, StructureShape)
    if not isinstance(value, dict):
        raise _fail(value, path, "Member must be an object")
    for name in shape.required_members:
        if value.get(name) is None:
            raise _fail(None, _join(path, name), "Member must not be null")
    for name, member in shape.members.items():
        # Unknown members are ignored, as the service does, so newer clients keep working.
        if value.get(name) is not None:
            _check(value[name], member, _join(path, name))


def _check_list(value: object, shape: Shape, path: str) -> None:
    assert isinstance(shape, ListShape)
    if not isinstance(value, list):
        raise _fail(value, path, "Member must be a list")
    _check_range(len(value), value, shape, path, "have length")
    for index, item in enumerate(value):
        _check(item, shape.member, f"{path}.{index + 1}")


def _check_map(value: object, shape: Shape, path: str) -> None:
    assert isinstance(shape, MapShape)
    if not isinstance(value, dict):
        raise _fail(value, path, "Member must be a map")
    _check_range(len(value), value, shape, path, "have length")
    for key, item in value.items():
        _check(key, shape.key, f"{path}.key")
        _check(item, shape.value, f"{path}.{key}")


def _check_string(value: object, shape: Shape, path: str) -> None:
    if not isinstance(value, str):
        raise _fail(value, path, "Member must be a string")
    _check_range(len(value), value, shape, path, "have length")
    pattern = shape.metadata.get("pattern")
    # AWS matches patterns against the whole value, with Java's '.' (no line terminators).
    if pattern is not None and not re.fullmatch(pattern, value):
        raise _fail(value, path, f"Member must satisfy regular expression pattern: {pattern}")
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        raise _fail(value, path, f"Member must satisfy enum value set: {sorted(enum)}")


def _check_integer(value: object, shape: Shape, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(value, path, "Member must be an integer")
    _check_range(value, value, shape, path, "have value")


def _check_number(value: object, _shape: Shape, path: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(value, path, "Member must be a number")


def _check_boolean(value: object, _shape: Shape, path: str) -> None:
    if not isinstance(value, bool):
        raise _fail(value, path, "Member must be a boolean")


def _check_range(size: int, value: object, shape: Shape, path: str, what: str) -> None:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        raise _fail(value, path, f"Member must {what} greater than or equal to {low}")
    if high is not None and size > high:
        raise _fail(value, path, f"Member must {what} less than or equal to {high}")


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


_CHECKERS = {
    "structure": _check_structure,
    "list": _check_list,
    "map": _check_map,
    "string": _check_string,
    "integer": _check_integer,
    "long": _check_integer,
    "float": _check_number,
    "double": _check_number,
    "boolean": _check_boolean,
}
