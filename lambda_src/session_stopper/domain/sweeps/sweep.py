"""A sweep: list sessions in scope, select by policy, act on each concurrently, summarise.

Each stop goes through StopService, the same validated, idempotent, published path as a single
stop. One failing session or project never ends the sweep; work not started before the deadline
(or, in an API sweep, refused by the pacer) is reported in the summary and handed to a
continuation in a new invocation (domain/sweeps/chain.py), or left to the next sweep.

This module runs a sweep; its parts live beside it: what is in scope and due
(inventory.py), its books and summary (report.py), and the lock's handoff to the
next link of a chain (handoff.py).
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime

from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
)

from session_stopper import clock
from session_stopper.config import Settings
from session_stopper.domain import selection
from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.service import OutcomeNotPublishedError, StopService
from session_stopper.domain.session_budgets import EXEMPT, ProjectBudgets
from session_stopper.domain.sweeps.chain import ChainLink, Progress, Relay, session_key
from session_stopper.domain.sweeps.deadline import Deadline
from session_stopper.domain.sweeps.handoff import ChainHandoff, take_lock
from session_stopper.domain.sweeps.inventory import InventoryTaker
from session_stopper.domain.sweeps.listing import planned_session
from session_stopper.domain.sweeps.report import Inventory, Report, Tally
from session_stopper.domain.timers.expiry import Expiry
from session_stopper.gateways.devicefarm import DeviceFarmGateway, PacedOutError
from session_stopper.gateways.sweep_lock import SweepLock
from session_stopper.models.arn import arn_parts
from session_stopper.models.outcome import Outcome, OutcomeError, OutcomeMessage
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import RunningSweep, SweepPolicy, SweepSummary, TimerCounts
from session_stopper.models.timer import TimerMessage, TimerStatus
from session_stopper.observability import logger

UNEXPECTED_ERROR = "UNEXPECTED_ERROR"


@dataclass(frozen=True)
class _Work:
    session: RemoteAccessSession
    skip_reason: str | None


class _Skips:
    """Why the sweep leaves a selected session alone: its project is exempt or its name
    protected (unless the policy spares neither: a kill switch, by default), or a dry run,
    the sweep's or its account's. The protected pattern is its account's."""

    def __init__(self, settings: Settings, policy: SweepPolicy, inventory: Inventory) -> None:
        self._settings = settings
        self._policy = policy
        self._exempt = inventory.exempt if policy.spares_exempt else set[str]()

    def reason(self, session: RemoteAccessSession) -> str | None:
        if session.arn in self._exempt:
            return EXEMPT
        rules = self._settings.rules_for(arn_parts(session.arn).account)
        protected = rules.protected_name_pattern if self._policy.spares_exempt else None
        return selection.skip_reason(session, protected, self._policy.dry_run or rules.dry_run)


@dataclass(frozen=True)
class _Deferred:
    """A stop the pacer refused to wait for: left to the continuation, not FAILED."""

    arn: str


class Sweeper:
    def __init__(
        self,
        settings: Settings,
        gateway: DeviceFarmGateway,
        service: StopService,
        lock: SweepLock,
        now: Callable[[], datetime] = clock.now,
        *,
        budgets: ProjectBudgets | None = None,
        expiry: Expiry | None = None,
        interactive: bool = False,
    ) -> None:
        self._interactive = interactive  # an API sweep: its pacer refuses long waits
        self._settings = settings
        self._service = service
        self._lock = lock
        self._now = now
        self._expiry = expiry
        self._inventory = InventoryTaker(
            settings, gateway, service, budgets=budgets, expiry=expiry, interactive=interactive
        )

    def run(
        self,
        policy: SweepPolicy,
        origin: Origin,
        deadline: Deadline,
        *,
        link: ChainLink | None = None,
        relay: Relay | None = None,
    ) -> SweepSummary:
        """Sweep, unless another sweep holds the lock: then yield to it and say so. With a
        `relay`, work left undone continues in a new invocation (domain/sweeps/chain.py); `link`
        is where this sweep stands in its chain (a continuation; None: it starts one).

        Raises HandoffMissingError when a continuation finds no ticket of its chain."""
        link = link or ChainLink(interactive=self._interactive)
        report = Report(policy, self._now, time.monotonic())
        origin = origin.model_copy(update={"sweep_id": str(uuid.uuid4())})
        holder = RunningSweep(
            sweep_id=origin.sweep_id or "",
            trigger_kind=origin.trigger.kind.value,
            trigger_id=origin.trigger.id,
            started_at=report.started_at.isoformat(),
            kill_switch=policy.kill_switch,
        )
        running = take_lock(self._lock, holder, link, deadline.remaining_seconds())
        if running:
            logger.info("another sweep is running: yielding", extra={"running": running.sweep_id})
            return report.summary(origin, self._settings, yielded_to=running)
        handed_off = False
        try:
            self._sweep(policy, origin, deadline, report, link)
            if relay is not None:
                handoff = ChainHandoff(self._lock, relay, self._settings)
                handed_off = handoff.pass_on(policy, origin, report, link=link, holder=holder)
        finally:
            if not handed_off:
                self._lock.release(holder)
        logger.info("sweep finished", extra={"outcomes": dict(report.tally.outcomes)})
        return report.summary(origin, self._settings)

    def _sweep(
        self,
        policy: SweepPolicy,
        origin: Origin,
        deadline: Deadline,
        report: Report,
        link: ChainLink,
    ) -> None:
        # Every link of a chain selects as of its first sweep's start: the same sessions.
        selected_at = link.selected_at or report.started_at
        report.inventory = self._inventory.take(
            policy, origin, deadline, report.tally, link=link, now=selected_at
        )
        inventory = report.inventory
        # One order for every link (chain.py): where the next resumes is one key.
        chosen = sorted(
            (s for arn, s in inventory.selected.items() if link.wants(arn)),
            key=lambda session: session_key(session.arn),
        )
        skips = _Skips(self._settings, policy, inventory)
        work = [_Work(session, skips.reason(session)) for session in chosen]
        now, price = self._now(), self._settings.price_per_device_minute
        report.planned = [planned_session(w.session, w.skip_reason, now, price) for w in work]
        undone = self._act_on_all(work, origin, deadline, report.tally)
        report.left_undone = [w.session.arn for w in work if w.session.arn in undone]
        report.progress = Progress(
            work=chosen,
            undone=undone,
            projects_not_reached=list(inventory.projects_not_reached),
        )
        if self._expiry and not (policy.dry_run or policy.kill_switch):
            report.timers = self._reconcile(self._expiry, inventory, origin, deadline, report)

    def _reconcile(
        self,
        expiry: Expiry,
        inventory: Inventory,
        origin: Origin,
        deadline: Deadline,
        report: Report,
    ) -> TimerCounts:
        """Arm the timers CloudTrail did not (a missed event, sessions older than the deploy);
        a session already past its deadline is stopped. A dry run changes nothing here either."""
        counts = TimerCounts()
        for session in inventory.unselected:
            if deadline.expired():
                report.left_undone.append(session.arn)
                continue
            report.reconciled += 1
            result = expiry.reconcile(session, origin)
            if isinstance(result, TimerMessage):
                armed = result.status is TimerStatus.ARMED
                counts = counts.add(armed=int(armed), failed=int(not armed))
            elif result is not None:
                report.tally.add(result)
                counts = counts.add(stopped_overdue=1)
        return counts

    # -- acting ------------------------------------------------------------------------------

    def _act_on_all(
        self, work: list[_Work], origin: Origin, deadline: Deadline, tally: Tally
    ) -> set[str]:
        """Act on every item on a bounded pool, its accounts served side by side (each has its
        own Device Farm quota); returns the ARNs not acted on: not started in time, or refused
        by an account's pacer (after which that account's lane starts nothing more, and the
        other accounts' lanes go on)."""
        lanes = _AccountLanes(work, self._settings.sweep_workers)
        pending: dict[Future[_Result], str] = {}
        deferred: set[str] = set()
        with ThreadPoolExecutor(max_workers=lanes.workers, thread_name_prefix="sweep") as pool:
            while lanes.waiting:
                if len(pending) >= lanes.workers or not lanes.ready():
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        lanes.finished(pending.pop(future))
                    _collect(done, tally, deferred)
                    lanes.close_accounts_of(deferred)
                    continue
                if deadline.expired():
                    logger.warning("sweep out of time", extra={"left": lanes.waiting})
                    break
                item = lanes.next_item()
                pending[pool.submit(self._act_on, item, origin)] = lanes.account_of(item)
            _collect(wait(pending).done, tally, deferred)
        if deferred:
            logger.warning("the pacer refused stops: left to the continuation")
        return deferred | lanes.left()

    def _act_on(self, item: _Work, origin: Origin) -> _Result:
        session = item.session
        if item.skip_reason:
            skipped = outcome_message(
                Outcome.SKIPPED, origin, arn=session.arn, session=session, reason=item.skip_reason
            )
            self._service.publish_or_park(skipped)
            return skipped
        try:
            return self._service.stop(session.arn, origin, defer_when_paced=True)
        except PacedOutError:
            logger.info("the pacer refused this stop: left to the continuation")
            return _Deferred(session.arn)
        except OutcomeNotPublishedError as error:
            self._service.park(error)
            return error.message
        except IdempotencyAlreadyInProgressError:
            logger.info("another invocation is stopping this session", extra={"arn": session.arn})
            return None
        except Exception as error:  # one session must never end the sweep
            logger.exception("unexpected error stopping a session", extra={"arn": session.arn})
            failure = OutcomeError(code=UNEXPECTED_ERROR, message=str(error)[:500])
            message = outcome_message(Outcome.FAILED, origin, arn=session.arn, error=failure)
            self._service.publish_or_park(message)
            return message


_Result = OutcomeMessage | _Deferred | None
# Threads a sweep may run at once, whatever the number of accounts (each waits on its pacer).
MAX_SWEEP_THREADS = 64


class _AccountLanes:
    """The work, one lane per account in the chain's order. The next item comes from the lane
    with the fewest in flight (the first account by id on a tie), and no lane has more than
    `per_account` in flight: a sweep over N accounts keeps each account's quota busy instead
    of queueing every worker behind the first account's bucket. Workers: `per_account` for
    each account with work, at most MAX_SWEEP_THREADS."""

    def __init__(self, work: list[_Work], per_account: int) -> None:
        self._lanes: dict[str, deque[_Work]] = {}
        for item in work:
            self._lanes.setdefault(self.account_of(item), deque()).append(item)
        self._per_account = per_account
        self._in_flight = dict.fromkeys(self._lanes, 0)
        self._closed: list[_Work] = []
        self.workers = max(1, min(MAX_SWEEP_THREADS, per_account * len(self._lanes)))

    @staticmethod
    def account_of(item: _Work) -> str:
        return arn_parts(item.session.arn).account

    @property
    def waiting(self) -> int:
        return sum(len(lane) for lane in self._lanes.values())

    def ready(self) -> list[str]:
        """Accounts with work and room for one more in flight, by id."""
        return [
            account
            for account, lane in sorted(self._lanes.items())
            if lane and self._in_flight[account] < self._per_account
        ]

    def next_item(self) -> _Work:
        """The next item of the ready account with the fewest in flight; call when `ready()`."""
        account = min(self.ready(), key=lambda name: self._in_flight[name])
        self._in_flight[account] += 1
        return self._lanes[account].popleft()

    def finished(self, account: str) -> None:
        self._in_flight[account] -= 1

    def close_accounts_of(self, arns: set[str]) -> None:
        """The pacer refused these accounts' stops: their lanes start nothing more (what is
        left in them stays undone, for the continuation), the others go on."""
        for account in {arn_parts(arn).account for arn in arns}:
            self._closed.extend(self._lanes.get(account, deque()))
            self._lanes[account] = deque()

    def left(self) -> set[str]:
        """Every item not started: still in a lane, or in a closed one."""
        waiting = [item for lane in self._lanes.values() for item in lane]
        return {item.session.arn for item in [*waiting, *self._closed]}


def _collect(done: Iterable[Future[_Result]], tally: Tally, deferred: set[str]) -> None:
    for future in done:
        result = future.result()
        if isinstance(result, _Deferred):
            deferred.add(result.arn)
        else:
            tally.add(result)
