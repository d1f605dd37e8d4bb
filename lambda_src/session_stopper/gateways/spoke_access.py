"""Credentials for a member account: its spoke role, assumed through STS and kept until shortly
before they expire (docs/multi-account.md).

The role trusts the hub function's role only, with the deployment's external id. Its session
name says why it was assumed (`session-stopper-<purpose>`), so the member account's CloudTrail
tells a sweep's calls from a timer's. A refusal (no such role, a trust policy that does not name
this function, a wrong external id) becomes AssumeRoleRefusedError: the account is reported, not
skipped in silence, and never reached with the hub's own credentials instead.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from session_stopper.config import settings
from session_stopper.gateways.budgets import budgets_for

if TYPE_CHECKING:
    from mypy_boto3_sts import STSClient

ACCOUNT_NOT_REACHED = "ACCOUNT_NOT_REACHED"
# Credentials are renewed this long before they expire: a call made with them may take a while.
RENEW_BEFORE_SECONDS = 300.0
SESSION_SECONDS = 3600


class AssumeRoleRefusedError(Exception):
    """The account's spoke role could not be assumed; `reason` is STS's code and message."""

    def __init__(self, account: str, reason: str) -> None:
        super().__init__(f"account {account} not reached: {reason}")
        self.account = account
        self.reason = reason


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    secret_access_key: str
    session_token: str
    expires_at: float  # epoch seconds


@functools.cache
def sts_client(interactive: bool = False) -> STSClient:
    """The function's region's STS endpoint (regional, as botocore defaults to)."""
    budget = budgets_for(interactive).sts
    return budget.guarded(boto3.client("sts", config=budget.config()))


class SpokeAccess:
    """Assumes member accounts' spoke roles, one set of credentials per account and purpose,
    shared by every thread of the process."""

    def __init__(
        self,
        role_name: str,
        external_id: str,
        *,
        partition: str = "aws",
        client: STSClient | None = None,
        interactive: bool = False,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._role_name = role_name
        self._external_id = external_id
        self._partition = partition
        self._client = client
        self._interactive = interactive
        self._now = now
        self._lock = threading.Lock()
        self._held: dict[tuple[str, str], Credentials] = {}

    def role_arn(self, account: str) -> str:
        return f"arn:{self._partition}:iam::{account}:role/{self._role_name}"

    def credentials(self, account: str, purpose: str) -> Credentials:
        """Fresh credentials for the account's spoke role; raises AssumeRoleRefusedError."""
        with self._lock:
            held = self._fresh(account, purpose)
            if held is not None:
                return held
            # Assumed under the lock: the sweep's workers would otherwise all assume at once.
            fresh = self._assume(account, purpose)
            self._held[(account, purpose)] = fresh
            return fresh

    def _fresh(self, account: str, purpose: str) -> Credentials | None:
        """The purpose's own credentials; for an API request, any of the account's: its answer
        has room for one AssumeRole (gateways/budgets.py), and an extension reads the session
        and its project's tags through two gateways."""
        purposes = [purpose] + ([] if not self._interactive else sorted(self._purposes(account)))
        for each in purposes:
            held = self._held.get((account, each))
            if held and held.expires_at - RENEW_BEFORE_SECONDS > self._now():
                return held
        return None

    def _purposes(self, account: str) -> set[str]:
        return {purpose for held_account, purpose in self._held if held_account == account}

    def _assume(self, account: str, purpose: str) -> Credentials:
        client = self._client or sts_client(self._interactive)
        try:
            answer: dict[str, Any] = dict(
                client.assume_role(
                    RoleArn=self.role_arn(account),
                    RoleSessionName=f"session-stopper-{purpose}",
                    ExternalId=self._external_id,
                    DurationSeconds=SESSION_SECONDS,
                )
            )
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code") or "Unknown"
            reason = f"AssumeRole {self.role_arn(account)}: {code}: {details.get('Message', '')}"
            raise AssumeRoleRefusedError(account, reason.strip()) from error
        except BotoCoreError as error:
            raise AssumeRoleRefusedError(account, f"AssumeRole: {error}") from error
        granted = answer["Credentials"]
        return Credentials(
            access_key_id=granted["AccessKeyId"],
            secret_access_key=granted["SecretAccessKey"],
            session_token=granted["SessionToken"],
            expires_at=granted["Expiration"].timestamp(),
        )


@functools.cache
def spoke_access(interactive: bool = False) -> SpokeAccess | None:
    """None when the deployment has no member accounts."""
    accounts = settings().accounts
    if not accounts.spoke_role_name:
        return None
    return SpokeAccess(
        accounts.spoke_role_name, accounts.spoke_external_id, interactive=interactive
    )
