"""How long a session may run: the deployment's default, or its project's tag; none at all for a
project tagged exempt (never stopped automatically, like a protected name).

Whoever may tag a project is not the operator: a tag's budget is held within the operator's
bounds, at least the sweep floor (`SWEEP_MIN_AGE_MINUTES`) and at most `MAX_TAG_BUDGET_MINUTES`,
so a 1-minute tag cannot stop a colleague's session a minute after it starts. A clamped tag is
logged (a warning) and the bound is the budget every timer, sweep and view uses; timer messages
say so (`budgetSource` "clampedTag").

Tags are read with ListTagsForResource and kept for a few minutes: a sweep and the timers of a
busy project would otherwise read the same tags for every session.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from session_stopper import clock
from session_stopper.config import SESSION_LIMIT_MINUTES, Settings
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.models.arn import arn_parts, project_arn_of
from session_stopper.models.timer import BudgetSource
from session_stopper.observability import logger

BUDGET_TAG = "session-stopper:max-minutes"
EXEMPT_TAG = "session-stopper:exempt"
EXEMPT = "EXEMPT"  # the skip reason of an exempt project's sessions
TAG_CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Budget:
    minutes: int | None  # None: exempt
    source: BudgetSource

    @property
    def exempt(self) -> bool:
        return self.minutes is None


@dataclass(frozen=True)
class BudgetBounds:
    """The operator's: the budget of an untagged project, and the least and the most a
    project's tag may set."""

    default_minutes: int
    least_minutes: int
    most_minutes: int
    # Member accounts whose operator-set budget differs from the hub's default.
    account_defaults: tuple[tuple[str, int], ...] = ()

    @classmethod
    def of(cls, settings: Settings) -> BudgetBounds:
        return cls(
            default_minutes=settings.sweep_max_age_minutes,
            least_minutes=settings.sweep_min_age_minutes,
            most_minutes=settings.max_tag_budget_minutes,
            account_defaults=tuple(
                (member.id, member.max_session_minutes)
                for member in settings.accounts.members
                if member.max_session_minutes is not None
            ),
        )

    def for_account(self, account: str) -> BudgetBounds:
        """The bounds of a project of `account`: its own default budget, if the operator set
        one."""
        default = dict(self.account_defaults).get(account, self.default_minutes)
        return replace(self, default_minutes=default)

    def clamp(self, minutes: int) -> int:
        return min(max(minutes, self.least_minutes), self.most_minutes)


def budget_from_tags(tags: dict[str, str], bounds: BudgetBounds) -> Budget:
    if tags.get(EXEMPT_TAG, "").strip().lower() == "true":
        return Budget(None, "tag")
    raw = tags.get(BUDGET_TAG)
    if raw is None:
        return Budget(bounds.default_minutes, "default")
    value = raw.strip()
    if re.fullmatch(r"[0-9]{1,3}", value, re.ASCII) and 1 <= int(value) <= SESSION_LIMIT_MINUTES:
        return _within_bounds(int(value), bounds)
    # A typo must not make a session unstoppable, nor end it early: the default stands.
    logger.warning(
        "budget tag ignored: not a whole number of minutes from 1 to 150",
        extra={"tag": BUDGET_TAG, "value": raw[:64]},
    )
    return Budget(bounds.default_minutes, "default")


def _within_bounds(asked: int, bounds: BudgetBounds) -> Budget:
    minutes = bounds.clamp(asked)
    if minutes == asked:
        return Budget(asked, "tag")
    logger.warning(
        "budget tag clamped to the operator's bounds",
        extra={
            "tag": BUDGET_TAG,
            "asked_minutes": asked,
            "budget_minutes": minutes,
            "least_minutes": bounds.least_minutes,
            "most_minutes": bounds.most_minutes,
        },
    )
    return Budget(minutes, "clampedTag")


class ProjectBudgets:
    """Budgets by project, from tags read at most once per TAG_CACHE_SECONDS (thread-safe)."""

    def __init__(
        self,
        gateway: DeviceFarmGateway,
        bounds: BudgetBounds,
        *,
        seconds: Callable[[], float] = lambda: clock.now().timestamp(),
    ) -> None:
        self._gateway = gateway
        self._bounds = bounds
        # The function's clock, which the local stack moves: a tag changed "ten minutes ago"
        # there is read again, as it would be in AWS.
        self._seconds = seconds
        self._cache: dict[str, tuple[float, Budget]] = {}
        self._lock = threading.Lock()

    def of_project(self, project_arn: str) -> Budget:
        """Raises DeviceFarmError when the tags cannot be read: an unknown exemption must not be
        guessed either way."""
        now = self._seconds()
        with self._lock:
            cached = self._cache.get(project_arn)
        if cached and now - cached[0] < TAG_CACHE_SECONDS:
            return cached[1]
        bounds = self._bounds.for_account(arn_parts(project_arn).account)
        budget = budget_from_tags(self._gateway.tags_of(project_arn), bounds)
        with self._lock:
            self._cache[project_arn] = (now, budget)
        return budget

    def of_session(self, session_arn: str) -> Budget:
        return self.of_project(project_arn_of(session_arn))
