"""What a sweep learns as it goes (outcomes, what it listed, what it left undone) and the
summary it makes of it. The sweep and its chain handoff write here; nothing here acts."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from session_stopper.config import Settings
from session_stopper.domain import selection
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweeps.chain import Progress
from session_stopper.domain.sweeps.listing import MAX_LISTED_SESSIONS
from session_stopper.models.chain import SweepContinuation
from session_stopper.models.outcome import Outcome, OutcomeError, OutcomeMessage
from session_stopper.models.session import RemoteAccessSession
from session_stopper.models.sweep import (
    AccountSummary,
    ListingFailure,
    PlannedSession,
    RunningSweep,
    SweepCounts,
    SweepPolicy,
    SweepSummary,
    TimerCounts,
)

IN_PROGRESS = "IN_PROGRESS"
# What Device Farm answers a role that lacks a permission: the account's spoke role grants less
# than it must, which is reported like an account that could not be reached at all.
ACCESS_DENIED_CODES = frozenset({"AccessDeniedException", "AccessDenied"})
MAX_LISTED_LEFT_UNDONE = 200  # keeps the summary far below SNS's 256 KiB


@dataclass
class Tally:
    now: Callable[[], datetime]
    outcomes: Counter[str] = field(default_factory=Counter)
    skipped: Counter[str] = field(default_factory=Counter)
    by_account: dict[str, Counter[str]] = field(default_factory=dict)
    denied: dict[str, OutcomeError] = field(default_factory=dict)  # first refusal, by account
    device_minutes: float = 0.0
    minutes_saved: float = 0.0

    def add(self, message: OutcomeMessage | None) -> None:
        if message is None:
            self.outcomes[IN_PROGRESS] += 1
            return
        self.outcomes[message.outcome.value] += 1
        if message.account:
            self.by_account.setdefault(message.account, Counter())[message.outcome.value] += 1
            if message.error and message.error.code in ACCESS_DENIED_CODES:
                self.denied.setdefault(message.account, message.error)
        if message.outcome is Outcome.SKIPPED:
            self.skipped[message.reason or "UNKNOWN"] += 1
        if message.outcome is Outcome.STOPPED and message.session:
            minutes = message.session.device_minutes
            self.device_minutes += (minutes.total or 0.0) if minutes else 0.0
            self.minutes_saved += selection.metered_minutes_saved(message.session, self.now())


@dataclass
class Inventory:
    projects_listed: int = 0
    projects_failed: list[str] = field(default_factory=list)
    listing_failures: list[ListingFailure] = field(default_factory=list)
    projects_not_reached: list[str] = field(default_factory=list)
    sessions_seen: int = 0
    sessions_active: int = 0
    selected: dict[str, RemoteAccessSession] = field(default_factory=dict)
    exempt: set[str] = field(default_factory=set)  # ARNs of sessions in exempt projects
    # Active sessions this sweep leaves running: each must have a timer (the reconciler).
    unselected: list[RemoteAccessSession] = field(default_factory=list)
    accounts: list[str] = field(default_factory=list)  # in scope, by id
    not_reached: dict[str, OutcomeError] = field(default_factory=dict)  # ListProjects failed

    def counts(self) -> SweepCounts:
        return SweepCounts(
            projects_listed=self.projects_listed,
            projects_failed=self.projects_failed,
            projects_not_reached=self.projects_not_reached,
            sessions_seen=self.sessions_seen,
            sessions_active=self.sessions_active,
            sessions_selected=len(self.selected),
        )


@dataclass
class Report:
    """What a sweep learns as it goes, and the summary it makes of it."""

    policy: SweepPolicy
    now: Callable[[], datetime]
    started: float  # monotonic
    started_at: datetime = field(init=False)
    tally: Tally = field(init=False)
    inventory: Inventory = field(default_factory=Inventory)
    left_undone: list[str] = field(default_factory=list)
    timers: TimerCounts | None = None
    planned: list[PlannedSession] = field(default_factory=list)
    progress: Progress = field(default_factory=Progress)
    reconciled: int = 0  # sessions whose timer the sweep checked (progress, for a chain)
    continuation: SweepContinuation | None = None

    def __post_init__(self) -> None:
        self.started_at = self.now()
        self.tally = Tally(self.now)

    def summary(
        self, origin: Origin, settings: Settings, yielded_to: RunningSweep | None = None
    ) -> SweepSummary:
        policy, tally = self.policy, self.tally
        return SweepSummary(
            sweep_id=origin.sweep_id or "",
            correlation_id=origin.correlation_id,
            trigger=origin.trigger,
            dry_run=policy.dry_run,
            kill_switch=policy.kill_switch,
            max_age_minutes=None if policy.kill_switch else policy.max_age_minutes,
            selection=policy.selection,
            scope=list(policy.project_arns),
            inventory=self.inventory.counts(),
            outcomes=dict(tally.outcomes),
            device_minutes_stopped=round(tally.device_minutes, 2),
            estimated_savings_usd=self.savings_usd(settings),
            left_undone_count=len(self.left_undone),
            left_undone=self.left_undone[:MAX_LISTED_LEFT_UNDONE],
            started_at=self.started_at,
            duration_seconds=round(time.monotonic() - self.started, 3),
            yielded_to=yielded_to,
            timers=self.timers,
            skipped=dict(tally.skipped),
            sessions=self.planned[:MAX_LISTED_SESSIONS],
            sessions_not_listed=max(0, len(self.planned) - MAX_LISTED_SESSIONS),
            listing_failures=self.inventory.listing_failures,
            accounts=self.accounts(settings),
            continuation=self.continuation,
        )

    def accounts(self, settings: Settings) -> list[AccountSummary]:
        """One line per account in scope: not reached when its projects could not be listed,
        or when its role was refused something it must be allowed."""
        inventory, tally = self.inventory, self.tally
        lines = []
        for account in inventory.accounts:
            error = inventory.not_reached.get(account) or tally.denied.get(account)
            lines.append(
                AccountSummary(
                    account=account,
                    reached=error is None,
                    dry_run=self.policy.dry_run or settings.rules_for(account).dry_run,
                    error=error,
                    outcomes=dict(tally.by_account.get(account, {})),
                )
            )
        return lines

    def savings_usd(self, settings: Settings) -> float:
        return round(self.tally.minutes_saved * settings.price_per_device_minute, 2)

    @property
    def work_left(self) -> bool:
        return bool(self.left_undone or self.inventory.projects_not_reached)
