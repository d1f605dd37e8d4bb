"""Member accounts come from the operator's configuration only, read strictly: an account joins
in dry run, a member's values never lift the hub's dry run, and a bad value stops the function
with a message that says which."""

from __future__ import annotations

import json

import pytest

from session_stopper.config import ConfigurationError, load_settings
from tests.unit.test_config import REQUIRED

HUB = REQUIRED["DEVICE_FARM_ACCOUNT_ID"]
MEMBER = "111111111111"
SPOKE = {"SPOKE_ROLE_NAME": "session-stopper-spoke", "SPOKE_EXTERNAL_ID": "a-long-external-id"}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name, value in {**REQUIRED, **SPOKE}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def members(env: pytest.MonkeyPatch, *entries: object) -> None:
    env.setenv("MEMBER_ACCOUNTS", json.dumps(list(entries)))


def test_no_member_accounts_is_the_hub_alone(env: pytest.MonkeyPatch) -> None:
    accounts = load_settings().accounts
    assert not accounts.has_members
    assert accounts.hub_in_scope


def test_an_account_joins_in_dry_run(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWEEP_DRY_RUN", "false")
    members(env, {"id": MEMBER})
    settings = load_settings()
    assert settings.rules_for(MEMBER).dry_run
    assert not settings.rules_for(HUB).dry_run
    # An account found in an organization unit, not listed, joins the same way.
    assert settings.rules_for("222222222222").dry_run


def test_a_members_own_values_apply_to_its_sessions_only(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWEEP_DRY_RUN", "false")
    env.setenv("PROTECTED_NAME_PATTERN", "keep-.*")
    members(
        env,
        {"id": MEMBER, "dryRun": False, "maxSessionMinutes": 30, "protectedNamePattern": "x-.*"},
    )
    settings = load_settings()
    member, hub = settings.rules_for(MEMBER), settings.rules_for(HUB)
    assert (member.dry_run, member.max_session_minutes) == (False, 30)
    assert member.protected_name_pattern is not None
    assert member.protected_name_pattern.pattern == "x-.*"
    assert (hub.max_session_minutes, hub.protected_name_pattern.pattern) == (60, "keep-.*")  # type: ignore[union-attr]


def test_the_hubs_dry_run_is_the_ceiling_of_every_account(env: pytest.MonkeyPatch) -> None:
    members(env, {"id": MEMBER, "dryRun": False})  # SWEEP_DRY_RUN unset: on
    assert load_settings().rules_for(MEMBER).dry_run


@pytest.mark.parametrize(
    ("entries", "words"),
    [
        ([{"id": MEMBER, "dryrun": False}], "dryrun"),  # a misspelt key is refused
        ([{"id": MEMBER, "dryRun": "false"}], "dryRun"),  # no coercion
        ([{"id": MEMBER, "maxSessionMinutes": "30"}], "maxSessionMinutes"),
        ([{"id": MEMBER, "maxSessionMinutes": 151}], "maxSessionMinutes"),
        ([{"id": "11111111111\u0661"}], "12 digits"),  # an Arabic-Indic digit
        ([{"id": 111111111111}], "id"),
        ([{"id": MEMBER}, {"id": MEMBER}], "twice"),
        ([{"id": MEMBER, "protectedNamePattern": "("}], "regular expression"),
        ({"id": MEMBER}, "list"),
    ],
)
def test_a_bad_member_account_stops_the_function_with_a_clear_message(
    env: pytest.MonkeyPatch, entries: object, words: str
) -> None:
    env.setenv("MEMBER_ACCOUNTS", json.dumps(entries))
    with pytest.raises(ConfigurationError, match="MEMBER_ACCOUNTS") as raised:
        load_settings()
    assert words in str(raised.value)


def test_members_need_the_spoke_role_and_its_external_id(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("MEMBER_ACCOUNTS", json.dumps([{"id": MEMBER}]))
    with pytest.raises(ConfigurationError, match="SPOKE_ROLE_NAME"):
        load_settings()
    monkeypatch.setenv("SPOKE_ROLE_NAME", "spoke")
    with pytest.raises(ConfigurationError, match="SPOKE_EXTERNAL_ID"):
        load_settings()


@pytest.mark.parametrize("unit", ["ou-ab12-cdef3456", "r-ab12"])
def test_organization_units_and_roots_are_accepted(env: pytest.MonkeyPatch, unit: str) -> None:
    env.setenv("ORGANIZATION_UNIT_IDS", f"{unit}, {unit}")
    assert load_settings().accounts.organization_unit_ids == (unit,)


@pytest.mark.parametrize("unit", ["ou-AB12-cdef3456", "o-ab12cd34ef", "ou-ab12-cdef3456/ou-x"])
def test_anything_else_is_not_an_organization_unit(env: pytest.MonkeyPatch, unit: str) -> None:
    env.setenv("ORGANIZATION_UNIT_IDS", unit + ",")
    with pytest.raises(ConfigurationError, match="ORGANIZATION_UNIT_IDS"):
        load_settings()


def test_operator_projects_may_be_in_a_listed_member_account(env: pytest.MonkeyPatch) -> None:
    members(env, {"id": MEMBER})
    project = f"arn:aws:devicefarm:us-west-2:{MEMBER}:project:p1"
    env.setenv("SWEEP_PROJECT_ARNS", project)
    assert load_settings().sweep_project_arns == (project,)
    env.setenv("SWEEP_PROJECT_ARNS", project.replace(MEMBER, "222222222222"))
    with pytest.raises(ConfigurationError, match="SWEEP_PROJECT_ARNS"):
        load_settings()


def test_the_hubs_own_entry_keeps_the_hubs_dry_run_unless_it_says_otherwise(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("SWEEP_DRY_RUN", "false")
    members(env, {"id": HUB, "maxSessionMinutes": 90}, {"id": MEMBER})
    settings = load_settings()
    assert not settings.rules_for(HUB).dry_run
    assert settings.rules_for(HUB).max_session_minutes == 90
    members(env, {"id": HUB, "dryRun": True})
    assert load_settings().rules_for(HUB).dry_run


def test_a_members_budget_is_never_under_the_operators_floor(env: pytest.MonkeyPatch) -> None:
    env.setenv("SWEEP_MIN_AGE_MINUTES", "30")
    members(env, {"id": MEMBER, "maxSessionMinutes": 5})
    with pytest.raises(ConfigurationError, match="maxSessionMinutes"):
        load_settings()


def test_out_of_scope_hub_projects_are_refused_at_start(env: pytest.MonkeyPatch) -> None:
    """Without the hub in scope, the operator's projects may not name the hub's: a sweep or a
    kill switch would otherwise act there while every caller is refused."""
    members(env, {"id": MEMBER})
    env.setenv("HUB_ACCOUNT_IN_SCOPE", "false")
    env.setenv("SWEEP_PROJECT_ARNS", f"arn:aws:devicefarm:us-west-2:{HUB}:project:p1")
    with pytest.raises(ConfigurationError, match="SWEEP_PROJECT_ARNS"):
        load_settings()
