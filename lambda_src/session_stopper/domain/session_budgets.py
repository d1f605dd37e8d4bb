"""How long a session may run: the deployment's default, or its project's tag; none at all for a
project tagged exempt (never stopped automatically, like a protected name).

Tags are read with ListTagsForResource and kept for a few minutes: a sweep and the timers of a
busy project would otherwise read the same tags for every session.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from session_stopper import clock
from session_stopper.config import SESSION_LIMIT_MINUTES
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.models.arn import project_arn_of
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


def budget_from_tags(tags: dict[str, str], default_minutes: int) -> Budget:
    if tags.get(EXEMPT_TAG, "").strip().lower() == "true":
        return Budget(None, "tag")
    raw = tags.get(BUDGET_TAG)
    if raw is None:
        return Budget(default_minutes, "default")
    value = raw.strip()
    if re.fullmatch(r"[0-9]{1,3}", value, re.ASCII) and 1 <= int(value) <= SESSION_LIMIT_MINUTES:
        return Budget(int(value), "tag")
    # A typo must not make a session unstoppable, nor end it early: the default stands.
    logger.warning(
        "budget tag ignored: not a whole number of minutes from 1 to 150",
        extra={"tag": BUDGET_TAG, "value": raw[:64]},
    )
    return Budget(default_minutes, "default")


class ProjectBudgets:
    """Budgets by project, from tags read at most once per TAG_CACHE_SECONDS (thread-safe)."""

    def __init__(
        self,
        gateway: DeviceFarmGateway,
        default_minutes: int,
        *,
        seconds: Callable[[], float] = lambda: clock.now().timestamp(),
    ) -> None:
        self._gateway = gateway
        self._default = default_minutes
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
        budget = budget_from_tags(self._gateway.tags_of(project_arn), self._default)
        with self._lock:
            self._cache[project_arn] = (now, budget)
        return budget

    def of_session(self, session_arn: str) -> Budget:
        return self.of_project(project_arn_of(session_arn))
