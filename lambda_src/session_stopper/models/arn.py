"""Device Farm session and project ARNs, checked character by character before any call is made.

An ARN is ASCII and every part is matched whole with explicit character classes: Python's `\\d`,
`str.isdigit` and `$` accept more than they seem to (other scripts' digits, a final newline), and
Device Farm would otherwise receive, and normalise, what we never meant to send.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import AfterValidator
from pydantic_core import PydanticCustomError

from session_stopper.models.excerpt import quoted

MIN_ARN_LENGTH = 32
MAX_ARN_LENGTH = 1011
ResourceType = Literal["session", "project"]

REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-[0-9]{1,2}", re.ASCII)
ACCOUNT = re.compile(r"[0-9]{12}", re.ASCII)
# Device Farm's ids are UUIDs and job numbers: no dots, so no "." or ".." segments either.
_ID = re.compile(r"[A-Za-z0-9_-]{1,128}", re.ASCII)
_ID_COUNT: dict[ResourceType, int] = {"session": 3, "project": 1}
_SHAPE: dict[ResourceType, str] = {
    "session": "arn:aws:devicefarm:<region>:<account>:session:<projectId>/<sessionId>/<jobId>",
    "project": "arn:aws:devicefarm:<region>:<account>:project:<projectId>",
}


@dataclass(frozen=True)
class ArnParts:
    region: str
    account: str
    project_id: str


def arn_problem(value: str, resource_type: ResourceType) -> str | None:
    """Why `value` is not a Device Farm ARN of `resource_type`, or None when it is one."""
    if not MIN_ARN_LENGTH <= len(value) <= MAX_ARN_LENGTH:
        return f"must be {MIN_ARN_LENGTH} to {MAX_ARN_LENGTH} characters long, got {len(value)}"
    if not value.isascii() or not value.isprintable():
        return "must be printable ASCII (no control characters, no other scripts' digits)"
    parts = value.split(":")
    if len(parts) != 7 or parts[:3] != ["arn", "aws", "devicefarm"]:
        return f"must look like {_SHAPE[resource_type]}"
    _, _, _, region, account, kind, resource_id = parts
    ids = resource_id.split("/")
    checks = (
        (REGION.fullmatch(region), f"region {quoted(region)} is not an AWS region"),
        (ACCOUNT.fullmatch(account), "account must be 12 digits 0-9"),
        (kind == resource_type, f"resource type must be {resource_type!r}, got {quoted(kind)}"),
        (
            len(ids) == _ID_COUNT[resource_type] and all(_ID.fullmatch(part) for part in ids),
            f"must look like {_SHAPE[resource_type]} (ids of A-Z a-z 0-9 _ -)",
        ),
    )
    return next((problem for ok, problem in checks if not ok), None)


def arn_parts(value: str) -> ArnParts:
    """The parts of an ARN that `arn_problem` accepted."""
    _, _, _, region, account, _, resource_id = value.split(":")
    return ArnParts(region=region, account=account, project_id=resource_id.split("/", 1)[0])


def session_arn_problem(value: str) -> str | None:
    return arn_problem(value, "session")


def _validator(resource_type: ResourceType) -> AfterValidator:
    def check(value: str) -> str:
        problem = arn_problem(value, resource_type)
        if problem:
            raise PydanticCustomError(
                "invalid_arn",
                "not a Device Farm {resource_type} ARN: {problem}",
                {"resource_type": resource_type, "problem": problem},
            )
        return value

    return AfterValidator(check)


SessionArn = Annotated[str, _validator("session")]
ProjectArn = Annotated[str, _validator("project")]


def project_arn_of(session_arn: str) -> str:
    """The project a (well-formed) session ARN belongs to."""
    parts = arn_parts(session_arn)
    return f"arn:aws:devicefarm:{parts.region}:{parts.account}:project:{parts.project_id}"


def account_of(arn: str | None) -> str | None:
    """The account of a well-formed session or project ARN; None for anything else."""
    if arn is None or (arn_problem(arn, "session") and arn_problem(arn, "project")):
        return None
    return arn_parts(arn).account
