"""Deadlines and budgets: pure arithmetic, checked at its edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from session_stopper.domain.session_budgets import BUDGET_TAG, EXEMPT_TAG, budget_from_tags
from session_stopper.domain.timers import deadline_of, hard_limit

CREATED = datetime(2026, 11, 28, 2, 0, 0, 250_000, tzinfo=UTC)


def test_a_deadline_is_rounded_up_to_the_second_schedules_can_express() -> None:
    assert deadline_of(CREATED, 60) == datetime(2026, 11, 28, 3, 0, 1, tzinfo=UTC)
    whole = CREATED.replace(microsecond=0)
    assert deadline_of(whole, 60) == whole + timedelta(minutes=60)


def test_no_deadline_passes_device_farms_150_minutes() -> None:
    assert deadline_of(CREATED, 150) == hard_limit(CREATED)
    assert hard_limit(CREATED) <= CREATED + timedelta(minutes=150)


@pytest.mark.parametrize(
    ("tags", "minutes", "source"),
    [
        ({}, 60, "default"),
        ({BUDGET_TAG: "30"}, 30, "tag"),
        ({BUDGET_TAG: " 150 "}, 150, "tag"),
        ({BUDGET_TAG: "0"}, 60, "default"),
        ({BUDGET_TAG: "1e2"}, 60, "default"),
        ({BUDGET_TAG: "\u0663\u0660"}, 60, "default"),  # Arabic-Indic digits are not 30
        ({EXEMPT_TAG: "True", BUDGET_TAG: "30"}, None, "tag"),
        ({EXEMPT_TAG: "yes"}, 60, "default"),
    ],
)
def test_a_budget_comes_from_the_tags_or_the_default(
    tags: dict[str, str], minutes: int | None, source: str
) -> None:
    budget = budget_from_tags(tags, default_minutes=60)
    assert (budget.minutes, budget.source) == (minutes, source)
