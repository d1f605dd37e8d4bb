"""The chain's decisions: when it ends, where the next link resumes, what its event may say."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from session_stopper.config import Settings
from session_stopper.domain.authority import Authority
from session_stopper.domain.sweeps.chain import (
    ChainLink,
    Progress,
    add_totals,
    chain_end,
    resume_after,
    session_key,
    ticket_of,
)
from session_stopper.models.chain import MAX_LINKS, ChainEnd, ChainTotals
from session_stopper.models.continuation import ChainPolicy, ContinuationEvent, ResumePoint
from session_stopper.models.rejection import Rejection
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import SweepPolicy

ACCOUNT = "123456789012"
PREFIX = f"arn:aws:devicefarm:us-west-2:{ACCOUNT}"
CHAIN_ID = "5d0f1c9e-4f8a-4c1e-9a53-2f7f0e6b8d21"


def arn(project: str, session: str) -> str:
    return f"{PREFIX}:session:{project}/{session}/00000"


def session(project: str, name: str) -> RemoteAccessSession:
    return RemoteAccessSession.model_validate({"arn": arn(project, name), "status": "RUNNING"})


@pytest.mark.parametrize(
    ("link", "work_left", "progress", "interactive", "end"),
    [
        (1, False, 0, False, ChainEnd.DONE),
        (3, False, 5, False, ChainEnd.DONE),
        (1, True, 10, False, None),
        (MAX_LINKS - 1, True, 1, False, None),
        (MAX_LINKS, True, 10, False, ChainEnd.LINK_CAP),
        (2, True, 0, False, ChainEnd.NO_PROGRESS),
        (1, True, 0, False, ChainEnd.NO_PROGRESS),
        # An API sweep's ~9 s may all go on listing; its continuation gets the whole timeout.
        (1, True, 0, True, None),
    ],
)
def test_when_the_chain_ends(
    link: int, work_left: bool, progress: int, interactive: bool, end: ChainEnd | None
) -> None:
    position = ChainLink(link=link, interactive=interactive)
    assert chain_end(position, work_left=work_left, progress=progress) is end


def test_a_chain_cannot_outgrow_its_cap_whatever_it_is_sent() -> None:
    """The cap is in the event's schema too: a link beyond it is refused as input."""
    ContinuationEvent.model_validate(_event(link=MAX_LINKS))
    with pytest.raises(ValidationError):
        ContinuationEvent.model_validate(_event(link=MAX_LINKS + 1))


def test_out_of_time_the_next_link_resumes_at_the_first_session_not_started() -> None:
    work = [session("a", "s1"), session("a", "s2"), session("b", "s1")]
    progress = Progress(work=work, undone={work[1].arn, work[2].arn})

    point, done = resume_after(progress, ChainLink())

    assert point is not None
    assert point.key() == session_key(work[1].arn)
    assert done == []
    assert ChainLink(resume_from=point.key()).wants(work[0].arn) is False
    assert ChainLink(resume_from=point.key()).wants(work[2].arn) is True


def test_paced_out_the_sessions_finished_after_the_resume_point_are_named() -> None:
    work = [session("a", f"s{n}") for n in range(5)]
    progress = Progress(work=work, undone={work[1].arn, work[3].arn})

    point, done = resume_after(progress, ChainLink(already_done=frozenset({work[4].arn})))

    assert point is not None
    assert point.key() == session_key(work[1].arn)
    assert done == sorted([work[2].arn, work[4].arn])
    nxt = ChainLink(resume_from=point.key(), already_done=frozenset(done))
    assert [s.arn for s in work if nxt.wants(s.arn)] == [work[1].arn, work[3].arn]


def test_projects_not_reached_resume_at_the_first_of_them() -> None:
    work = [session("a", "s1")]
    progress = Progress(work=work, projects_not_reached=[f"{PREFIX}:project:c"])

    point, done = resume_after(progress, ChainLink())

    assert point == ResumePoint(project_id="c")
    assert done == []
    nxt = ChainLink(resume_from=point.key())
    assert not nxt.reaches(f"{PREFIX}:project:b")
    assert nxt.reaches(f"{PREFIX}:project:c")
    assert nxt.wants(arn("c", "any"))


def test_everything_acted_on_resumes_past_the_last_one() -> None:
    """Only timers were left (the sweep's backstop): no session is acted on twice."""
    work = [session("a", "s1"), session("a", "s2")]

    point, done = resume_after(Progress(work=work), ChainLink())

    nxt = ChainLink(resume_from=point.key() if point else None, already_done=frozenset(done))
    assert [s.arn for s in work if nxt.wants(s.arn)] == []


def test_a_link_that_got_nowhere_resumes_where_it_did() -> None:
    before = ChainLink(resume_from=("b", "s", "1"), already_done=frozenset({arn("b", "t")}))

    point, done = resume_after(Progress(projects_not_reached=["*"]), before)

    assert point is not None
    assert point.key() == ("b", "s", "1")
    assert done == [arn("b", "t")]


def test_totals_add_up_link_by_link() -> None:
    first = add_totals(
        None,
        link=1,
        outcomes={"STOPPED": 2},
        skipped={},
        device_minutes=10.5,
        savings_usd=1.25,
    )
    second = add_totals(
        first,
        link=2,
        outcomes={"STOPPED": 1, "SKIPPED": 1},
        skipped={"PROTECTED": 1},
        device_minutes=4.25,
        savings_usd=0.5,
    )
    assert second == ChainTotals(
        links=2,
        outcomes={"STOPPED": 3, "SKIPPED": 1},
        skipped={"PROTECTED": 1},
        device_minutes_stopped=14.75,
        estimated_savings_usd=1.75,
    )


def _event(**changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "action": "continueSweep",
        "chainId": CHAIN_ID,
        "link": 2,
        "previousSweepId": CHAIN_ID,
        "correlationId": "c-1",
        "trigger": {"kind": "schedule", "id": "rule"},
        "selectedAt": "2026-11-28T03:04:05.123456Z",
        "policy": {
            "maxAgeMinutes": 60,
            "projectArns": [],
            "dryRun": False,
            "killSwitch": False,
            "byDeadline": True,
        },
        "resumeFrom": {"projectId": "a", "sessionId": "s", "jobId": "00000"},
        "alreadyDone": [],
        "totals": {"links": 1, "outcomes": {"STOPPED": 10}},
    }
    event.update(changes)
    return event


def test_the_event_round_trips_to_the_same_ticket() -> None:
    event = _event()
    parsed = ContinuationEvent.model_validate(event)

    assert ChainLink.of(parsed).ticket == ticket_of(parsed.model_dump(mode="json"))
    assert ChainLink.of(parsed).selected_at == datetime(2026, 11, 28, 3, 4, 5, 123456, UTC)
    changed = ContinuationEvent.model_validate(_event(link=3))
    assert ChainLink.of(changed).ticket != ChainLink.of(parsed).ticket


@pytest.mark.parametrize(
    "changes",
    [
        {"link": True},
        {"link": "2"},
        {"chainId": CHAIN_ID + "\n"},
        {"chainId": CHAIN_ID.upper()},
        {"selectedAt": "2026-11-28T03:04:05.123456+00:00"},
        {"policy": {**_event()["policy"], "dryRun": 0}},
        {"policy": {**_event()["policy"], "maxAgeMinutes": float("nan")}},
        {"totals": {"links": 1, "outcomes": {"stopped": 1}}},
        {"resumeFrom": {"projectId": "a/b"}},
        {"resumeFrom": {"projectId": "a\n"}},
        {"alreadyDone": [arn("a", "s")] * 257},
        {"extra": 1},
    ],
)
def test_the_event_is_strict(changes: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        ContinuationEvent.model_validate(_event(**changes))


def _authority(*, dry_run: bool = False, projects: tuple[str, ...] = ()) -> Authority:
    settings = Settings(
        outcome_topic_arn="t",
        outcome_dlq_url="q",
        idempotency_table_name="d",
        devicefarm_account_id=ACCOUNT,
        sweep_project_arns=projects,
        sweep_dry_run=dry_run,
    )
    return Authority.of(settings)


def _policy(**changes: Any) -> ChainPolicy:
    return ChainPolicy.model_validate({**_event()["policy"], **changes})


def test_the_operators_dry_run_still_caps_a_chain() -> None:
    policy = _authority(dry_run=True).continuation_policy(_policy())
    assert isinstance(policy, SweepPolicy)
    assert policy.dry_run


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"projectArns": [f"{PREFIX}:project:other"]}, "OUT_OF_SCOPE"),
        ({"projectArns": []}, "OUT_OF_SCOPE"),  # "all" is wider than the operator's one
        ({"projectArns": [f"{PREFIX}:project:mine"], "maxAgeMinutes": 5}, "INVALID_VALUE"),
    ],
)
def test_a_chain_may_not_exceed_the_operators_configuration(
    changes: dict[str, Any], code: str
) -> None:
    authority = _authority(projects=(f"{PREFIX}:project:mine",))
    refusal = authority.continuation_policy(_policy(**changes))
    assert isinstance(refusal, Rejection)
    assert refusal.code == code
