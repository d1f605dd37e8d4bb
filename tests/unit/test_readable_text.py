"""The email text and subject of every message: says what happened, to which session, why and
what to do next; bounded; and a Subject SNS accepts."""

from __future__ import annotations

import json
import re

import pytest
from pydantic import BaseModel

from session_stopper.domain.rendering import email_of, story_of
from session_stopper.domain.rendering.email import SUBJECT_MAX, TEXT_MAX
from session_stopper.models.outcome import Outcome, Trigger, TriggerKind
from session_stopper.models.sweep import ListingFailure, PlannedSession, SweepAction
from session_stopper.models.timer import TimerStatus
from tests.unit.message_samples import (
    ARN,
    OTHER_ARN,
    PROJECT,
    every_message,
    outcome,
    session,
    sweep_summary,
    timer,
)

PRICE = 0.17
# SNS: starts with a letter, digit or punctuation mark; no line breaks or control characters;
# less than 100 characters. Printable ASCII is what every mail client shows.
VALID_SUBJECT = re.compile(r"[!-~][ -~]{0,98}", re.ASCII)
MESSAGES = every_message()


def email(message: BaseModel) -> tuple[str, str]:
    text = email_of(story_of(message, PRICE))
    return text.subject, text.body


@pytest.mark.parametrize("name", sorted(MESSAGES))
def test_every_message_has_a_valid_subject_and_a_bounded_text(name: str) -> None:
    subject, body = email(MESSAGES[name])

    assert VALID_SUBJECT.fullmatch(subject), subject
    assert len(subject) <= SUBJECT_MAX
    assert 0 < len(body) <= TEXT_MAX
    assert "What to do next:" in body
    assert MESSAGES[name].correlation_id in body  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "subject", "says"),
    [
        ("stopped", "STOPPED checkout-flow (Pixel 8)", ["was stopped", "$10.37", "61.0 min"]),
        ("stopped-by-timer", "STOPPED checkout-flow (Pixel 8)", ["expiry timer", "12.5 s"]),
        ("stopped-by-alarm", "STOPPED checkout-flow (Pixel 8)", ["alarm qa-lab-budget"]),
        ("already-ended", "ALREADY_ENDED checkout-flow (Pixel 8)", ["had already ended"]),
        (
            "failed",
            "FAILED checkout-flow (Pixel 8): LimitExceededException",
            ["could not be stopped", "Rate exceeded", "throttled"],
        ),
        (
            "skipped-dry-run",
            "SKIPPED checkout-flow (Pixel 8): DRY_RUN",
            ["dry run", "make deploy CONTEXT='-c sweepDryRun=false'", "POST /sessions/stop"],
        ),
        ("skipped-protected", "SKIPPED keep-perf (Pixel 8): PROTECTED", ["protected-name"]),
    ],
)
def test_an_outcome_says_what_happened_to_which_session_and_why(
    name: str, subject: str, says: list[str]
) -> None:
    got_subject, body = email(MESSAGES[name])

    assert got_subject == subject
    assert body.splitlines()[0].startswith("Device Farm session")
    for words in [ARN, "Google Pixel 8 (ANDROID 14)", *says]:
        assert words in body, words


def test_a_failed_stop_says_how_to_stop_it_by_hand() -> None:
    _, body = email(MESSAGES["failed"])

    assert f"aws devicefarm stop-remote-access-session --region us-west-2 --arn {ARN}" in body
    assert json.dumps({"arn": ARN}) in body


@pytest.mark.parametrize(
    ("name", "subject", "says"),
    [
        ("not-found", "NOT_FOUND ", ["knows no session", "NotFoundException", ARN]),
        (
            "rejected",
            "REJECTED eventbridge request: INVALID_ARN",
            ["refused", "event-9", "Sent as ARN: arn:aws:devicefarm:bogus\\u202e (whole, escaped)"],
        ),
        ("failed-listing", "FAILED listing project ", ["could not list", PROJECT]),
        ("skipped-exempt", "SKIPPED ", ["session-stopper:exempt=true", ARN]),
        ("skipped-alarm-expired", "SKIPPED (no session): ALARM_EXPIRED", ["too late"]),
    ],
)
def test_an_outcome_without_a_session_still_names_what_it_is_about(
    name: str, subject: str, says: list[str]
) -> None:
    got_subject, body = email(MESSAGES[name])

    assert got_subject.startswith(subject)
    for words in says:
        assert words in body, words


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_sweep_summary_lists_its_sessions_with_their_reasons_and_the_listing_failures(
    dry_run: bool,
) -> None:
    subject, body = email(sweep_summary(dry_run=dry_run))

    assert subject == (
        "Sweep (dry run): would stop 1, skipped 1 (PROTECTED), 1 listing failed"
        if dry_run
        else "Sweep: stopped 1, skipped 1 (PROTECTED), 1 listing failed"
    )
    listed = body.split("Sessions it", 1)[1]
    for words in ["forgotten-debug", ARN, "past its deadline", "$12.75 so far"]:
        assert words in listed, words
    assert "keep-perf-baseline" in listed
    assert OTHER_ARN in listed
    assert "skipped: PROTECTED" in listed
    failures = body.split("Could not list", 1)[1]
    assert "AccessDeniedException" in failures
    assert "99999999-2222" in failures
    if dry_run:
        assert "would have stopped 1 session; it stopped nothing" in body
        assert "would stop: past its deadline (dry run)" in listed
        assert "make deploy CONTEXT='-c sweepDryRun=false'" in body
    else:
        assert "The sweep stopped 1 session." in body
        assert "about $12.75 saved" in body


def test_a_sweep_that_yielded_says_so() -> None:
    from session_stopper.models.sweep import RunningSweep  # noqa: PLC0415

    running = RunningSweep(
        sweep_id="other", trigger_kind="api", trigger_id="r", started_at="2026-11-28T02:59:00Z"
    )
    summary = sweep_summary(dry_run=False).model_copy(update={"yielded_to": running})

    subject, body = email(summary)

    assert subject == "Sweep yielded to a sweep already running"
    assert "another sweep (other" in body


@pytest.mark.parametrize("status", list(TimerStatus))
def test_a_timer_message_says_its_status(status: TimerStatus) -> None:
    subject, body = email(MESSAGES[f"timer-{status.value.lower()}"])

    assert subject.startswith(f"Timer {status.value}")
    assert PROJECT in body


def test_a_warning_says_when_and_how_to_extend_with_the_exact_request() -> None:
    subject, body = email(MESSAGES["warning"])

    assert subject == "WARNING checkout-flow (Pixel 8) stops in 5 min"
    assert "will be stopped in 5 min, at 03:05 UTC" in body
    assert "54.0 min, about $9.18" in body
    assert "POST /sessions/extend" in body
    assert json.dumps({"arn": ARN, "minutes": 15}) in body  # the exact body to send
    assert "by at most 60 min" in body
    assert f"dfss extend {ARN} --minutes 15" in body  # or the same with the CLI


def test_a_warning_that_cannot_be_extended_says_so() -> None:
    _, body = email(MESSAGES["warning-not-extendable"])

    assert "cannot be extended" in body
    assert "POST /sessions/extend" not in body


def test_an_extension_says_from_when_to_when() -> None:
    subject, body = email(MESSAGES["extended"])

    assert subject == "EXTENDED checkout-flow (Pixel 8) +10 min, to 03:10 UTC"
    assert "Deadline:        2026-11-28 03:10:00 UTC" in body
    assert "Was:             2026-11-28 03:00:00 UTC" in body
    assert "at most until 04:00 UTC" in body


def test_a_session_name_cannot_fake_a_line_or_break_the_subject() -> None:
    evil = session("x\nOutcome: FAILED\r\n\u202etxt.exe\x00", status="RUNNING")
    subject, body = email(outcome(Outcome.STOPPED, session=evil))

    assert VALID_SUBJECT.fullmatch(subject), subject
    assert not any(line.startswith("Outcome:") for line in body.splitlines())
    assert "\u202e" not in body
    assert "\x00" not in body


def test_a_subject_is_ascii_whatever_the_name() -> None:
    named = session("café-テスト-" + "long" * 40)
    subject, _ = email(outcome(Outcome.STOPPED, session=named))

    assert VALID_SUBJECT.fullmatch(subject), subject
    assert subject.startswith("STOPPED cafe-???-long")
    assert subject.endswith("...")


def test_a_huge_sweep_summary_is_bounded_and_says_how_many_more() -> None:
    planned = [
        PlannedSession(
            arn=ARN.replace("00000", f"{n:05d}"),
            name="n" * 2_048,
            device="d" * 2_048,
            platform="ANDROID",
            status="RUNNING",
            age_minutes=80.0,
            cost_so_far_usd=13.6,
            action=SweepAction.STOP,
            reason="SELECTED",
        )
        for n in range(100)
    ]
    summary = sweep_summary(dry_run=False).model_copy(
        update={"sessions": planned, "sessions_not_listed": 400}
    )

    subject, body = email(summary)

    assert VALID_SUBJECT.fullmatch(subject)
    assert len(body) <= TEXT_MAX
    assert "and 460 more sessions" in body  # 40 listed of the 100, and 400 beyond those
    assert "n" * 200 not in body  # a name is cut to be read


def test_a_text_beyond_its_bound_is_cut_and_says_where_the_rest_is() -> None:
    failures = [
        ListingFailure(
            operation="ListRemoteAccessSessions",
            project_arn=PROJECT,
            code="Boom",
            message="m" * 2_000,
        )
    ] * 40
    summary = sweep_summary(dry_run=False).model_copy(update={"listing_failures": failures})

    _, body = email(summary)

    assert len(body) <= TEXT_MAX
    assert body.endswith("[cut here: the whole message is the JSON on the topic]")


@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("tag", "30 min (the project's tag)"),
        ("clampedTag", "30 min (the project's tag, held within the operator's bounds)"),
        ("default", "30 min (the default)"),
    ],
)
def test_a_timer_says_where_its_budget_came_from(source: str, said: str) -> None:
    message = timer().model_copy(update={"budget_source": source})

    _, body = email(message)

    assert re.search(rf"^Budget: +{re.escape(said)}$", body, re.MULTILINE)


@pytest.mark.parametrize(
    ("selection", "max_age", "words"),
    [
        ("deadline", 60.0, "active sessions past their deadline (budget 60 min"),
        ("age", 45.0, "active sessions older than 45 min"),
        ("killSwitch", 0.0, "every active session (kill switch)"),
    ],
)
def test_a_sweep_summary_says_how_it_chose_its_sessions(
    selection: str, max_age: float, words: str
) -> None:
    summary = sweep_summary(dry_run=False).model_copy(
        update={"selection": selection, "max_age_minutes": max_age}
    )
    _, body = email(summary)
    assert words in body


@pytest.mark.parametrize(
    ("outcomes", "words"), [({"STOPPED": 2, "FAILED": 1}, "FAILED 1, STOPPED 2"), ({}, "none")]
)
def test_a_sweep_summary_counts_its_outcomes(outcomes: dict[str, int], words: str) -> None:
    _, body = email(sweep_summary(dry_run=False).model_copy(update={"outcomes": outcomes}))
    [line] = [line for line in body.splitlines() if line.startswith("Outcomes:")]
    assert line.split(":", 1)[1].strip() == words


def test_a_sweep_that_stopped_nothing_says_so_in_its_subject() -> None:
    summary = sweep_summary(dry_run=False).model_copy(update={"outcomes": {"FAILED": 1}})
    subject, _ = email(summary)
    assert subject == "Sweep: stopped 0, skipped 1 (PROTECTED), failed 1, 1 listing failed"


def test_a_dry_run_that_would_stop_nothing_says_so_in_its_subject() -> None:
    summary = sweep_summary(dry_run=True).model_copy(update={"skipped": {"PROTECTED": 1}})
    subject, _ = email(summary)
    assert subject == "Sweep (dry run): would stop 0, skipped 1 (PROTECTED), 1 listing failed"


def test_a_sweep_with_listing_failures_says_what_happens_next() -> None:
    _, body = email(sweep_summary(dry_run=False))
    assert "The next sweep lists those projects again" in body
    _, body = email(sweep_summary(dry_run=False).model_copy(update={"listing_failures": []}))
    assert "The next sweep lists those projects again" not in body


@pytest.mark.parametrize(
    ("kind", "advised"),
    [(TriggerKind.EXPIRY, True), (TriggerKind.SCHEDULE, True), (TriggerKind.API, False)],
)
def test_an_automatic_stop_says_how_to_give_the_project_longer(
    kind: TriggerKind, advised: bool
) -> None:
    """Only a stop the deployment decided invites a budget tag; one a person asked for does not."""
    message = outcome(Outcome.STOPPED, trigger=Trigger(kind=kind, id="t-1"))
    _, body = email(message)
    assert ("session-stopper:max-minutes" in body) is advised


def test_an_armed_timer_says_its_budget_and_where_it_came_from() -> None:
    _, body = email(MESSAGES["timer-armed"])
    [line] = [line for line in body.splitlines() if line.startswith("Budget:")]
    assert line.split(":", 1)[1].strip() == "30 min (the project's tag)"


def test_an_outcome_says_when_its_session_started() -> None:
    _, body = email(outcome(Outcome.STOPPED))
    [line] = [line for line in body.splitlines() if line.startswith("Started:")]
    assert line.split(":", 1)[1].strip() == "2026-11-28 01:59:00 UTC"
