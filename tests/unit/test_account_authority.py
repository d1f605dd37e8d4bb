"""Who may make the hub act in which account: the operator's scope first, then the caller's own
account, then what a forwarded record says of itself."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from session_stopper.account_settings import AccountsSettings
from session_stopper.config import Settings
from session_stopper.domain.accounts import AccountScope
from session_stopper.domain.authority import OUT_OF_SCOPE, Authority
from session_stopper.gateways.organization import OrganizationAccounts, OrganizationUnreadError
from session_stopper.models.account import MemberAccount
from session_stopper.models.cloudtrail import CloudTrailRecord

HUB, MEMBER, OTHER, IN_UNIT = "123456789012", "111111111111", "999999999999", "333333333333"


def session(account: str) -> str:
    return f"arn:aws:devicefarm:us-west-2:{account}:session:project-1/session-1/00000"


def project(account: str) -> str:
    return f"arn:aws:devicefarm:us-west-2:{account}:project:project-1"


class Units(OrganizationAccounts):
    def __init__(self, accounts: frozenset[str] | None) -> None:
        super().__init__(("ou-ab12-cdef3456",))
        self.found = accounts

    def accounts(self, admit: object = None) -> frozenset[str]:
        if self.found is None:
            raise OrganizationUnreadError("AccessDeniedException: not the management account")
        return self.found


def hub(*, hub_in_scope: bool = True, units: Units | None = None) -> Authority:
    settings = Settings(
        outcome_topic_arn="t",
        outcome_dlq_url="q",
        idempotency_table_name="i",
        devicefarm_account_id=HUB,
        accounts=AccountsSettings(
            members=(MemberAccount(id=MEMBER),),
            organization_unit_ids=("ou-ab12-cdef3456",) if units else (),
            hub_in_scope=hub_in_scope,
            spoke_role_name="spoke",
            spoke_external_id="external",
        ),
    )
    return Authority(
        region="us-west-2",
        account_id=HUB,
        projects=(),
        dry_run=False,
        default_max_age_minutes=60,
        min_age_minutes=30,
        scope=AccountScope(settings, units),
    )


def test_the_hub_and_its_listed_members_are_in_scope_and_no_other_account() -> None:
    authority = hub()
    assert authority.session_refusal(session(HUB)) is None
    assert authority.session_refusal(session(MEMBER)) is None
    refused = authority.session_refusal(session(OTHER))
    assert refused is not None
    assert refused.code == OUT_OF_SCOPE
    assert OTHER in refused.message


def test_the_hub_can_be_taken_out_of_its_own_scope() -> None:
    authority = hub(hub_in_scope=False)
    assert authority.session_refusal(session(HUB)) is not None
    assert authority.session_refusal(session(MEMBER)) is None


def test_an_organization_units_accounts_are_in_scope_while_it_can_be_read() -> None:
    assert hub(units=Units(frozenset({IN_UNIT}))).session_refusal(session(IN_UNIT)) is None
    # Unread, the organization adds nothing: fail closed, the listed accounts still served.
    unread = hub(units=Units(None))
    assert unread.session_refusal(session(IN_UNIT)) is not None
    assert unread.session_refusal(session(MEMBER)) is None


@pytest.mark.parametrize(
    ("caller", "owner", "allowed"),
    [
        (HUB, HUB, True),
        (MEMBER, MEMBER, True),
        (MEMBER, HUB, False),  # a member's caller cannot stop the hub's sessions
        (HUB, MEMBER, False),  # nor a hub caller a member's: that is the operator route
        (None, HUB, False),  # an unsigned request has no account
        (OTHER, OTHER, False),  # its own, but out of scope
    ],
)
def test_a_caller_stops_sessions_of_their_own_account_only(
    caller: str | None, owner: str, allowed: bool
) -> None:
    refusal = hub().caller_refusal(caller, session(owner))
    assert (refusal is None) is allowed
    if refusal:
        assert refusal.code == OUT_OF_SCOPE


@pytest.mark.parametrize(
    ("sender", "owner", "allowed"),
    [(MEMBER, MEMBER, True), (MEMBER, HUB, False), (HUB, MEMBER, False), (OTHER, OTHER, False)],
)
def test_a_stop_command_acts_in_its_sending_account_only(
    sender: str, owner: str, allowed: bool
) -> None:
    assert (hub().sender_refusal(sender, session(owner)) is None) is allowed


def record(**fields: Any) -> CloudTrailRecord:
    return CloudTrailRecord.model_validate(
        {
            "eventSource": "devicefarm.amazonaws.com",
            "eventName": "CreateRemoteAccessSession",
            "eventTime": datetime(2026, 12, 6, tzinfo=UTC).isoformat(),
            **fields,
        }
    )


@pytest.mark.parametrize(
    ("sender", "fields", "allowed"),
    [
        (
            MEMBER,
            {"recipientAccountId": MEMBER, "requestParameters": {"projectArn": project(MEMBER)}},
            True,
        ),
        (MEMBER, {"requestParameters": {"projectArn": project(MEMBER)}}, True),
        # A member forwarding a record about the hub's project, or claiming another recipient.
        (MEMBER, {"requestParameters": {"projectArn": project(HUB)}}, False),
        (
            MEMBER,
            {"recipientAccountId": HUB, "requestParameters": {"projectArn": project(MEMBER)}},
            False,
        ),
        (MEMBER, {"requestParameters": {"arn": session(HUB)}}, False),
        (MEMBER, {"responseElements": {"remoteAccessSession": {"arn": session(HUB)}}}, False),
        (OTHER, {"requestParameters": {"projectArn": project(OTHER)}}, False),
    ],
)
def test_a_forwarded_record_must_be_about_its_sending_account(
    sender: str, fields: dict[str, Any], allowed: bool
) -> None:
    refusal = hub().record_refusal(sender, record(**fields))
    assert (refusal is None) is allowed
    if refusal:
        assert refusal.code == OUT_OF_SCOPE
