"""A sweep whose work outlasts its invocation continues in the next one, right away.

At Device Farm's 1 stop/s a 15-minute function makes about 800 stops, and an API sweep (29 s)
about 10. A sweep that leaves work undone because its time ran out, or because its pacing
allowance refused to wait for Device Farm's next token (an API sweep), invokes the function
asynchronously with a continuation event and says so in its summary (`continuation.nextLink`).
The links form a chain, identified by the first sweep's id, that ends:

- DONE: a link left nothing undone;
- LINK_CAP: the chain has MAX_LINKS links (the first sweep is link 1);
- NO_PROGRESS: a link acted on nothing (no session, no timer) although work was left: the next
  would do the same. Not on the first link of an API sweep, whose ~5 s may all go on listing
  while its continuation has the whole function timeout;
- INVOKE_FAILED: the next link could not be started (the next scheduled sweep has the rest).

The last link's summary carries the chain's totals: the one place that reports the chain.

**What the next link is given: the frozen selection and a resume point, not ARN lists.** Every
link lists again, as of the chain's first "now" (`selectedAt`) and with its first policy (age,
scope, dry run, kill switch), so the selection is the first sweep's and does not grow while the
chain runs; sessions stopped meanwhile, by the chain or anyone, are no longer active and drop out
by themselves. Every link works in one order: projects by id, sessions by (project id, session
id, job id); so "where to resume" is one key, and sessions before it were acted on (a protected
session skipped in link 1 is not skipped, and published, again in link 2). The few acted on
after it (the workers still in flight when the pacer refused the first stop) are named in
`alreadyDone`. Why not ship the ARNs left undone: a kill switch over thousands of sessions would
outgrow Lambda's asynchronous payload, ARNs carry nothing the next link could judge them by
without reading them again, and projects that were never listed have no ARNs to ship.

**The lock.** One sweep at a time still holds: the link hands its lease to the next link instead
of releasing it, as a ticket (sha256 of the continuation event) that only that exact event can
take, even past the handoff lease if no other sweep took the lock meanwhile. Until then every
other sweep yields to the chain (a kill switch still takes over, as from any routine sweep). A
continuation without its ticket (a forged or altered event, a replay, or a lock another sweep
took) does nothing and is REJECTED: a direct invoke cannot forge a kill switch through it.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from session_stopper.gateways.invoker import FunctionInvoker
from session_stopper.models.chain import MAX_LINKS, ChainEnd, ChainTotals
from session_stopper.models.continuation import (
    MAX_ALREADY_DONE,
    ContinuationEvent,
    ResumePoint,
    parse_instant,
)
from session_stopper.models.session import RemoteAccessSession

# How long a handed-off lease keeps other sweeps away while the next link starts (Lambda starts
# an asynchronous invoke within seconds; a later one still takes its ticket if no other sweep
# took the lock). Beyond it the next scheduled sweep may take the lock and the rest.
HANDOFF_LEASE_SECONDS = 300.0
ALL_PROJECTS = "*"  # in projectsNotReached: the project list itself was not read

Key = tuple[str, str, str]


def session_key(arn: str) -> Key:
    """The order every link works in: (project id, session id, job id) of a session ARN."""
    project_id, session_id, job_id = arn.rsplit(":", 1)[1].split("/")
    return (project_id, session_id, job_id)


def project_key(arn: str) -> Key:
    """A project sorts before each of its sessions, and after those of every smaller id."""
    return (arn.rsplit(":", 1)[1], "", "")


def ticket_of(payload: Mapping[str, Any]) -> str:
    """What the lock holds for the next link: a digest of its whole event, canonically."""
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Relay:
    """How a link starts the next: what it invokes (the `live` alias with SnapStart)."""

    invoker: FunctionInvoker
    target_arn: str


@dataclass(frozen=True)
class ChainLink:
    """Where a sweep stands in its chain: the first sweep is link 1 of a chain of its own."""

    chain_id: str | None = None  # None for link 1: the sweep's own id, once it has one
    link: int = 1
    previous_sweep_id: str | None = None
    selected_at: datetime | None = None  # None for link 1: its own start
    resume_from: Key | None = None
    # A sweep over several accounts: where each account's lane resumes (else `resume_from`).
    resume_by_account: Mapping[str, Key] = field(default_factory=dict)
    already_done: frozenset[str] = frozenset()
    totals: ChainTotals | None = None  # the links before this one
    ticket: str | None = None  # the lock's handoff this link takes; None for link 1
    interactive: bool = False  # an API sweep's first link: ~5 s of work at most

    @classmethod
    def of(cls, event: ContinuationEvent) -> ChainLink:
        return cls(
            chain_id=event.chain_id,
            link=event.link,
            previous_sweep_id=event.previous_sweep_id,
            selected_at=parse_instant(event.selected_at),
            resume_from=event.resume_from.key() if event.resume_from else None,
            resume_by_account={a: point.key() for a, point in event.resume_by_account.items()},
            already_done=frozenset(event.already_done),
            totals=event.totals,
            ticket=ticket_of(event.model_dump(mode="json")),
        )

    def resume_point(self, arn: str) -> Key | None:
        """Where this link resumes in the account of `arn` (a session's or a project's)."""
        return self.resume_by_account.get(arn.split(":")[4], self.resume_from)

    def wants(self, arn: str) -> bool:
        """Whether this link still has the session to act on (not before its resume point)."""
        if arn in self.already_done:
            return False
        point = self.resume_point(arn)
        return point is None or session_key(arn) >= point

    def reaches(self, project_arn: str) -> bool:
        """Whether the project has sessions at or after the resume point."""
        point = self.resume_point(project_arn)
        return point is None or project_arn.rsplit(":", 1)[1] >= point[0]


def chain_end(link: ChainLink, *, work_left: bool, progress: int) -> ChainEnd | None:
    """Why the chain ends with this link, or None: it continues."""
    if not work_left:
        return ChainEnd.DONE
    if link.link >= MAX_LINKS:
        return ChainEnd.LINK_CAP
    if progress == 0 and not (link.link == 1 and link.interactive):
        return ChainEnd.NO_PROGRESS
    return None


def add_totals(
    before: ChainTotals | None,
    *,
    link: int,
    outcomes: Mapping[str, int],
    skipped: Mapping[str, int],
    device_minutes: float,
    savings_usd: float,
) -> ChainTotals:
    previous = before or ChainTotals(links=1)
    return ChainTotals(
        links=link,
        outcomes=dict(Counter(previous.outcomes) + Counter(outcomes)),
        skipped=dict(Counter(previous.skipped) + Counter(skipped)),
        device_minutes_stopped=round(previous.device_minutes_stopped + device_minutes, 2),
        estimated_savings_usd=round(previous.estimated_savings_usd + savings_usd, 2),
    )


@dataclass
class Progress:
    """What one link got through, in the chain's order (for where the next one resumes)."""

    work: list[RemoteAccessSession] = field(default_factory=list)  # in session_key order
    undone: set[str] = field(default_factory=set)  # ARNs of `work` not acted on
    projects_not_reached: list[str] = field(default_factory=list)  # in project_key order

    @property
    def acted(self) -> int:
        return len(self.work) - len(self.undone)


def resume_after(progress: Progress, link: ChainLink) -> tuple[ResumePoint | None, list[str]]:
    """Where the next link resumes, and what it must not act on again after that point. When
    this link got no further (nothing acted on, or ListProjects itself not read), where it
    resumed itself."""
    keys = [session_key(session.arn) for session in progress.work]
    first_undone = next(
        (key for key, s in zip(keys, progress.work, strict=True) if s.arn in progress.undone),
        None,
    )
    not_reached = progress.projects_not_reached
    if first_undone is None and not_reached and not_reached[0] != ALL_PROJECTS:
        first_undone = project_key(not_reached[0])
    if first_undone is None and keys and not not_reached:
        first_undone = keys[-1]  # all acted on: resume at the last one, and skip it
    if first_undone is None:
        return _point(link.resume_from), sorted(link.already_done)
    done = [
        s.arn
        for key, s in zip(keys, progress.work, strict=True)
        if key >= first_undone and s.arn not in progress.undone
    ]
    earlier = [arn for arn in link.already_done if session_key(arn) >= first_undone]
    return _point(first_undone), sorted({*done, *earlier})[:MAX_ALREADY_DONE]


@dataclass(frozen=True)
class Resume:
    """Where the next link starts: one point, or one per account when the link worked several
    accounts side by side (each lane stopped where its own account's work stood)."""

    point: ResumePoint | None
    by_account: dict[str, ResumePoint]
    already_done: list[str]


def resume_plan(progress: Progress, link: ChainLink) -> Resume:
    """`resume_after` for each account the link worked in, or for the one."""
    accounts = _accounts_of(progress, link)
    if len(accounts) <= 1 and not link.resume_by_account:
        point, after = resume_after(progress, link)
        return Resume(point, {}, after)
    if progress.projects_not_reached[:1] == [ALL_PROJECTS]:  # nothing listed: as it was
        points = {account: _point(key) for account, key in link.resume_by_account.items()}
        kept = {account: point for account, point in points.items() if point}
        return Resume(_point(link.resume_from), kept, sorted(link.already_done))
    by_account: dict[str, ResumePoint] = {}
    done: list[str] = []
    for account in accounts:
        point, account_done = resume_after(_of_account(progress, account), _in(link, account))
        if point is not None:
            by_account[account] = point
        done += account_done
    return Resume(None, by_account, sorted(done)[:MAX_ALREADY_DONE])


def _account(arn: str) -> str:
    return arn.split(":")[4]


def _accounts_of(progress: Progress, link: ChainLink) -> list[str]:
    named = [s.arn for s in progress.work] + [
        p for p in progress.projects_not_reached if p != ALL_PROJECTS
    ]
    return sorted({_account(arn) for arn in named} | set(link.resume_by_account))


def _of_account(progress: Progress, account: str) -> Progress:
    return Progress(
        work=[s for s in progress.work if _account(s.arn) == account],
        undone={arn for arn in progress.undone if _account(arn) == account},
        projects_not_reached=[
            p for p in progress.projects_not_reached if p != ALL_PROJECTS and _account(p) == account
        ],
    )


def _in(link: ChainLink, account: str) -> ChainLink:
    """The link as one account's lane saw it: its resume point and what it had done."""
    return ChainLink(
        resume_from=link.resume_by_account.get(account, link.resume_from),
        already_done=frozenset(arn for arn in link.already_done if _account(arn) == account),
    )


def _point(key: Key | None) -> ResumePoint | None:
    if key is None:
        return None
    project_id, session_id, job_id = key
    return ResumePoint(project_id=project_id, session_id=session_id or None, job_id=job_id or None)
