"""The operator's age floor (SWEEP_MIN_AGE_MINUTES) bounds what a sweep may ask, inclusively: a
caller may ask for exactly the floor, never for less, in a first sweep or in a continuation."""

from __future__ import annotations

import pytest

from session_stopper.domain.authority import Authority
from session_stopper.models.continuation import ChainPolicy
from session_stopper.models.rejection import Rejection
from session_stopper.models.sweep import SweepCommand, SweepPolicy

FLOOR = 30.0
AUTHORITY = Authority(
    region="us-west-2",
    account_id="123456789012",
    projects=(),
    dry_run=False,
    default_max_age_minutes=60,
    min_age_minutes=FLOOR,
)


@pytest.mark.parametrize(("asked", "granted"), [(FLOOR, True), (FLOOR - 0.5, False)])
def test_a_sweep_may_ask_for_exactly_the_floor_and_no_less(asked: float, granted: bool) -> None:
    policy = AUTHORITY.sweep_policy(SweepCommand.model_validate({"maxAgeMinutes": asked}))
    if granted:
        assert isinstance(policy, SweepPolicy)
        assert policy.max_age_minutes == asked
    else:
        assert isinstance(policy, Rejection)
        assert policy.details[0].field == "maxAgeMinutes"


@pytest.mark.parametrize(("asked", "granted"), [(FLOOR, True), (FLOOR - 0.5, False)])
def test_a_continuation_may_carry_exactly_the_floor_and_no_less(
    asked: float, granted: bool
) -> None:
    frozen = ChainPolicy.model_validate(
        {
            "maxAgeMinutes": asked,
            "projectArns": [],
            "dryRun": False,
            "killSwitch": False,
            "byDeadline": False,
        }
    )
    policy = AUTHORITY.continuation_policy(frozen)
    assert isinstance(policy, SweepPolicy) is granted
