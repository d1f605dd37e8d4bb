"""The operator's configuration is the ceiling: what callers, chain tickets and kill switches get
from domain/authority.py, one example at a time (the property tests sample these; an example
names each rule, so a change that breaks one fails here by name)."""

from __future__ import annotations

import pytest

from session_stopper.domain.authority import INVALID_VALUE, Authority
from session_stopper.models.continuation import ChainPolicy
from session_stopper.models.rejection import Rejection
from session_stopper.models.sweep import SweepCommand, SweepPolicy
from tests.support.botocore_samples import ACCOUNT

FLOOR = 30.0


def operator(*, dry_run: bool = False, spares_exempt: bool = False) -> Authority:
    return Authority(
        region="us-west-2",
        account_id=ACCOUNT,
        projects=(),
        dry_run=dry_run,
        default_max_age_minutes=60,
        min_age_minutes=FLOOR,
        kill_switch_spares_exempt=spares_exempt,
    )


def command(**values: object) -> SweepCommand:
    return SweepCommand.model_validate(values)


def frozen(*, max_age: float = 60, dry_run: bool = False, kill_switch: bool = False) -> ChainPolicy:
    return ChainPolicy.model_validate(
        {
            "maxAgeMinutes": max_age,
            "projectArns": [],
            "dryRun": dry_run,
            "killSwitch": kill_switch,
            "byDeadline": False,
        }
    )


def policy(result: SweepPolicy | Rejection) -> SweepPolicy:
    assert isinstance(result, SweepPolicy), result
    return result


# -- the dry-run ceiling -------------------------------------------------------------------------


@pytest.mark.parametrize("asked", [{"dryRun": False}, {"dryRun": True}, {}])
def test_no_sweep_command_lowers_the_operators_dry_run(asked: dict[str, bool]) -> None:
    assert policy(operator(dry_run=True).sweep_policy(command(**asked))).dry_run is True


def test_a_caller_may_still_ask_a_live_deployment_for_a_dry_run() -> None:
    live = operator(dry_run=False)
    assert policy(live.sweep_policy(command(dryRun=True))).dry_run is True
    assert policy(live.sweep_policy(command(dryRun=False))).dry_run is False


def test_no_chain_ticket_lowers_the_operators_dry_run() -> None:
    continued = operator(dry_run=True).continuation_policy(frozen(dry_run=False))
    assert policy(continued).dry_run is True


def test_a_kill_switch_is_held_back_by_the_operators_dry_run() -> None:
    assert operator(dry_run=True).kill_switch_policy().dry_run is True
    assert operator(dry_run=False).kill_switch_policy().dry_run is False


# -- the maxAge floor ----------------------------------------------------------------------------


def test_a_max_age_below_the_floor_is_refused() -> None:
    refused = operator().sweep_policy(command(maxAgeMinutes=FLOOR - 0.5))
    assert isinstance(refused, Rejection)
    assert (refused.code, refused.details[0].field) == (INVALID_VALUE, "maxAgeMinutes")


def test_a_max_age_equal_to_the_floor_is_accepted() -> None:
    accepted = policy(operator().sweep_policy(command(maxAgeMinutes=FLOOR)))
    assert (accepted.max_age_minutes, accepted.by_deadline) == (FLOOR, False)


def test_a_chain_ticket_below_the_floor_is_refused_and_equal_to_it_accepted() -> None:
    refused = operator().continuation_policy(frozen(max_age=FLOOR - 0.5))
    assert isinstance(refused, Rejection)
    assert refused.details[0].field == "policy.maxAgeMinutes"
    assert policy(operator().continuation_policy(frozen(max_age=FLOOR))).max_age_minutes == FLOOR


# -- who names a session or tags a project does not hold a kill switch back ----------------------


def test_a_kill_switch_spares_no_protected_name_or_exempt_project_by_default() -> None:
    assert operator().kill_switch_policy().spares_exempt is False
    assert operator(spares_exempt=True).kill_switch_policy().spares_exempt is True


def test_a_kill_switch_chain_decides_again_from_the_operators_setting() -> None:
    """The ticket carries no such flag: each link asks the operator's configuration."""
    ticket = frozen(max_age=0, kill_switch=True)
    assert policy(operator().continuation_policy(ticket)).spares_exempt is False
    assert policy(operator(spares_exempt=True).continuation_policy(ticket)).spares_exempt is True


def test_every_other_sweep_spares_protected_names_and_exempt_projects() -> None:
    assert policy(operator().sweep_policy(command())).spares_exempt is True
    assert policy(operator().continuation_policy(frozen())).spares_exempt is True
