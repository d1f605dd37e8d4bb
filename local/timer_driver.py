"""Driving the function's timers on the local stack: CloudTrail delivery plus fired schedules,
on demand (tests, the demo) or in the background (`make local`), on the emulator's clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from local.cloudtrail_delivery import CloudTrailDelivery, Delivery
from local.devicefarm_emulator.clock import Clock
from local.scheduler_runner import Fired, SchedulerRunner

# advance() settles one moment after another; this many rounds means the function keeps
# making schedules fall due, which is a bug to report, not to spin on.
MAX_ROUNDS = 1000


@dataclass(frozen=True)
class Advanced:
    """What happened while the clock moved, in order."""

    deliveries: list[Delivery]
    fired: list[Fired]
    now: float


class TimerDriver:
    def __init__(self, clock: Clock, delivery: CloudTrailDelivery, runner: SchedulerRunner) -> None:
        self._clock = clock
        self._delivery = delivery
        self._runner = runner

    def deliver_cloudtrail(self) -> list[Delivery]:
        return self._delivery.deliver()

    def fire_due_schedules(self) -> list[Fired]:
        return self._runner.run_due()

    def advance(self, *, minutes: float = 0.0, seconds: float = 0.0) -> Advanced:
        """Move the clock forward, stopping at each moment something falls due (a CloudTrail
        event's delivery, a schedule's time) to deliver and fire it then, so a schedule fires
        at its own time however far the clock jumps. Ends when the target time is reached and
        nothing more is due."""
        step = seconds + minutes * 60.0
        if step < 0:
            raise ValueError("the clock only moves forward")
        target = self._clock.now() + step
        deliveries: list[Delivery] = []
        fired: list[Fired] = []
        for _ in range(MAX_ROUNDS):
            delivered, went_off = self.deliver_cloudtrail(), self.fire_due_schedules()
            deliveries += delivered
            fired += went_off
            upcoming = self._next_moment()
            if upcoming is not None and upcoming <= target:
                self._move_to(upcoming)
            elif self._clock.now() < target:
                self._move_to(target)
            elif not delivered and not went_off:
                return Advanced(deliveries, fired, self._clock.now())
        raise RuntimeError(
            f"timers kept falling due for {MAX_ROUNDS} rounds: does the function keep "
            "re-arming a schedule in the past?"
        )

    def start(self, interval_seconds: float = 1.0) -> None:
        """Deliver and fire in the background; CloudTrail more often, as EventBridge is quick."""
        self._delivery.start(max(interval_seconds / 4, 0.05))
        self._runner.start(interval_seconds)

    def stop(self) -> None:
        self._runner.stop()
        self._delivery.stop()

    def _next_moment(self) -> float | None:
        moments = [self._delivery.next_delivery_time(), self._runner.next_due_time()]
        return min((m for m in moments if m is not None), default=None)

    def _move_to(self, moment: float) -> None:
        step = moment - self._clock.now()
        if step > 0:
            self._clock.advance(seconds=step)
