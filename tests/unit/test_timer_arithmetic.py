"""Deadlines and budgets: pure arithmetic, checked at its edges."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest

from session_stopper.domain.session_budgets import (
    BUDGET_TAG,
    EXEMPT_TAG,
    BudgetBounds,
    budget_from_tags,
)
from session_stopper.domain.timers.schedules import deadline_of, hard_limit

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
    budget = budget_from_tags(
        tags, BudgetBounds(default_minutes=60, least_minutes=1, most_minutes=150)
    )
    assert (budget.minutes, budget.source) == (minutes, source)


# The operator's: a default of 60, the sweep floor of 30, tags at most 90 minutes.
OPERATOR = BudgetBounds(default_minutes=60, least_minutes=30, most_minutes=90)


@pytest.mark.parametrize(
    ("tag", "minutes", "source"),
    [
        ("1", 30, "clampedTag"),  # a colleague's session is not stopped a minute after it starts
        ("29", 30, "clampedTag"),
        ("30", 30, "tag"),
        ("90", 90, "tag"),
        ("91", 90, "clampedTag"),
        ("150", 90, "clampedTag"),
        ("0", 60, "default"),  # not a budget at all: the default stands, as before
    ],
)
def test_a_tags_budget_is_held_within_the_operators_bounds(
    tag: str, minutes: int, source: str
) -> None:
    budget = budget_from_tags({BUDGET_TAG: tag}, OPERATOR)
    assert (budget.minutes, budget.source) == (minutes, source)


def test_a_clamped_tag_is_logged_with_what_it_asked_and_what_it_got(
    caplog: pytest.LogCaptureFixture,
) -> None:
    budget_from_tags({BUDGET_TAG: "1"}, OPERATOR)

    [record] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "clamped" in record.getMessage()
    assert (record.__dict__["asked_minutes"], record.__dict__["budget_minutes"]) == (1, 30)


def test_the_exempt_tag_is_not_a_budget_to_clamp() -> None:
    assert budget_from_tags({EXEMPT_TAG: "true", BUDGET_TAG: "1"}, OPERATOR).exempt
