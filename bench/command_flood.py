"""A kill switch under a flood of caller commands: how long until its first Stop starts.

Both runs use the local stack (local/stack.py) with the emulator at Device Farm's real API rate
limits (Get and List: burst 50, 10/s; Stop: burst 10, 1/s) and the function pacing to them, as
deployed. The account has LAB_SESSIONS running sessions; a caller's script then sends COMMANDS
stop commands, each naming a different session Device Farm does not know (one Get each, then a
NOT_FOUND outcome), and while they wait the kill switch alarm fires (its EventBridge state
change). The function is primed as SnapStart's init primes it (session_stopper/priming.py). The
figure is the time from the alarm's event to the first StopRemoteAccessSession the emulator
admits (the flood makes no Stop, so the first one is the kill switch's).

- function: the command lane. The commands wait in the command queue and the lane's pollers
  invoke the function with at most LANE_MAX_CONCURRENCY batches at once; the alarm invokes the
  function directly, on the reserved concurrency the lane leaves free.
- baseline: the single asynchronous lane the stack had before: the command rule invoked the
  function asynchronously, so the commands and the alarm shared Lambda's one event queue,
  served in arrival order by as many invocations as the reserved concurrency, one event each:
  the alarm waits behind every command that arrived before it.
"""

from __future__ import annotations

import importlib
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bench.table import Row, seconds
from local import sample_events
from local.command_lane import BATCH_SIZE
from local.devicefarm_emulator import DeviceFarmEmulator
from local.stack import RESERVED_CONCURRENCY, LocalStack, LocalStackConfig
from local.world import SessionSeed, new_emulator, seed_world

COMMANDS = 1_000
LAB_SESSIONS = 5
LANE_MAX_CONCURRENCY = 2
TARGET_S = 10.0  # the bound on the kill switch's first stop
# The alarm fires once the flood is being worked on: every lane busy (or the flood all taken).
BUSY_TIMEOUT_S = 120.0
FIRST_STOP_TIMEOUT_S = 1_800.0
BASELINE_EXPLAINED = (
    "baseline: the single asynchronous lane before the command lane: the commands and the kill "
    f"switch's alarm in Lambda's one event queue, served in order by {RESERVED_CONCURRENCY} "
    "invocations (the reserved concurrency), so the alarm waits behind the commands; same "
    "local stack, same emulator at Device Farm's real rate limits"
)
# What the function's side is, for docs/performance.md (BASELINES holds baseline lines only).
FUNCTION_EXPLAINED = (
    f"function: the command lane: {COMMANDS:,} queued caller stop commands taken at most "
    f"{LANE_MAX_CONCURRENCY} batches at a time, the kill switch invoking the function directly; "
    f"target: its first stop within {TARGET_S:g} s"
)
BASELINES = (BASELINE_EXPLAINED,)


@dataclass
class Stops:
    """When the emulator admitted each Stop (after its rate limits let it through)."""

    admitted: list[float]
    first: threading.Event


def _record_stops(emulator: DeviceFarmEmulator) -> Stops:
    stops = Stops([], threading.Event())
    stop = emulator.stop_session

    def timed(arn: str) -> dict[str, Any]:
        stops.admitted.append(time.monotonic())
        stops.first.set()
        return stop(arn)

    emulator.stop_session = timed  # type: ignore[method-assign]
    return stops


@contextmanager
def _stack(commands: int) -> Iterator[tuple[LocalStack, Stops, list[dict[str, Any]]]]:
    """The local stack over a lab of running sessions, and the flood: `commands` stop
    commands, each for a session Device Farm does not know."""
    emulator, clock = new_emulator(metered_concurrency=LAB_SESSIONS)
    world = seed_world(
        emulator, clock, [SessionSeed("lab", f"lab-{n}", 20.0) for n in range(LAB_SESSIONS)]
    )
    stops = _record_stops(emulator)
    config = LocalStackConfig(lane_max_concurrency=LANE_MAX_CONCURRENCY)
    flood = [
        sample_events.stop_command_event(sample_events.unknown_session_arn(world.projects["lab"]))
        for _ in range(commands)
    ]
    with LocalStack(config, emulator) as stack:
        # As deployed (SnapStart on by default): init primed every route before the snapshot,
        # so neither run pays the imports and clients of a plain cold start.
        importlib.import_module("session_stopper.priming").prime()
        yield stack, stops, flood


def _wait_until(busy: Callable[[], bool]) -> None:
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while not busy():
        if time.monotonic() > deadline:
            raise RuntimeError("the flood never got going")
        time.sleep(0.01)


def _first_stop_after(fired: float, stops: Stops) -> float:
    if not stops.first.wait(timeout=FIRST_STOP_TIMEOUT_S):
        raise RuntimeError("the kill switch stopped nothing")
    return min(moment for moment in stops.admitted if moment >= fired) - fired


def _fire_kill_switch(invoke: Callable[[Any], Any]) -> tuple[float, threading.Thread]:
    """The alarm's state change, invoked on a thread of its own (Lambda invokes it async)."""
    event = sample_events.composite_alarm_state_change()
    fired = time.monotonic()
    worker = threading.Thread(target=invoke, args=(event,), name="kill-switch", daemon=True)
    worker.start()
    return fired, worker


def _lane_run(commands: int) -> dict[str, Any]:
    with _stack(commands) as (stack, stops, flood):
        lane = stack.commands
        lane.stop()  # queue the whole flood first, as a burst of PutEvents would
        for command in flood:
            lane.send(command)
        lane.start()
        _wait_until(lambda: lane.received >= min(commands, LANE_MAX_CONCURRENCY * BATCH_SIZE))
        taken = lane.received
        fired, kill_switch = _fire_kill_switch(stack.invoke)
        first_stop = _first_stop_after(fired, stops)
        kill_switch.join(timeout=FIRST_STOP_TIMEOUT_S)
        done = time.monotonic() - fired
        lane.stop()
        return {
            "first_stop_s": round(first_stop, 3),
            "kill_switch_done_s": round(done, 3),
            "commands_taken_when_fired": taken,
            "lab_sessions_stopped": len(stops.admitted),
            "most_batches_in_flight": lane.most_in_flight,
        }


class _AsyncQueue:
    """Lambda's asynchronous event queue as one lane: events in arrival order, each invoked on
    its own by one of `concurrency` workers."""

    def __init__(self, invoke: Callable[[Any], Any], concurrency: int) -> None:
        self._events: queue.Queue[Any] = queue.Queue()
        self._invoke = invoke
        self._workers = [
            threading.Thread(target=self._work, name=f"async-{n}", daemon=True)
            for n in range(concurrency)
        ]

    def put(self, event: Any) -> None:
        self._events.put(event)

    def waiting(self) -> int:
        return self._events.qsize()

    def start(self) -> None:
        for worker in self._workers:
            worker.start()

    def finish(self) -> None:
        for _ in self._workers:
            self._events.put(None)
        for worker in self._workers:
            worker.join(timeout=FIRST_STOP_TIMEOUT_S)

    def _work(self) -> None:
        while (event := self._events.get()) is not None:
            self._invoke(event)


def _baseline_run(commands: int) -> dict[str, Any]:
    with _stack(commands) as (stack, stops, flood):
        stack.commands.stop()  # the lane did not exist: everything is invoked asynchronously
        single_lane = _AsyncQueue(stack.invoke, RESERVED_CONCURRENCY)
        for command in flood:
            single_lane.put(command)
        single_lane.start()
        _wait_until(lambda: commands - single_lane.waiting() >= min(commands, RESERVED_CONCURRENCY))
        taken = commands - single_lane.waiting()
        fired = time.monotonic()
        single_lane.put(sample_events.composite_alarm_state_change())
        first_stop = _first_stop_after(fired, stops)
        single_lane.finish()
        return {
            "first_stop_s": round(first_stop, 3),
            "kill_switch_done_s": round(time.monotonic() - fired, 3),
            "commands_taken_when_fired": taken,
            "lab_sessions_stopped": len(stops.admitted),
        }


def run(commands: int = COMMANDS) -> dict[str, Any]:
    lane = _lane_run(commands)
    baseline = _baseline_run(commands)
    return {
        "commands": commands,
        "lab_sessions": LAB_SESSIONS,
        "reserved_concurrency": RESERVED_CONCURRENCY,
        "lane_max_concurrency": LANE_MAX_CONCURRENCY,
        "target_first_stop_s": TARGET_S,
        "function": {"explained": FUNCTION_EXPLAINED, **lane},
        "baseline": {"explained": BASELINE_EXPLAINED, **baseline},
        "ratio": round(lane["first_stop_s"] / baseline["first_stop_s"], 4),
    }


def rows(result: dict[str, Any]) -> list[Row]:
    name = f"kill switch under {result['commands']:,} caller commands"
    lane, baseline = result["function"]["first_stop_s"], result["baseline"]["first_stop_s"]
    return [
        Row(
            name,
            "first stop after the alarm (command lane vs one async lane)",
            seconds(lane),
            seconds(baseline),
            result["ratio"],
        ),
        Row(
            name,
            f"first stop after the alarm, against the {TARGET_S:g} s target",
            seconds(lane),
            f"target {TARGET_S:g} s",
            round(lane / TARGET_S, 4),
            at_most=1.0,
        ),
    ]
