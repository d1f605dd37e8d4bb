"""Which Device Farm client speaks for which account: the function's own credentials for the
hub's account, the spoke role's for a member's. Every call picks its client by the account in
the ARN it names, so no input can make a call in one account with another's credentials."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import boto3

from session_stopper.config import settings
from session_stopper.gateways.budgets import budgets_for
from session_stopper.gateways.spoke_access import (
    AssumeRoleRefusedError,
    Credentials,
    SpokeAccess,
    spoke_access,
)

if TYPE_CHECKING:
    from mypy_boto3_devicefarm import DeviceFarmClient


def client_with(interactive: bool, credentials: Credentials | None) -> DeviceFarmClient:
    """A Device Farm client with the function's own credentials (None) or a spoke role's.

    Device Farm exists only in us-west-2, so the region is explicit whatever region runs us.
    """
    current = settings()
    budget = budgets_for(interactive).devicefarm
    config = budget.config(
        region_name=current.devicefarm_region,
        max_pool_connections=max(10, current.sweep_workers * 2),
    )
    if credentials is None:
        return budget.guarded(boto3.client("devicefarm", config=config))
    return budget.guarded(
        boto3.client(
            "devicefarm",
            config=config,
            aws_access_key_id=credentials.access_key_id,
            aws_secret_access_key=credentials.secret_access_key,
            aws_session_token=credentials.session_token,
        )
    )


class MemberClients:
    """Clients for member accounts; `purpose` names the spoke role's session
    (gateways/spoke_access.py). A client is rebuilt when its account's credentials are."""

    def __init__(
        self, interactive: bool = False, purpose: str = "stop", access: SpokeAccess | None = None
    ) -> None:
        self._interactive = interactive
        self._purpose = purpose
        self._access = access
        self._lock = threading.Lock()
        self._members: dict[str, tuple[str, DeviceFarmClient]] = {}  # by account: key id, client

    def client_for(self, account: str) -> DeviceFarmClient:
        """Raises AssumeRoleRefusedError when the account's role cannot be assumed."""
        access = self._access or spoke_access(self._interactive)
        if access is None:
            raise AssumeRoleRefusedError(account, "this deployment has no member accounts")
        credentials = access.credentials(account, self._purpose)
        with self._lock:
            held = self._members.get(account)
            if held is None or held[0] != credentials.access_key_id:
                held = (credentials.access_key_id, client_with(self._interactive, credentials))
                self._members[account] = held
            return held[1]
