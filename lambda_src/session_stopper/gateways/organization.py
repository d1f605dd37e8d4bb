"""The accounts of the operator's organization units (ORGANIZATION_UNIT_IDS), read with the
Organizations API from the management or a delegated administrator account, and kept a while:
an account moved into a unit is in scope within ORGANIZATION_CACHE_SECONDS, and a sweep does not
read the organization once per session."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.gateways.budgets import budgets_for

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient

ORGANIZATION_CACHE_SECONDS = 900.0


class OrganizationUnreadError(Exception):
    """The organization could not be read: the accounts it would add are unknown."""


class OrganizationAccounts:
    """ACTIVE accounts under the given units, directly or in units beneath them."""

    def __init__(
        self,
        unit_ids: tuple[str, ...],
        client: OrganizationsClient | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._unit_ids = unit_ids
        self._client = client
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._known: frozenset[str] | None = None
        self._read_at = 0.0

    def accounts(self) -> frozenset[str]:
        """Raises OrganizationUnreadError when the organization cannot be read and nothing
        read before is still fresh."""
        with self._lock:
            fresh = self._monotonic() - self._read_at < ORGANIZATION_CACHE_SECONDS
            if self._known is None or not fresh:
                self._known = self._read()
                self._read_at = self._monotonic()
            return self._known

    def _read(self) -> frozenset[str]:
        # As patient as STS: both are read before an account can be reached at all.
        client = self._client or boto3.client(
            "organizations", config=budgets_for(False).sts.config()
        )
        try:
            return frozenset(
                account for unit in self._unit_ids for account in self._under(client, unit)
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            raise OrganizationUnreadError(
                f"{details.get('Code', 'Unknown')}: {details.get('Message', '')}"
            ) from error
        except BotoCoreError as error:
            raise OrganizationUnreadError(str(error)) from error

    def _under(self, client: OrganizationsClient, unit: str) -> Iterator[str]:
        accounts = client.get_paginator("list_accounts_for_parent").paginate(ParentId=unit)
        for listed in accounts:
            yield from (a["Id"] for a in listed["Accounts"] if a.get("Status") == "ACTIVE")
        children = client.get_paginator("list_children").paginate(
            ParentId=unit, ChildType="ORGANIZATIONAL_UNIT"
        )
        for page in children:
            for child in page["Children"]:
                yield from self._under(client, child["Id"])


@functools.cache
def organization_accounts(units: tuple[str, ...]) -> OrganizationAccounts | None:
    """The process's reader of these units; None when there are none."""
    return OrganizationAccounts(units) if units else None
