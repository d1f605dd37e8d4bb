"""Errors in Device Farm's wire vocabulary (JSON 1.1 `__type` plus `message`)."""

from __future__ import annotations

from typing import Any


class DeviceFarmError(Exception):
    """An error answer; `code` becomes `__type`, which botocore maps to its modeled class."""

    code = "ServiceAccountException"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def to_json(self) -> dict[str, Any]:
        return {"__type": self.code, "message": self.message}


class ArgumentError(DeviceFarmError):
    code = "ArgumentException"


class NotFoundError(DeviceFarmError):
    code = "NotFoundException"


class LimitExceededError(DeviceFarmError):
    code = "LimitExceededException"


class TooManyTagsError(DeviceFarmError):
    """The model's TooManyTagsException, which also names the resource."""

    code = "TooManyTagsException"

    def __init__(self, message: str, resource_name: str) -> None:
        super().__init__(message)
        self.resource_name = resource_name

    def to_json(self) -> dict[str, Any]:
        return {**super().to_json(), "resourceName": self.resource_name}


class InternalFailureError(DeviceFarmError):
    code = "InternalFailure"
    status = 500


class UnknownOperationError(DeviceFarmError):
    code = "UnknownOperationException"


class SerializationError(DeviceFarmError):
    """A body that is not a JSON object; AWS answers this code for unparsable JSON 1.1 bodies."""

    code = "SerializationException"


class AccessDeniedError(DeviceFarmError):
    """IAM refused the call (no policy grants it); answered before the service looks."""

    code = "AccessDeniedException"


class UnrecognizedClientError(DeviceFarmError):
    """The access key belongs to no known principal."""

    code = "UnrecognizedClientException"

    def __init__(
        self, message: str = "The security token included in the request is invalid."
    ) -> None:
        super().__init__(message)


class MissingAuthenticationTokenError(DeviceFarmError):
    """An unsigned request."""

    code = "MissingAuthenticationTokenException"

    def __init__(self, message: str = "Missing Authentication Token") -> None:
        super().__init__(message)
