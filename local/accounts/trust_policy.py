"""Whether a role's trust policy lets a principal assume it: the part of IAM's evaluation that
moto's AssumeRole skips (it lets anyone assume any role, missing or not).

Covers what trust policies of cross-account roles use: Allow and Deny statements, `Principal`
(`*`, an account id or its root ARN, a role or user ARN), `Action` (sts:AssumeRole, sts:*, *),
and conditions with StringEquals/StringLike/ArnEquals/ArnLike (and their IfExists forms) on
aws:PrincipalArn, aws:PrincipalAccount and sts:ExternalId. Anything else in a condition does
not match, so an unsupported policy refuses rather than grants.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_ASSUMED_ROLE = re.compile(r"arn:(aws[a-z-]*):sts::([0-9]{12}):assumed-role/([^/]+)/[^/]+")
_ACTIONS = frozenset({"sts:assumerole", "sts:*", "*"})
_EXACT = frozenset({"StringEquals", "ArnEquals"})
_LIKE = frozenset({"StringLike", "ArnLike"})


@dataclass(frozen=True)
class AssumeRequest:
    """Who asks (the caller's ARN and account) and the external id they gave (None: none)."""

    principal_arn: str
    account_id: str
    external_id: str | None

    @property
    def condition_principal_arn(self) -> str:
        """aws:PrincipalArn: for a role session, the role's ARN (IAM's documented value)."""
        session = _ASSUMED_ROLE.fullmatch(self.principal_arn)
        if session is None:
            return self.principal_arn
        partition, account, role = session.groups()
        return f"arn:{partition}:iam::{account}:role/{role}"

    def context(self) -> dict[str, str]:
        """Condition keys, lower-cased (IAM compares key names case-insensitively)."""
        values = {
            "aws:principalarn": self.condition_principal_arn,
            "aws:principalaccount": self.account_id,
        }
        if self.external_id is not None:
            values["sts:externalid"] = self.external_id
        return values


def allows(policy: Mapping[str, Any], request: AssumeRequest) -> bool:
    """True when an Allow statement matches and no Deny statement does."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    matching = [item for item in statements if _matches(item, request)]
    return any(item.get("Effect") == "Allow" for item in matching) and not any(
        item.get("Effect") == "Deny" for item in matching
    )


def _matches(statement: Mapping[str, Any], request: AssumeRequest) -> bool:
    actions = _listed(statement.get("Action"))
    return (
        any(action.lower() in _ACTIONS for action in actions)
        and _principal_matches(statement.get("Principal"), request)
        and _conditions_hold(statement.get("Condition", {}), request)
    )


def _listed(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return value
    return []


def _principal_matches(principal: Any, request: AssumeRequest) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for named in _listed(principal.get("AWS")):
        if named == "*" or named in (request.account_id, f"arn:aws:iam::{request.account_id}:root"):
            return True
        if named in (request.principal_arn, request.condition_principal_arn):
            return True
    return False


def _conditions_hold(conditions: Any, request: AssumeRequest) -> bool:
    if not isinstance(conditions, Mapping):
        return False
    context = request.context()
    for operator, tests in conditions.items():
        if not isinstance(tests, Mapping):
            return False
        for key, wanted in tests.items():
            if not _condition_holds(operator, context.get(key.lower()), _listed(wanted)):
                return False
    return True


def _condition_holds(operator: str, actual: str | None, wanted: list[str]) -> bool:
    base = operator.removesuffix("IfExists")
    if base not in _EXACT | _LIKE:
        return False
    if actual is None:
        return operator.endswith("IfExists")
    if base in _EXACT:
        return actual in wanted
    return any(fnmatch.fnmatchcase(actual, pattern) for pattern in wanted)
