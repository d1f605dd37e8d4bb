"""Who may call the API at all, whatever their identity policy says: the API's resource policy.

One account: that account only. Hub and spoke: member accounts' principals also reach the two
caller routes (the function then holds them to their own account's sessions), and nothing
else."""

from __future__ import annotations

from aws_cdk import Aws
from aws_cdk import aws_iam as iam

from infra.config import StackConfig
from infra.constructs.permissions import (
    deny_everyone,
    member_principals,
    scoped_accounts_condition,
)

# The routes member accounts' principals may call: their own account's sessions only (the
# function checks the session ARN's account against the caller's).
MEMBER_ROUTES = ("POST/sessions/stop", "POST/sessions/extend")


def resource_policy(config: StackConfig) -> iam.PolicyDocument:
    """Principals of accounts out of scope are refused even if an identity policy there allows
    them; principals in scope still need execute-api:Invoke (the caller and operator policies,
    or an identity policy in a member account). One account: that account only. Hub and
    spoke: member accounts also reach the caller routes, and nothing else."""
    deny_others = deny_everyone(
        "DenyOtherAccounts",
        "execute-api:Invoke",
        "execute-api:/*",
        scoped_accounts_condition(config),
    )
    if not config.is_multi_account:
        return iam.PolicyDocument(statements=[deny_others])
    routes = [f"execute-api:/*/{route}" for route in MEMBER_ROUTES]
    if not config.session_timers:
        routes = routes[:1]
    principals, principal_condition = member_principals(config)
    return iam.PolicyDocument(
        statements=[
            deny_others,
            iam.PolicyStatement(
                sid="MemberAccountsOnlyCallerRoutes",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=["execute-api:Invoke"],
                not_resources=routes,
                conditions={"StringNotEquals": {"aws:PrincipalAccount": Aws.ACCOUNT_ID}},
            ),
            iam.PolicyStatement(
                sid="MemberAccountsStopAndExtend",
                principals=principals,
                actions=["execute-api:Invoke"],
                resources=routes,
                conditions=principal_condition or None,
            ),
        ]
    )
