"""Member accounts on the local stack: their spoke roles in moto's IAM, optionally an
organization in moto's Organizations, and the function settings that put them in scope.

The spoke role is the one the spoke stack deploys (issue-18-interface.md, "Spoke stack"):
trusted by the hub account only as the hub function's role and only with the external id,
allowed only Device Farm List/Get/Stop and ListTagsForResource. moto does not enforce trust
policies; the local STS gate (local/accounts/sts_gate.py) does, so a member whose role is missing or
mistrusting fails here as in AWS.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from local.aws_resources import PREFIX, aws_client, aws_client_in
from local.devicefarm_emulator.accounts import function_role_arn, require_account_id
from session_stopper.models.account import MemberAccount

SPOKE_ROLE_NAME = f"{PREFIX}-spoke"
SPOKE_EXTERNAL_ID = "session-stopper-local-external-id"
ORGANIZATION_UNIT_NAME = "workloads"
IAM_REGION = "us-east-1"
_DEVICE_FARM = "arn:aws:devicefarm:*:{account}"


@dataclass(frozen=True)
class LocalMember:
    """One member account. `spoke_role` False: the account never deployed its spoke (the
    hub cannot reach it). In organization mode moto chooses the account ids (its
    CreateAccount takes none): `LocalStack.members` has the ones it chose, in this order."""

    account_id: str
    dry_run: bool = True
    spoke_role: bool = True
    max_session_minutes: int | None = None
    protected_name_pattern: str | None = None

    def entry(self) -> dict[str, Any]:
        """Its MEMBER_ACCOUNTS entry, as the function's own model writes it (the keys it sets
        beyond the defaults)."""
        member = MemberAccount(
            id=self.account_id,
            dryRun=self.dry_run,
            maxSessionMinutes=self.max_session_minutes,
            protectedNamePattern=self.protected_name_pattern,
        )
        return member.model_dump(by_alias=True, exclude_none=True)

    @property
    def has_own_settings(self) -> bool:
        """Whether it needs a MEMBER_ACCOUNTS entry in organization mode (where an account of
        the OUs joins in dry run with the hub's settings)."""
        return (
            not self.dry_run
            or self.max_session_minutes is not None
            or self.protected_name_pattern is not None
        )


@dataclass(frozen=True)
class MemberScope:
    """What the stack arranged: the members (with their real ids) and the OU holding them
    (None: the members are an explicit list)."""

    members: tuple[LocalMember, ...]
    organization_unit_id: str | None = None


def spoke_trust_policy(
    hub_role_arn: str = function_role_arn(), external_id: str = SPOKE_EXTERNAL_ID
) -> dict[str, Any]:
    hub_account = hub_role_arn.split(":")[4]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{hub_account}:root"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {
                        "aws:PrincipalArn": hub_role_arn,
                        "sts:ExternalId": external_id,
                    }
                },
            }
        ],
    }


def spoke_permissions(account_id: str) -> dict[str, Any]:
    devicefarm = _DEVICE_FARM.format(account=account_id)
    return {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "devicefarm:ListProjects", "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": ["devicefarm:ListRemoteAccessSessions", "devicefarm:ListTagsForResource"],
                "Resource": f"{devicefarm}:project:*",
            },
            {
                "Effect": "Allow",
                "Action": [
                    "devicefarm:GetRemoteAccessSession",
                    "devicefarm:StopRemoteAccessSession",
                    "devicefarm:ListTagsForResource",
                ],
                "Resource": f"{devicefarm}:session:*",
            },
        ],
    }


def create_spoke_role(moto_url: str, account_id: str) -> str:
    """The spoke's role in `account_id`, in moto's IAM; answers its ARN."""
    iam = aws_client_in("iam", moto_url, IAM_REGION, account_id)
    role = iam.create_role(
        RoleName=SPOKE_ROLE_NAME, AssumeRolePolicyDocument=json.dumps(spoke_trust_policy())
    )
    iam.put_role_policy(
        RoleName=SPOKE_ROLE_NAME,
        PolicyName="device-farm-stop",
        PolicyDocument=json.dumps(spoke_permissions(account_id)),
    )
    return str(role["Role"]["Arn"])


def arrange_members(
    moto_url: str, region: str, members: Sequence[LocalMember], organization: bool
) -> MemberScope:
    """The members' spoke roles, and in organization mode the organization (the hub is its
    management account), one OU and the members' accounts in it."""
    scope = (
        _organization(moto_url, region, members) if organization else MemberScope(tuple(members))
    )
    for member in scope.members:
        require_account_id(member.account_id)
        if member.spoke_role:
            create_spoke_role(moto_url, member.account_id)
    return scope


def _organization(moto_url: str, region: str, members: Sequence[LocalMember]) -> MemberScope:
    organizations = aws_client("organizations", moto_url, region)
    organizations.create_organization(FeatureSet="ALL")
    root = organizations.list_roots()["Roots"][0]["Id"]
    unit = organizations.create_organizational_unit(ParentId=root, Name=ORGANIZATION_UNIT_NAME)
    unit_id = unit["OrganizationalUnit"]["Id"]
    joined = []
    for number, member in enumerate(members):
        status = organizations.create_account(
            Email=f"member-{number}@example.com", AccountName=f"member-{number}"
        )["CreateAccountStatus"]
        account_id = status["AccountId"]
        organizations.move_account(
            AccountId=account_id, SourceParentId=root, DestinationParentId=unit_id
        )
        joined.append(replace(member, account_id=account_id))
    return MemberScope(tuple(joined), unit_id)


def member_environment(scope: MemberScope, sts_url: str, moto_url: str) -> dict[str, str]:
    """The function's settings for the members (names in issue-18-interface.md)."""
    environment = {
        "SPOKE_ROLE_NAME": SPOKE_ROLE_NAME,
        "SPOKE_EXTERNAL_ID": SPOKE_EXTERNAL_ID,
        "AWS_ENDPOINT_URL_STS": sts_url,
        "AWS_ENDPOINT_URL_ORGANIZATIONS": moto_url,
    }
    organization = scope.organization_unit_id is not None
    listed = [m.entry() for m in scope.members if not organization or m.has_own_settings]
    if listed:
        environment["MEMBER_ACCOUNTS"] = json.dumps(listed)
    if scope.organization_unit_id is not None:
        environment["ORGANIZATION_UNIT_IDS"] = scope.organization_unit_id
    return environment
