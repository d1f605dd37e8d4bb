"""How the links of a sweep chain pass the sweep lock between them and start one another.

domain/sweeps/chain.py decides (whether the chain goes on, where the next link resumes); this
module acts on those decisions. A first link acquires the lock; a continuation takes the ticket
its previous link left; a link that leaves work hands its lease on, as a ticket only the next
link's exact event can take, then invokes that link.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from session_stopper.config import Settings
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweeps.chain import (
    HANDOFF_LEASE_SECONDS,
    ChainLink,
    Relay,
    add_totals,
    chain_end,
    resume_plan,
    ticket_of,
)
from session_stopper.domain.sweeps.report import Report
from session_stopper.gateways.invoker import InvokeError
from session_stopper.gateways.sweep_lock import SweepLock
from session_stopper.models.chain import ChainEnd, ChainTotals, SweepContinuation
from session_stopper.models.continuation import (
    CONTINUE_ACTION,
    ChainPolicy,
    ChainTrigger,
    ContinuationEvent,
    instant,
)
from session_stopper.models.sweep import RunningSweep, SweepPolicy
from session_stopper.observability import logger


class HandoffMissingError(Exception):
    """A continuation found no ticket of its chain in the sweep lock: it does nothing."""

    def __init__(self, holder: RunningSweep) -> None:
        held = holder.sweep_id != "unknown"
        super().__init__(
            "no sweep chain is waiting for this continuation"
            + (f" (sweep {holder.sweep_id}, {holder.trigger_kind}, holds the lock)" if held else "")
            + ": the event is not the chain's own, was already run, or its lease was taken over"
        )
        self.holder = holder


def take_lock(
    lock: SweepLock, holder: RunningSweep, link: ChainLink, lease_seconds: float
) -> RunningSweep | None:
    """The sweep that holds the lock instead of `holder`, or None: `holder` has it now.

    Raises HandoffMissingError when a continuation finds no ticket of its chain: without one
    it is no link of a running chain, and must not sweep (a forged kill switch, say)."""
    if link.ticket is None:
        return lock.acquire(holder, lease_seconds=lease_seconds)
    running = lock.take_handoff(holder, link.ticket, lease_seconds=lease_seconds)
    if running:
        raise HandoffMissingError(running)
    return None


class ChainHandoff:
    """Ends one link of a chain: reports where the chain stands and starts the next link."""

    def __init__(self, lock: SweepLock, relay: Relay, settings: Settings) -> None:
        self._lock = lock
        self._relay = relay
        self._settings = settings

    def pass_on(
        self,
        policy: SweepPolicy,
        origin: Origin,
        report: Report,
        *,
        link: ChainLink,
        holder: RunningSweep,
    ) -> bool:
        """Decide whether the chain goes on; if so hand the lock to the next link and invoke it.
        Sets the summary's `continuation`; True when the lock was handed off."""
        chain_id = link.chain_id or origin.sweep_id or ""
        totals = self._totals(report, link)
        progress = report.progress.acted + report.reconciled
        end = chain_end(link, work_left=report.work_left, progress=progress)
        handed_off = False
        if end is None:
            event = _next_event(policy, origin, report, link=link, chain_id=chain_id, totals=totals)
            handed_off = event is not None and self._start_next(event, holder)
            end = None if handed_off else ChainEnd.INVOKE_FAILED
        if end is ChainEnd.DONE and link.link == 1:
            return False  # one invocation was enough: no chain to report
        report.continuation = SweepContinuation(
            chain_id=chain_id,
            link=link.link,
            previous_sweep_id=link.previous_sweep_id,
            next_link=link.link + 1 if handed_off else None,
            end=end,
            totals=totals,
        )
        logger.info(
            "sweep chain link", extra={"continuation": report.continuation.model_dump(mode="json")}
        )
        return handed_off

    def _totals(self, report: Report, link: ChainLink) -> ChainTotals:
        """The chain's totals so far: the links before this one, and this one."""
        tally = report.tally
        return add_totals(
            link.totals,
            link=link.link,
            outcomes=tally.outcomes,
            skipped=tally.skipped,
            device_minutes=tally.device_minutes,
            savings_usd=report.savings_usd(self._settings),
        )

    def _start_next(self, event: dict[str, Any], holder: RunningSweep) -> bool:
        """Hand the lock to the next link's ticket, then invoke it; on failure take it back
        (the caller releases it), and the next scheduled sweep has the rest."""
        if not self._lock.hand_off(holder, ticket_of(event), HANDOFF_LEASE_SECONDS):
            return False
        relay = self._relay
        try:
            relay.invoker.invoke_async(relay.target_arn, event)
        except InvokeError as error:
            logger.error(
                "could not invoke the sweep's continuation",
                extra={"code": error.code, "error": error.message, "target": relay.target_arn},
            )
            return False
        return True


def _next_event(
    policy: SweepPolicy,
    origin: Origin,
    report: Report,
    *,
    link: ChainLink,
    chain_id: str,
    totals: ChainTotals,
) -> dict[str, Any] | None:
    """The next link's event: the chain's first policy and selection time, and where it
    resumes; None (logged) when it cannot be written."""
    resume = resume_plan(report.progress, link)
    try:
        event = ContinuationEvent(
            action=CONTINUE_ACTION,
            chain_id=chain_id,
            link=link.link + 1,
            previous_sweep_id=origin.sweep_id or "",
            correlation_id=origin.correlation_id,
            trigger=ChainTrigger.model_validate(origin.trigger.model_dump(mode="json")),
            selected_at=instant(link.selected_at or report.started_at),
            policy=ChainPolicy(
                max_age_minutes=policy.max_age_minutes,
                project_arns=list(policy.project_arns),
                dry_run=policy.dry_run,
                kill_switch=policy.kill_switch,
                by_deadline=policy.by_deadline,
            ),
            resume_from=resume.point,
            resume_by_account=resume.by_account,
            already_done=resume.already_done,
            totals=totals,
        )
    except ValidationError:
        logger.exception("cannot write the continuation event")
        return None
    return event.model_dump(mode="json")
