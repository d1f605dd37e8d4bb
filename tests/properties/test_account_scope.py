"""No input makes the function act in an account out of scope, or in one account with another's
credentials: over every entry point that names a session (the caller and operator routes, stop
commands, direct invokes, forwarded CloudTrail records), with callers, senders and sessions drawn
from the hub, a listed member, an organization unit's account and accounts out of scope.

Device Farm here is a recorder per set of credentials: each call is filed under the account whose
credentials made it (the hub's own, or the spoke role's of a member), so a call made with the
wrong credentials, or in an account out of scope, fails the property instead of passing."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from session_stopper.gateways import account_clients, devicefarm, organization
from session_stopper.gateways.spoke_access import (
    AssumeRoleRefusedError,
    Credentials,
    SpokeAccess,
)
from session_stopper.handler import lambda_handler
from session_stopper.models.arn import arn_parts
from tests.conftest import load_fixture
from tests.properties.conftest import api_request
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.hypothesis_profiles import examples
from tests.support.lambda_context import FakeLambdaContext

pytestmark = pytest.mark.property

HUB, MEMBER, IN_UNIT, UNREACHABLE, OUTSIDE = (
    "123456789012",
    "111111111111",
    "222222222222",
    "333333333333",
    "999999999999",
)
ACCOUNTS = [HUB, MEMBER, IN_UNIT, UNREACHABLE, OUTSIDE]
IN_SCOPE = {HUB, MEMBER, IN_UNIT, UNREACHABLE}


_FRESH = itertools.count()


def session(account: str, index: int) -> str:
    """A session never named before: the idempotency window would answer a repeat unasked."""
    return (
        f"arn:aws:devicefarm:us-west-2:{account}:session:project-{index}/"
        f"session-{next(_FRESH)}/00000"
    )


class Recorder:
    """Device Farm as seen with one account's credentials: answers for any ARN, files the call."""

    def __init__(self, account: str, calls: list[tuple[str, str]]) -> None:
        self.account, self.calls = account, calls

    def _session(self, arn: str, status: str) -> dict[str, Any]:
        self.calls.append((self.account, arn))
        return {"remoteAccessSession": {"arn": arn, "name": "s", "status": status}}

    def get_remote_access_session(self, **params: Any) -> Any:
        return self._session(params["arn"], "RUNNING")

    def stop_remote_access_session(self, **params: Any) -> Any:
        return self._session(params["arn"], "STOPPING")

    def list_remote_access_sessions(self, **params: Any) -> Any:
        self.calls.append((self.account, params["arn"]))
        return {"remoteAccessSessions": []}


class Spokes(SpokeAccess):
    """Credentials per member account, named after it; UNREACHABLE's role cannot be assumed."""

    def __init__(self) -> None:
        super().__init__("spoke", "external")

    def credentials(self, account: str, purpose: str) -> Credentials:
        if account == UNREACHABLE:
            raise AssumeRoleRefusedError(account, "AssumeRole: AccessDenied")
        return Credentials(account, "secret", "token", datetime.now(UTC).timestamp() + 3600)


class Unit(organization.OrganizationAccounts):
    def accounts(self, admit: object = None) -> frozenset[str]:
        return frozenset({IN_UNIT, UNREACHABLE})


@pytest.fixture
def calls(
    outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[list[tuple[str, str]]]:
    made: list[tuple[str, str]] = []
    monkeypatch.setenv("MEMBER_ACCOUNTS", json.dumps([{"id": MEMBER, "dryRun": False}]))
    monkeypatch.setenv("ORGANIZATION_UNIT_IDS", "ou-ab12-cdef3456")
    monkeypatch.setenv("SPOKE_ROLE_NAME", "spoke")
    monkeypatch.setenv("SPOKE_EXTERNAL_ID", "external")
    monkeypatch.setattr(
        devicefarm, "devicefarm_client", lambda _interactive=False: Recorder(HUB, made)
    )
    monkeypatch.setattr(
        account_clients,
        "client_with",
        lambda _i, credentials: Recorder(credentials.access_key_id, made),
    )
    monkeypatch.setattr(account_clients, "spoke_access", lambda _interactive=False: Spokes())
    monkeypatch.setattr("session_stopper.domain.accounts.organization_accounts", Unit)
    reset_function_caches()
    yield made
    reset_function_caches()


def over_api(path: str, arn: str, caller: str) -> dict[str, Any]:
    event = api_request(path, "POST", "application/json", json.dumps({"arn": arn}), False)
    event["requestContext"]["identity"]["accountId"] = caller
    return event


def stop_command(arn: str, sender: str) -> dict[str, Any]:
    event = load_fixture("eventbridge_stop_command.json")
    event.update(account=sender, detail={"arn": arn})
    return event


def cloudtrail_stop(arn: str, sender: str, recipient: str) -> dict[str, Any]:
    return {
        "version": "0",
        "id": "0f2c1d3e-0000-4000-8000-000000000001",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.devicefarm",
        "account": sender,
        "time": "2026-12-06T12:00:00Z",
        "region": "us-west-2",
        "resources": [],
        "detail": {
            "eventSource": "devicefarm.amazonaws.com",
            "eventName": "StopRemoteAccessSession",
            "eventTime": "2026-12-06T12:00:00Z",
            "recipientAccountId": recipient,
            "requestParameters": {"arn": arn},
        },
    }


accounts = st.sampled_from(ACCOUNTS)
entry_points = st.sampled_from(["caller", "operator", "command", "direct", "record"])


@settings(max_examples=examples(60), deadline=None)
@given(
    entry=entry_points,
    owner=accounts,
    asker=accounts,
    recipient=accounts,
    index=st.integers(0, 3),
)
def test_no_input_acts_out_of_scope_or_with_another_accounts_credentials(
    calls: list[tuple[str, str]],
    entry: str,
    owner: str,
    asker: str,
    recipient: str,
    index: int,
) -> None:
    calls.clear()
    arn = session(owner, index)
    event = {
        "caller": lambda: over_api("/sessions/stop", arn, asker),
        "operator": lambda: over_api("/operator/sessions/stop", arn, HUB),
        "command": lambda: stop_command(arn, asker),
        "direct": lambda: {"arn": arn},
        "record": lambda: cloudtrail_stop(arn, asker, recipient),
    }[entry]()

    result = lambda_handler(event, FakeLambdaContext())

    assert isinstance(result, dict)
    for account, called in calls:
        assert account == arn_parts(called).account, "a call with another account's credentials"
        assert account in IN_SCOPE - {UNREACHABLE}
    may_act = (
        owner in IN_SCOPE
        and {
            "caller": asker == owner,
            "operator": True,
            "command": asker == owner,
            "direct": True,
            "record": asker == owner and recipient == owner,
        }[entry]
    )
    if not may_act:
        assert calls == [], (entry, owner, asker)
    elif owner != UNREACHABLE and entry != "record":
        assert (owner, arn) in calls
