"""A chain over several accounts resumes each account where its own lane stopped: the lanes run
side by side, so one resume point for all would leave hundreds of sessions acted on after it,
more than `alreadyDone` may name, and the next link would act on them (publish their SKIPPED)
again."""

from __future__ import annotations

from typing import Any

from session_stopper.domain.sweeps.chain import ChainLink, Progress, resume_plan, ticket_of
from session_stopper.models.continuation import ContinuationEvent
from session_stopper.models.session import RemoteAccessSession

SLOW, FAST = "111111111111", "222222222222"


def arn(account: str, project: str, index: int) -> str:
    return f"arn:aws:devicefarm:us-west-2:{account}:session:{project}/s-{index:04d}/00000"


def sessions(account: str, project: str, count: int) -> list[RemoteAccessSession]:
    return [
        RemoteAccessSession.model_validate({"arn": arn(account, project, i), "status": "RUNNING"})
        for i in range(count)
    ]


def test_each_account_resumes_where_its_lane_stopped_and_nothing_done_is_done_again() -> None:
    # In the chain's order the slow account's project sorts first: one point for all would be
    # its first undone session, with every one of the fast account's 300 after it.
    slow, fast = sessions(SLOW, "a-project", 10), sessions(FAST, "b-project", 300)
    progress = Progress(work=[*slow, *fast], undone={s.arn for s in slow[5:]})

    plan = resume_plan(progress, ChainLink())

    assert plan.point is None
    assert set(plan.by_account) == {SLOW, FAST}
    assert len(plan.already_done) <= 2
    following = ChainLink(
        resume_by_account={a: p.key() for a, p in plan.by_account.items()},
        already_done=frozenset(plan.already_done),
    )
    assert [s.arn for s in [*slow, *fast] if following.wants(s.arn)] == [s.arn for s in slow[5:]]


def test_one_account_resumes_as_before_with_one_point() -> None:
    work = sessions(SLOW, "a-project", 10)
    plan = resume_plan(Progress(work=work, undone={s.arn for s in work[4:]}), ChainLink())
    assert plan.by_account == {}
    assert plan.point is not None
    assert plan.point.session_id == "s-0004"


def test_the_per_account_points_travel_in_the_event_and_its_ticket() -> None:
    event: dict[str, Any] = {
        "action": "continueSweep",
        "chainId": "0f2c1d3e-0000-4000-8000-000000000001",
        "link": 2,
        "previousSweepId": "0f2c1d3e-0000-4000-8000-000000000002",
        "correlationId": "c",
        "trigger": {"kind": "schedule", "id": "rule"},
        "selectedAt": "2026-12-06T12:00:00.000000Z",
        "policy": {
            "maxAgeMinutes": 60,
            "projectArns": [],
            "dryRun": True,
            "killSwitch": False,
            "byDeadline": True,
        },
        "resumeFrom": None,
        "resumeByAccount": {SLOW: {"projectId": "a-project", "sessionId": "s-0005"}},
        "alreadyDone": [],
        "totals": {"links": 1},
    }
    link = ChainLink.of(ContinuationEvent.model_validate(event))

    assert link.wants(arn(SLOW, "a-project", 5))
    assert not link.wants(arn(SLOW, "a-project", 4))
    assert link.wants(arn(FAST, "b-project", 0)), "an account not named starts from the top"
    altered = {
        **event,
        "resumeByAccount": {SLOW: {"projectId": "a-project", "sessionId": "s-0009"}},
    }
    assert ticket_of(altered) != ticket_of(event)
