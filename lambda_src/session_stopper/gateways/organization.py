"""The accounts of the operator's organization units (ORGANIZATION_UNIT_IDS), read with the
Organizations API from the management or a delegated administrator account, and kept a while:
an account moved into a unit is in scope within ORGANIZATION_CACHE_SECONDS, and a sweep does not
read the organization once per session."""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, TypeVar

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.gateways.budgets import CallBudget, budgets_for

if TYPE_CHECKING:
    from mypy_boto3_organizations import OrganizationsClient

ORGANIZATION_CACHE_SECONDS = 900.0
Page = TypeVar("Page")
# Read within an API request: one attempt per call, each admitted only if its worst case fits
# what the request has left (its retry allowance, or its sweep's deadline), so a cold cache
# never takes an answer past API Gateway's 29 s. Events and sweeps read patiently.
QUICK_CALL = CallBudget(attempts=1, connect_timeout=0.5, read_timeout=1.0)


class Admit(Protocol):
    """What lets a call start within an API request: its retry allowance (which takes back
    what a call did not use), or an adapter around a sweep's deadline."""

    def reserve(self, seconds: float) -> bool: ...

    def settle(self, reserved: float, spent: float) -> None: ...


@dataclass(frozen=True)
class WithinDeadline:
    """Admits a call while its worst case ends before the deadline's reserve."""

    admits: Callable[[float], bool]

    def reserve(self, seconds: float) -> bool:
        return self.admits(seconds)

    def settle(self, reserved: float, spent: float) -> None:
        """The deadline counts real time: nothing to give back."""


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

    def accounts(self, admit: Admit | None = None) -> frozenset[str]:
        """`admit`: within an API request, what may start (None: an event or a sweep, which
        reads patiently). Raises OrganizationUnreadError when the organization cannot be read
        and nothing read before is still fresh."""
        with self._lock:
            fresh = self._monotonic() - self._read_at < ORGANIZATION_CACHE_SECONDS
            if self._known is None or not fresh:
                self._known = self._read(admit)
                self._read_at = self._monotonic()
            return self._known

    def _read(self, admit: Admit | None) -> frozenset[str]:
        client = self._client or _client(quick=admit is not None)
        try:
            return frozenset(
                account
                for unit in self._unit_ids
                for account in self._under(client, unit, admit or _PATIENT)
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            raise OrganizationUnreadError(
                f"{details.get('Code', 'Unknown')}: {details.get('Message', '')}"
            ) from error
        except BotoCoreError as error:
            raise OrganizationUnreadError(str(error)) from error

    def _under(self, client: OrganizationsClient, unit: str, admit: Admit) -> Iterator[str]:
        accounts = client.get_paginator("list_accounts_for_parent").paginate(ParentId=unit)
        for listed in _admitted(accounts, admit):
            yield from (a["Id"] for a in listed["Accounts"] if a.get("Status") == "ACTIVE")
        children = client.get_paginator("list_children").paginate(
            ParentId=unit, ChildType="ORGANIZATIONAL_UNIT"
        )
        for page in _admitted(children, admit):
            for child in page["Children"]:
                yield from self._under(client, child["Id"], admit)


def _admitted(pages: Iterable[Page], admit: Admit) -> Iterator[Page]:
    """Each page's call starts only when `admit` lets its worst case start; what the call did
    not use goes back."""
    iterator = iter(pages)
    worst = QUICK_CALL.worst_case_seconds()
    while admit.reserve(worst):
        started = time.monotonic()
        page = next(iterator, None)
        admit.settle(worst, time.monotonic() - started)
        if page is None:
            return
        yield page
    raise OrganizationUnreadError("no time left in this request to read the organization")


_PATIENT = WithinDeadline(lambda _seconds: True)


def _client(*, quick: bool) -> OrganizationsClient:
    # A patient reader is as patient as STS: both come before an account can be reached.
    budget = QUICK_CALL if quick else budgets_for(False).sts
    return boto3.client("organizations", config=budget.config())


@functools.cache
def organization_accounts(units: tuple[str, ...]) -> OrganizationAccounts | None:
    """The process's reader of these units; None when there are none."""
    return OrganizationAccounts(units) if units else None
