"""The hub-and-spoke settings (issue 18): refused before any construct is built unless exactly
well formed, each error naming its key and what it wants. No synth."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.context_values import ConfigError
from infra.member_accounts import MemberAccount, member_accounts_json
from tests.infra.test_config import load

MEMBER = "111122223333"
EXTERNAL = "session-stopper-7f3a"


def refused(**overrides: Any) -> ConfigError:
    with pytest.raises(ConfigError) as raised:
        load(**overrides)
    return raised.value


def with_members(*members: Any, **more: Any) -> dict[str, Any]:
    return {"memberAccounts": list(members), "spokeExternalId": EXTERNAL, **more}


def test_defaults_are_one_account() -> None:
    config = load()
    assert config.is_multi_account is False
    assert config.account_scope.members == ()
    assert config.account_scope.organization_unit_ids == ()
    assert config.account_scope.hub_account_in_scope is True


def test_a_member_joins_in_dry_run_with_the_hub_s_settings() -> None:
    config = load(**with_members({"id": MEMBER}))
    assert config.is_multi_account
    assert config.account_scope.members == (MemberAccount(MEMBER),)
    assert member_accounts_json(config.account_scope.members) == (
        f'[{{"id":"{MEMBER}","dryRun":true}}]'
    )
    assert config.spoke_role_name == "session-stopper-dev-spoke"
    assert config.function_role_name == "session-stopper-dev-function"


def test_members_and_units_arrive_from_the_command_line_as_json_and_commas() -> None:
    """`cdk synth -c` hands every value over as a string."""
    config = load(
        memberAccounts=json.dumps([{"id": MEMBER, "dryRun": False, "maxSessionMinutes": 45}]),
        organizationUnitIds="ou-ab12-11111111, r-ab12",
        organizationId="o-a1b2c3d4e5",
        hubAccountInScope="false",
        spokeExternalId=EXTERNAL,
    )
    scope = config.account_scope
    assert scope.members == (MemberAccount(MEMBER, dry_run=False, max_session_minutes=45),)
    assert scope.organization_unit_ids == ("ou-ab12-11111111", "r-ab12")
    assert scope.hub_account_in_scope is False


@pytest.mark.parametrize(
    ("account_id", "why"),
    [
        ("11112222333", "11 digits"),
        ("1111222233334", "13 digits"),
        ("\uff11" * 12, "fullwidth digits: Unicode, not ASCII"),
        ("111122223333\n", "a final newline"),
        (111122223333, "a number, not a string"),
        ("aws-account1", "letters"),
    ],
)
def test_an_account_id_is_exactly_twelve_ascii_digits(account_id: Any, why: str) -> None:
    error = refused(**with_members({"id": account_id}))
    assert error.key == "memberAccounts", why
    assert "'id' must be an AWS account id: exactly 12 digits 0-9" in str(error), why


def test_an_unknown_key_in_an_entry_is_refused_by_name() -> None:
    error = refused(**with_members({"id": MEMBER, "dryrun": False}))
    assert str(error) == (
        "cdk.json context 'memberAccounts': entry has unknown key(s) dryrun; allowed: dryRun, "
        f"id, maxSessionMinutes, protectedNamePattern (got {{'id': '{MEMBER}', 'dryrun': False}})"
    )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"dryRun": False}, "every entry needs an 'id'"),
        (MEMBER, "every entry must be an object"),
        # A string "false" is a typo that must not start live stops.
        ({"id": MEMBER, "dryRun": "false"}, f"'dryRun' of {MEMBER} must be true or false"),
        ({"id": MEMBER, "maxSessionMinutes": 151}, "from 1 to 150"),
        ({"id": MEMBER, "maxSessionMinutes": 0}, "from 1 to 150"),
        ({"id": MEMBER, "maxSessionMinutes": True}, "from 1 to 150"),
        ({"id": MEMBER, "maxSessionMinutes": 30.5}, "from 1 to 150"),
        ({"id": MEMBER, "protectedNamePattern": "keep-("}, "is not a valid regular expression"),
        ({"id": MEMBER, "protectedNamePattern": 7}, "must be a regular expression"),
    ],
)
def test_every_entry_value_is_checked(entry: Any, message: str) -> None:
    error = refused(**with_members(entry))
    assert error.key == "memberAccounts"
    assert message in str(error)


def test_an_account_listed_twice_is_refused() -> None:
    error = refused(**with_members({"id": MEMBER}, {"id": MEMBER, "dryRun": False}))
    assert "must not list an account twice" in str(error)


def test_too_many_members_for_the_function_s_environment() -> None:
    members = [{"id": f"{index:012d}", "protectedNamePattern": "keep-.*"} for index in range(60)]
    error = refused(**with_members(*members))
    assert "too long for the function's environment" in str(error)
    assert "organizationUnitIds" in str(error)


def test_members_need_the_external_id() -> None:
    error = refused(memberAccounts=[{"id": MEMBER}])
    assert error.key == "spokeExternalId"
    assert "is required with memberAccounts or organizationUnitIds" in str(error)
    assert refused(organizationUnitIds=["ou-ab12-11111111"]).key == "spokeExternalId"


@pytest.mark.parametrize("external_id", ["x", "has space", "ünïcode", "a" * 1225, "tab\there"])
def test_the_external_id_has_sts_s_characters_and_length(external_id: str) -> None:
    error = refused(**with_members({"id": MEMBER}, spokeExternalId=external_id))
    assert error.key == "spokeExternalId"
    assert "2-1224 characters" in str(error)


@pytest.mark.parametrize(
    "unit", ["ou-ab12", "OU-AB12-11111111", "r-", "o-a1b2c3d4e5", "ou-ab12-1111111"]
)
def test_organization_units_have_organizations_id_patterns(unit: str) -> None:
    error = refused(
        organizationUnitIds=[unit], organizationId="o-a1b2c3d4e5", spokeExternalId=EXTERNAL
    )
    assert error.key == "organizationUnitIds"
    assert "organizational unit id (ou-xxxx-yyyyyyyy) or a root id (r-xxxx)" in str(error)


def test_units_need_the_organization_id() -> None:
    error = refused(organizationUnitIds=["ou-ab12-11111111"], spokeExternalId=EXTERNAL)
    assert error.key == "organizationId"
    assert "aws:PrincipalOrgID" in str(error)
    bad = refused(
        organizationUnitIds=["r-ab12"], organizationId="o-short", spokeExternalId=EXTERNAL
    )
    assert bad.key == "organizationId"


@pytest.mark.parametrize(
    ("key", "value"),
    [("organizationId", "o-a1b2c3d4e5"), ("spokeExternalId", EXTERNAL)],
)
def test_hub_settings_without_members_are_refused_not_ignored(key: str, value: str) -> None:
    error = refused(**{key: value})
    assert error.key == key
    assert "has no use without memberAccounts or organizationUnitIds" in str(error)


def test_the_hub_cannot_leave_itself_alone_out_of_scope() -> None:
    error = refused(hubAccountInScope=False)
    assert error.key == "hubAccountInScope"
    assert "no account would be left in scope" in str(error)
    assert load(**with_members({"id": MEMBER}, hubAccountInScope=False)).is_multi_account
