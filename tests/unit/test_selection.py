"""Which sessions a sweep acts on, decided from the sessions, the policy and the time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from session_stopper.domain.selection import (
    DRY_RUN,
    PROTECTED,
    age_minutes,
    metered_minutes_saved,
    select,
    skip_reason,
)
from session_stopper.models.outcome import SessionSummary
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import SweepPolicy
from tests.support.botocore_samples import session_arn

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def session(number: int, status: str = "RUNNING", **times: float | None) -> RemoteAccessSession:
    """`times` are minutes before NOW for `created` and `started` (None leaves it out)."""
    fields = {name: NOW - timedelta(minutes=m) for name, m in times.items() if m is not None}
    return RemoteAccessSession.model_validate(
        {"arn": session_arn(number), "name": f"s{number}", "status": status, **fields}
    )


def policy(max_age: float = 60, kill_switch: bool = False) -> SweepPolicy:
    return SweepPolicy(
        max_age_minutes=max_age, project_arns=(), dry_run=False, kill_switch=kill_switch
    )


def test_age_counts_from_started_else_created_else_zero() -> None:
    assert age_minutes(NOW - timedelta(minutes=30), NOW - timedelta(minutes=90), NOW) == 30
    assert age_minutes(None, NOW - timedelta(minutes=90), NOW) == 90
    assert age_minutes(None, None, NOW) == 0


def test_a_session_waiting_for_a_device_is_aged_from_its_creation() -> None:
    waiting = session(1, "PENDING_CONCURRENCY", created=75, started=None)
    assert select([waiting], policy(60), NOW) == [waiting]


@pytest.mark.parametrize("status", ["COMPLETED", "STOPPING"])
def test_ended_sessions_are_never_selected(status: str) -> None:
    ended = session(1, status, created=200, started=199)
    assert select([ended], policy(kill_switch=True), NOW) == []


def test_older_than_means_strictly_older() -> None:
    sessions = [session(1, started=59.9), session(2, started=60), session(3, started=60.1)]
    assert [s.name for s in select(sessions, policy(60), NOW)] == ["s3"]


def test_the_kill_switch_ignores_age() -> None:
    sessions = [session(1, started=0.5), session(2, created=1, started=None)]
    assert select(sessions, policy(60, kill_switch=True), NOW) == sessions


def test_an_unknown_status_counts_as_active() -> None:
    # AWS may add a state; stopping a session we cannot classify beats billing it for hours.
    assert select([session(1, "HIBERNATING", started=90)], policy(60), NOW) != []


@pytest.mark.parametrize(
    ("name", "dry_run", "reason"),
    [
        ("keep-me", False, PROTECTED),
        ("keep-me", True, PROTECTED),
        ("ci", True, DRY_RUN),
        ("ci", False, None),
    ],
)
def test_skip_reasons(name: str, dry_run: bool, reason: str | None) -> None:
    candidate = RemoteAccessSession.model_validate({"arn": session_arn(), "name": name})
    assert skip_reason(candidate, re.compile("keep-.*"), dry_run) == reason


@pytest.mark.parametrize(
    "name", ["x-keep-me", "keep-me-not", "keep-me\n", "keep-me\nci", "Keep-me", "ci"]
)
def test_the_protected_pattern_must_match_the_whole_name(name: str) -> None:
    """A creator who puts the operator's word anywhere in a name (or after a newline) does not
    get protection: the pattern names whole names, as if anchored at both ends."""
    candidate = RemoteAccessSession.model_validate({"arn": session_arn(), "name": name})
    assert skip_reason(candidate, re.compile("keep-me"), dry_run=False) is None


def test_a_pattern_that_matches_only_the_start_of_a_name_protects_nothing() -> None:
    """`^keep-` was a search before: with whole-name matching it protects only "keep-"."""
    candidate = RemoteAccessSession.model_validate({"arn": session_arn(), "name": "keep-me"})
    assert skip_reason(candidate, re.compile("^keep-"), dry_run=False) is None
    assert skip_reason(candidate, re.compile("keep-.*"), dry_run=False) == PROTECTED


def test_a_nameless_session_is_never_protected() -> None:
    nameless = RemoteAccessSession.model_validate({"arn": session_arn()})
    assert skip_reason(nameless, re.compile(".*"), dry_run=False) is None


@pytest.mark.parametrize(
    ("billing", "started", "saved"),
    [("METERED", 100, 50), ("METERED", 170, 0), ("UNMETERED", 10, 0)],
)
def test_minutes_saved_count_what_was_left_of_150_on_metered_sessions(
    billing: str, started: float, saved: float
) -> None:
    summary = SessionSummary(
        arn=session_arn(), billing_method=billing, started=NOW - timedelta(minutes=started)
    )
    assert metered_minutes_saved(summary, NOW) == pytest.approx(saved)
