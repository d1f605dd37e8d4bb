"""The trust-policy evaluation behind the local STS gate (what moto's AssumeRole skips)."""

from __future__ import annotations

from typing import Any

import pytest

from local.accounts.trust_policy import AssumeRequest, allows

HUB = "123456789012"
ROLE = f"arn:aws:iam::{HUB}:role/session-stopper-local-function"
SESSION = f"arn:aws:sts::{HUB}:assumed-role/session-stopper-local-function/session-stopper-local"
CALLER = AssumeRequest(SESSION, HUB, "ext")


def policy(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(principal: Any = None, condition: Any = None, action: Any = "sts:AssumeRole") -> Any:
    statement = {
        "Effect": "Allow",
        "Principal": principal if principal is not None else {"AWS": f"arn:aws:iam::{HUB}:root"},
        "Action": action,
    }
    if condition is not None:
        statement["Condition"] = condition
    return statement


def test_a_role_session_is_its_role_for_principal_and_principal_arn() -> None:
    assert CALLER.condition_principal_arn == ROLE
    assert allows(policy(allow({"AWS": ROLE})), CALLER)
    assert allows(policy(allow(condition={"ArnEquals": {"aws:principalarn": ROLE}})), CALLER)
    assert allows(policy(allow({"AWS": [HUB]})), CALLER)
    assert allows(policy(allow("*")), CALLER)


@pytest.mark.parametrize(
    "statement",
    [
        allow({"AWS": "arn:aws:iam::999999999999:root"}),
        allow({"Service": "lambda.amazonaws.com"}),
        allow(action="sts:TagSession"),
        allow(condition={"StringEquals": {"sts:ExternalId": "other"}}),
        allow(condition={"StringEquals": {"aws:PrincipalArn": f"{ROLE}-x"}}),
        allow(condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/dev-*"}}),
        allow(condition={"NumericEquals": {"sts:ExternalId": "ext"}}),  # unsupported: refuses
        allow(condition={"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}),  # unknown key
        {**allow(), "Effect": "Deny"},
    ],
)
def test_a_statement_that_does_not_match_grants_nothing(statement: dict[str, Any]) -> None:
    assert not allows(policy(statement), CALLER)


def test_deny_wins_and_if_exists_forms_hold_without_the_key() -> None:
    deny = {**allow(condition={"StringEquals": {"sts:ExternalId": "ext"}}), "Effect": "Deny"}
    assert not allows(policy(allow(), deny), CALLER)
    without_id = AssumeRequest(SESSION, HUB, None)
    if_exists = allow(condition={"StringEqualsIfExists": {"sts:ExternalId": "ext"}})
    assert allows(policy(if_exists), without_id)
    assert not allows(
        policy(allow(condition={"StringEquals": {"sts:ExternalId": "ext"}})), without_id
    )
    like = allow(condition={"StringLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/session-*"}})
    assert allows(policy(like), CALLER)
    assert allows({"Statement": allow()}, CALLER)  # one statement, not in a list
