"""The operator's member accounts (MEMBER_ACCOUNTS), read strictly: a misspelt key or a number
given as text is refused at start, never taken for a default that stops more than meant."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, TypeAdapter

from session_stopper.models.arn import ACCOUNT


def _account_id(value: str) -> str:
    if not ACCOUNT.fullmatch(value):
        raise ValueError("an account id is 12 digits 0-9")
    return value


AccountId = Annotated[str, AfterValidator(_account_id)]
# Organizations' ids: an OU (ou-<root id part>-<ou part>) or a root (r-<id>).
ORGANIZATION_UNIT = re.compile(r"ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}|r-[0-9a-z]{4,32}", re.ASCII)
# What IAM accepts in a role name and an external id.
ROLE_NAME = re.compile(r"[A-Za-z0-9+=,.@_-]{1,64}", re.ASCII)
EXTERNAL_ID = re.compile(r"[A-Za-z0-9+=,.@:/_-]{2,1224}", re.ASCII)


class MemberAccount(BaseModel):
    """One member account and what the operator sets for it; unset values are the hub's."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    id: AccountId
    # An account joins in dry run: it stops nothing until the operator says so.
    dry_run: bool = Field(True, alias="dryRun")
    max_session_minutes: int | None = Field(None, alias="maxSessionMinutes", ge=1, le=150)
    protected_name_pattern: str | None = Field(
        None, alias="protectedNamePattern", min_length=1, max_length=500
    )


MEMBER_ACCOUNTS = TypeAdapter(list[MemberAccount])
