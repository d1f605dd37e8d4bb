"""Who is calling: access key id -> principal (account and ARN), as IAM would resolve it.

Device Farm answers from the caller's account only: the credentials decide which projects and
sessions are visible, and a call naming another account's resource is refused by IAM, because
Device Farm resources carry no resource-based policy. The emulator does the same, so a function
that uses the wrong account's credentials fails a test instead of passing silently.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from local.devicefarm_emulator.arns import account_of
from local.devicefarm_emulator.errors import AccessDeniedError

HUB_ACCOUNT_ID = "123456789012"
# The keys local callers sign with and that act as the hub: the local stack's function, the
# tests and the CLI ("testing"), the benches ("bench"), and code under moto's mock_aws, which
# replaces the credentials with its own fake key while it is active ("FOOBARKEY").
BASE_ACCESS_KEYS = ("testing", "bench", "FOOBARKEY")
# The local stack's function role (local/aws_resources.py PREFIX + "-function"): the role a
# spoke role's trust policy names. The base keys stand for its Lambda session, which Lambda
# names after the function (local/lambda_runtime.py FUNCTION_NAME).
HUB_FUNCTION_ROLE_NAME = "session-stopper-local-function"
HUB_FUNCTION_NAME = "session-stopper-local"
ACCOUNT_ID = re.compile(r"[0-9]{12}")
# SigV4: `Authorization: AWS4-HMAC-SHA256 Credential=<access key id>/<date>/<region>/...`
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
# Request members that name a project or session the call acts on.
_RESOURCE_MEMBERS = ("arn", "projectArn", "ResourceARN")


def signing_key_id(authorization: str) -> str:
    """The access key id a SigV4 Authorization header names ("" for an unsigned request).
    Signatures are not checked locally: the key id alone says who calls."""
    found = _CREDENTIAL.search(authorization)
    return found.group(1) if found else ""


def function_role_arn(account_id: str = HUB_ACCOUNT_ID) -> str:
    return f"arn:aws:iam::{account_id}:role/{HUB_FUNCTION_ROLE_NAME}"


def function_session_arn(account_id: str = HUB_ACCOUNT_ID) -> str:
    """Who the function is when it calls: its role's session, as STS and IAM name it."""
    return f"arn:aws:sts::{account_id}:assumed-role/{HUB_FUNCTION_ROLE_NAME}/{HUB_FUNCTION_NAME}"


def require_account_id(account_id: str) -> str:
    if not isinstance(account_id, str) or not ACCOUNT_ID.fullmatch(account_id):
        raise ValueError(f"an account id is 12 digits, got {account_id!r}")
    return account_id


@dataclass(frozen=True)
class Principal:
    """The signer of a request: the account it acts in and its ARN (user, role or session)."""

    account_id: str
    arn: str


class CredentialsRegistry:
    """Access key id -> principal. The base keys are the hub's from the start; the local STS
    registers each assumed role's key as it issues it. Thread-safe."""

    def __init__(
        self,
        hub_account_id: str = HUB_ACCOUNT_ID,
        base_keys: Iterable[str] = BASE_ACCESS_KEYS,
        base_principal_arn: str | None = None,
    ) -> None:
        self.hub = Principal(
            require_account_id(hub_account_id),
            base_principal_arn or function_session_arn(hub_account_id),
        )
        self._lock = threading.Lock()
        self._principals = dict.fromkeys(base_keys, self.hub)

    def register(self, access_key_id: str, account_id: str, arn: str) -> Principal:
        """Make `access_key_id` act as `arn` in `account_id` (a key registered again is
        re-pointed, as a re-issued key would be)."""
        if not access_key_id:
            raise ValueError("an access key id is not empty")
        principal = Principal(require_account_id(account_id), arn)
        with self._lock:
            self._principals[access_key_id] = principal
        return principal

    def principal_of(self, access_key_id: str) -> Principal | None:
        """None for a key nobody issued."""
        with self._lock:
            return self._principals.get(access_key_id)

    def known(self) -> Mapping[str, Principal]:
        with self._lock:
            return dict(self._principals)


def require_own_resources(principal: Principal, operation: str, body: Mapping[str, Any]) -> None:
    """IAM's answer to a call naming a project or session of another account: Device Farm
    resources have no resource policy, so nothing grants the cross-account call."""
    for member in _RESOURCE_MEMBERS:
        value = body.get(member)
        if not isinstance(value, str):
            continue
        owner = account_of(value)
        if owner is not None and owner != principal.account_id:
            raise AccessDeniedError(
                f"User: {principal.arn} is not authorized to perform: devicefarm:{operation} "
                f"on resource: {value} because no resource-based policy allows the "
                f"devicefarm:{operation} action"
            )
