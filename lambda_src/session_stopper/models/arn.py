"""What counts as a Device Farm remote access session ARN, checked before any call is made."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

MIN_ARN_LENGTH = 32
MAX_ARN_LENGTH = 1011
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d+$")
_ACCOUNT = re.compile(r"^\d{12}$")
_SESSION_ID = re.compile(r"^[^\s/]+(/[^\s/]+)*$")


def session_arn_problem(value: str) -> str | None:
    """Why `value` is not a session ARN, or None when it is one."""
    if not MIN_ARN_LENGTH <= len(value) <= MAX_ARN_LENGTH:
        return f"must be {MIN_ARN_LENGTH} to {MAX_ARN_LENGTH} characters long, got {len(value)}"
    parts = value.split(":", 6)
    if len(parts) != 7 or parts[0] != "arn":
        return "must look like arn:aws:devicefarm:<region>:<account>:session:<id>"
    _, partition, service, region, account, resource_type, resource_id = parts
    checks = (
        (partition == "aws", f"partition must be 'aws' (Device Farm has no {partition!r})"),
        (service == "devicefarm", f"service must be 'devicefarm', got {service!r}"),
        (bool(_REGION.match(region)), f"region {region!r} is not an AWS region"),
        (bool(_ACCOUNT.match(account)), "account must be 12 digits"),
        (resource_type == "session", f"resource type must be 'session', got {resource_type!r}"),
        (bool(_SESSION_ID.match(resource_id)), "session id is empty or contains blanks"),
    )
    return next((problem for ok, problem in checks if not ok), None)


def _validate_session_arn(value: str) -> str:
    problem = session_arn_problem(value)
    if problem:
        raise PydanticCustomError(
            "invalid_arn", "not a Device Farm session ARN: {problem}", {"problem": problem}
        )
    return value


SessionArn = Annotated[str, AfterValidator(_validate_session_arn)]
