"""A Device Farm world on the emulator whose clock ends at the wall clock's "now".

The function measures session ages with the real clock, so the emulator's clock starts in the
past, sessions are created at the moments that give them the wanted ages, and the clock is
brought forward to the present before the function runs.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from local.devicefarm_emulator import DeviceFarmEmulator, ManualClock

# The emulator makes a session RUNNING (and sets `started`) this long after creation.
START_DELAY_MINUTES = 1.0
HISTORY_MINUTES = 400.0


@dataclass
class SessionSpec:
    project: str
    age_minutes: float
    name: str | None = None
    stopped: bool = False
    billing_method: str = "METERED"
    account_id: str | None = None  # None: the emulator's own account (the hub)


@dataclass
class DeviceFarmWorld:
    emulator: DeviceFarmEmulator
    present: float
    projects: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(cls, page_size: int = 50) -> DeviceFarmWorld:
        present = time.time()
        clock = ManualClock(start=present - HISTORY_MINUTES * 60)
        emulator = DeviceFarmEmulator(clock=clock, metered_concurrency=100_000, page_size=page_size)
        return cls(emulator, present)

    def project(self, name: str, account_id: str | None = None) -> str:
        """The project `name` (created on first use) in `account_id` (None: the hub); a name
        is one project, in one account."""
        account = self.emulator.account(account_id or self.emulator.account_id)
        if name not in self.projects:
            self.projects[name] = account.create_project(name)["arn"]
        elif self.emulator.owner_of(self.projects[name]) is not account:
            raise ValueError(f"project {name!r} is already another account's")
        return self.projects[name]

    def populate(self, specs: list[SessionSpec]) -> list[dict[str, Any]]:
        """Create the sessions (oldest first), then bring the clock to the present.

        Returns the created sessions in the order of `specs`."""
        created: dict[int, dict[str, Any]] = {}
        order = sorted(range(len(specs)), key=lambda i: -specs[i].age_minutes)
        for index in order:
            spec = specs[index]
            self._advance_to(self.present - (spec.age_minutes + START_DELAY_MINUTES) * 60)
            account = self.emulator.account(spec.account_id or self.emulator.account_id)
            created[index] = account.create_session(
                self.project(spec.project, spec.account_id),
                name=spec.name,
                billing_method=spec.billing_method,
            )
        self._advance_to(self.present)
        for index, spec in enumerate(specs):
            if spec.stopped:
                self.emulator.owner_of(created[index]["arn"]).stop_session(created[index]["arn"])
        return [created[index] for index in range(len(specs))]

    def _advance_to(self, moment: float) -> None:
        step = moment - self.emulator.clock.now()
        if step > 0:
            self.emulator.clock.advance(seconds=step)

    def status(self, arn: str) -> str:
        return str(self.emulator.owner_of(arn).get_session(arn)["status"])
