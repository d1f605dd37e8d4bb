"""Property: whatever extensions an owner asks for, and whenever, GET /sessions tells the truth
about them: the deadline in force is the latest one granted (else the budget's), extendedMinutes
is how far that is past the budget's, extendedTo the latest granted, and warningAt exactly when
the pending warning schedule fires (none once its time has passed).

One session with a 15-minute budget, armed by its CloudTrail record, then a generated run of
extensions (some refused: past the operator's maximum) as its clock moves on; no schedule fires
(the session stays running, overdue extensions start from now). Through the real handler, on
moto's Scheduler and DynamoDB and the emulator.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from hypothesis import event as tally
from hypothesis import given, settings
from hypothesis import strategies as st

from session_stopper.domain.timers.schedules import deadline_of
from tests.integration.timer_support import (
    Schedules,
    created_at,
    created_event,
    enable_timers,
    frozen_clock,
    invoke,
)
from tests.properties.conftest import Harness, api_request
from tests.support.caches import reset_function_caches
from tests.support.emulated import SessionSpec
from tests.support.hypothesis_profiles import examples

pytestmark = pytest.mark.property

BUDGET_MINUTES = 15
WARNING_LEAD = timedelta(minutes=5)  # the function's default

extensions = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=25 * 60),  # seconds the clock moves on first
        st.integers(min_value=1, max_value=45),  # the extension's minutes
    ),
    min_size=1,
    max_size=5,
)


@pytest.fixture
def short_budget(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> Harness:
    monkeypatch.setenv("SWEEP_MAX_AGE_MINUTES", str(BUDGET_MINUTES))
    enable_timers(monkeypatch, harness.sink.region)
    reset_function_caches()
    return harness


def _extend(arn: str, minutes: int, now: datetime) -> datetime | None:
    """The deadline granted, None when refused."""
    body = json.dumps({"arn": arn, "minutes": minutes})
    with frozen_clock(now):
        answer = invoke(api_request("/sessions/extend", "POST", "application/json", body, False))
    tally(f"extend {answer['statusCode']}")
    if answer["statusCode"] != 200:
        return None
    return datetime.fromisoformat(json.loads(answer["body"])["deadline"])


def _row(arn: str, now: datetime) -> dict[str, Any]:
    with frozen_clock(now):
        answer = invoke(api_request("/sessions", "GET", None, None, False))
    assert answer["statusCode"] == 200
    body = json.loads(answer["body"])
    assert body["extensionsUnread"] is None
    [row] = [row for row in body["sessions"] if row["arn"] == arn]
    return dict(row)


def _instant(value: Any) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


@settings(max_examples=examples(15))
@given(plan=extensions)
def test_the_view_shows_the_latest_deadline_granted_and_the_warning_before_it(
    short_budget: Harness, plan: list[tuple[int, int]]
) -> None:
    [arn] = short_budget.fresh([SessionSpec("alpha", 1, "owner-decides")])
    session = short_budget.world.emulator.get_session(arn)
    budget_deadline = deadline_of(created_at(session), BUDGET_MINUTES)
    now = created_at(session) + timedelta(minutes=1)
    with frozen_clock(now):
        invoke(created_event(session, with_arn=True))
    schedules = Schedules(short_budget.sink.region)
    granted: datetime | None = None

    for seconds, minutes in plan:
        now += timedelta(seconds=seconds)
        new = _extend(arn, minutes, now)
        granted = new if new is not None else granted
        in_force = granted or budget_deadline

        row = _row(arn, now)

        assert _instant(row["deadline"]) == in_force
        assert _instant(row["extendedTo"]) == granted
        past_budget = (in_force - budget_deadline).total_seconds() / 60
        assert row["extendedMinutes"] == pytest.approx(past_budget, abs=0.05)
        warning = in_force - WARNING_LEAD
        if warning > now:
            assert _instant(row["warningAt"]) == warning == schedules.warning(arn).at
        else:
            tally("warning time passed")
            assert row["warningAt"] is None
