"""Organization mode: the ACTIVE accounts under the operator's OUs, nested units included, read
with moto's Organizations, kept a while, and an unreadable organization said as such."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from session_stopper.gateways.organization import (
    ORGANIZATION_CACHE_SECONDS,
    QUICK_CALL,
    OrganizationAccounts,
    OrganizationUnreadError,
    WithinDeadline,
)
from session_stopper.gateways.retries import RetryAllowance


@pytest.fixture
def organizations() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")
        client.create_organization(FeatureSet="ALL")
        yield client


def account_in(client: Any, parent: str, name: str) -> str:
    created = client.create_account(Email=f"{name}@example.com", AccountName=name)
    account = created["CreateAccountStatus"]["AccountId"]
    root = client.list_roots()["Roots"][0]["Id"]
    client.move_account(AccountId=account, SourceParentId=root, DestinationParentId=parent)
    return str(account)


def unit(client: Any, parent: str, name: str) -> str:
    return str(
        client.create_organizational_unit(ParentId=parent, Name=name)["OrganizationalUnit"]["Id"]
    )


def test_accounts_under_a_unit_and_its_children_are_members(organizations: Any) -> None:
    root = organizations.list_roots()["Roots"][0]["Id"]
    workloads = unit(organizations, root, "workloads")
    nested = unit(organizations, workloads, "mobile")
    elsewhere = unit(organizations, root, "sandbox")
    direct = account_in(organizations, workloads, "direct")
    deep = account_in(organizations, nested, "deep")
    account_in(organizations, elsewhere, "other")

    found = OrganizationAccounts((workloads,), client=organizations).accounts()

    assert found == {direct, deep}


def test_the_organization_is_read_again_only_after_the_cache_expires(organizations: Any) -> None:
    root = organizations.list_roots()["Roots"][0]["Id"]
    workloads = unit(organizations, root, "workloads")
    first = account_in(organizations, workloads, "first")
    clock = [0.0]
    reader = OrganizationAccounts((workloads,), client=organizations, monotonic=lambda: clock[0])
    assert reader.accounts() == {first}

    later = account_in(organizations, workloads, "later")
    clock[0] = ORGANIZATION_CACHE_SECONDS - 1
    assert reader.accounts() == {first}
    clock[0] = ORGANIZATION_CACHE_SECONDS + 1
    assert reader.accounts() == {first, later}


def test_an_organization_that_cannot_be_read_is_an_error_not_an_empty_scope() -> None:
    with mock_aws():
        client = boto3.client("organizations", region_name="us-east-1")  # no organization
        with pytest.raises(OrganizationUnreadError):
            OrganizationAccounts(("ou-ab12-cdef3456",), client=client).accounts()


def test_within_an_api_request_each_call_must_fit_what_the_request_has_left(
    organizations: Any,
) -> None:
    """A cold cache read inside an API request: every call is admitted against the request's
    allowance first (one attempt, 1.5 s at worst each), and one that does not fit ends the
    read as unread instead of running past API Gateway's 29 s."""
    root = organizations.list_roots()["Roots"][0]["Id"]
    workloads = unit(organizations, root, "workloads")
    member = account_in(organizations, workloads, "member")
    asked: list[float] = []

    def one_call_left(seconds: float) -> bool:
        asked.append(seconds)
        return len(asked) <= 1

    reader = OrganizationAccounts((workloads,), client=organizations)
    with pytest.raises(OrganizationUnreadError, match="no time left"):
        reader.accounts(WithinDeadline(one_call_left))
    assert asked == [QUICK_CALL.worst_case_seconds()] * 2

    plenty = OrganizationAccounts((workloads,), client=organizations)
    assert plenty.accounts(WithinDeadline(lambda _seconds: True)) == {member}


def test_a_request_gets_back_what_its_organization_calls_did_not_use(organizations: Any) -> None:
    """The retry allowance lends each call its worst case (1.5 s) and takes back the rest: a
    4-s extension can read an organization of several units, whose calls take milliseconds."""
    root = organizations.list_roots()["Roots"][0]["Id"]
    workloads = unit(organizations, root, "workloads")
    nested = unit(organizations, workloads, "mobile")
    member = account_in(organizations, nested, "member")
    allowance = RetryAllowance()
    allowance.grant(4.0)

    found = OrganizationAccounts((workloads,), client=organizations).accounts(allowance)

    assert found == {member}, "four calls, each admitted with 1.5 s of a 4-s allowance"
    assert allowance.left() > 3.5
    assert QUICK_CALL.worst_case_seconds() == 1.5
