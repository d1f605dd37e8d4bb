"""The local stack the timer benchmark (bench/timers/__init__.py) runs on, with Scheduler's firing
delay: each schedule fires a seeded delay after its time, as Scheduler may, not on the second."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from local.aws_resources import aws_client
from local.cloudtrail_delivery import CloudTrailDelivery
from local.devicefarm_emulator import DeviceFarmEmulator
from local.environment import Resources
from local.lambda_runtime import LambdaInvoker
from local.scheduler_runner import SchedulerRunner, _Schedule
from local.stack import LocalStack, LocalStackConfig
from local.timer_driver import TimerDriver


class FiringDelay:
    """Seconds after its time that a schedule fires: uniform in [0, max), drawn from the seed,
    the session's planned name (its ARN is random) and the action (expire, warn), so every run
    draws the same delay for the same firing. Each session's deadline is armed once here (no
    extension), so the action names the firing."""

    def __init__(self, seed: int, max_seconds: float) -> None:
        self.seed = seed
        self.max_seconds = max_seconds
        self.session_names: dict[str, str] = {}  # session ARN -> planned name

    def seconds(self, schedule: _Schedule) -> float:
        if self.max_seconds <= 0:
            return 0.0
        payload = json.loads(schedule.input or "{}")
        arn = str(payload.get("arn", ""))
        who = self.session_names.get(arn, arn)
        key = f"{self.seed}|{who}|{payload.get('action')}"
        return random.Random(key).random() * self.max_seconds


class LateSchedulerRunner(SchedulerRunner):
    """The stack's runner, firing each schedule `delay` after its time, not on the second.

    Only when a schedule counts as due moves (`_waiting` is what `run_due` and `next_due_time`
    read); the schedule fired is the one `run_due` reads back from moto, so the event still
    carries the schedule's own time and `Fired.overshoot_seconds` is the delay.

    Faster than the stack's runner, which reads every schedule twice a round (a few ms each on
    moto: for 100 sessions that alone took minutes), and as exact: `_waiting` lists the group
    again only after an invocation (only the function changes schedules, and the runner deletes
    one only after invoking), and reads a schedule again only when the listing shows a new
    version of it (CreationDate, LastModificationDate: moto stamps them to the microsecond)."""

    def __init__(
        self,
        *args: Any,
        delay: Callable[[_Schedule], float],
        invocations: Callable[[], int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._delay = delay
        self._invocations = invocations
        self._known: dict[tuple[str, Any, Any], _Schedule | None] = {}
        self._listed_after = -1  # the invocation count when the group was last listed

    def _waiting(self) -> list[_Schedule]:
        if self._listed_after != self._invocations():
            self._listed_after = self._invocations()
            self._list()
        return [
            replace(s, at=s.at + self._delay(s))
            for s in self._known.values()
            # As the stack's runner: moto forgets State on an update without it (ENABLED).
            if s is not None and s.state != "DISABLED" and s.key not in self._completed
        ]

    def _list(self) -> None:
        paging = {"PageSize": self._page_size} if self._page_size else {}
        pages = self._scheduler.get_paginator("list_schedules").paginate(
            GroupName=self._group, PaginationConfig=paging
        )
        known: dict[tuple[str, Any, Any], _Schedule | None] = {}
        for page in pages:
            for summary in page["Schedules"]:
                name = summary["Name"]
                version = (name, summary.get("CreationDate"), summary.get("LastModificationDate"))
                known[version] = (
                    self._known[version] if version in self._known else self._read(name)
                )
        self._known = known


class CountingInvoker(LambdaInvoker):
    """The stack's invoker, counting invocations (deliveries, firings, sweeps alike)."""

    calls = 0

    def invoke(self, event: Any) -> Any:
        self.calls += 1
        return super().invoke(event)


class BenchStack(LocalStack):
    """LocalStack whose timer driver fires schedules late, as Scheduler may (LocalStack has no
    hook for that: this repeats its `_timer_driver` with the late runner)."""

    def __init__(
        self, config: LocalStackConfig, emulator: DeviceFarmEmulator, delay: FiringDelay
    ) -> None:
        super().__init__(config, emulator)
        self.delay = delay
        self.counting = CountingInvoker(region=config.region, drop_metric_lines=not config.verbose)
        self.invoker = self.counting  # before start: the stack's wiring binds to it

    def _timer_driver(self, resources: Resources) -> TimerDriver:
        scheduler = aws_client("scheduler", self.moto_url, self.config.region)
        runner = LateSchedulerRunner(
            scheduler,
            resources.timer_group,
            self.emulator.clock.now,
            self.counting.invoke,
            delay=self.delay.seconds,
            invocations=lambda: self.counting.calls,
        )
        delivery = CloudTrailDelivery(self.emulator.cloudtrail, self.counting.invoke)
        return TimerDriver(self.emulator.clock, delivery, runner)
