"""The command line of the local stack: `python -m local.stack` (make local) seeds a world,
serves the stack with its timers in the background and prints the outcomes until Ctrl-C or
SIGTERM. stack.py delegates its `__main__` here."""

from __future__ import annotations

import argparse
import errno
import signal
import sys
import threading
from collections.abc import Sequence
from types import FrameType

from local import stack as local_stack
from local.devicefarm_emulator import DeviceFarmEmulator
from local.help_text import Examples, local_help
from local.outcomes import TapPrinter
from local.ports import PortUnavailable, check_ports
from local.sample_events import IDLE_ALARM_NAME
from local.stack import DEFAULT_REGION, LocalStack, LocalStackConfig, require_running
from local.world import SeededWorld, SessionSeed, new_emulator, seed_world

DEFAULT_API_PORT = 3000
DEFAULT_CONCURRENCY = 2  # Device Farm's own default metered session limit
DEFAULT_PROTECTED = "keep-.*"

# What `make local` starts with: something for every trigger to act on.
LOCAL_SEEDS = [
    SessionSeed("android-app", "forgotten-debug", age_minutes=95),
    SessionSeed("android-app", "checkout-flow", age_minutes=12),
    SessionSeed("ios-app", "keep-perf-baseline", age_minutes=80, billing_method="UNMETERED"),
    SessionSeed("ios-app", "exploratory-ios", age_minutes=25, billing_method="UNMETERED"),
    SessionSeed("ios-app", "login-smoke", age_minutes=50, ended_minutes_ago=30),
]
LOCAL_EXAMPLES = Examples(http="checkout-flow", event="exploratory-ios", alarm="forgotten-debug")


def seeded_local_world(
    metered_concurrency: int = DEFAULT_CONCURRENCY,
) -> tuple[DeviceFarmEmulator, SeededWorld]:
    """The Device Farm of `make local` (and `make invoke`): an emulator holding LOCAL_SEEDS."""
    emulator, clock = new_emulator(metered_concurrency=metered_concurrency)
    return emulator, seed_world(emulator, clock, LOCAL_SEEDS)


def local_function_env(protected: str = DEFAULT_PROTECTED, dry_run: bool = False) -> dict[str, str]:
    """The function's settings on top of the local stack's: protected names, dry run."""
    return {
        **({"PROTECTED_NAME_PATTERN": protected} if protected else {}),
        **({"SWEEP_DRY_RUN": "true"} if dry_run else {}),
    }


def aim_local_alarm(stack: LocalStack, world: SeededWorld) -> None:
    """The session alarm (in ALARM) names LOCAL_EXAMPLES.alarm's session: the function stops
    only a session its alarm itself names."""
    stack.point_alarm(IDLE_ALARM_NAME, world.arn(LOCAL_EXAMPLES.alarm))


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535; 0: any free port)")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=local_stack.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=DEFAULT_API_PORT, help="API port (0: free)")
    parser.add_argument("--emulator-port", type=_port, default=0, help="Device Farm emulator")
    parser.add_argument("--moto-port", type=_port, default=0, help="moto server (SNS/SQS/...)")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the function's own region")
    parser.add_argument(
        "--concurrency", type=int, default=DEFAULT_CONCURRENCY, help="metered session limit"
    )
    parser.add_argument("--protected", default=DEFAULT_PROTECTED, help="PROTECTED_NAME_PATTERN")
    parser.add_argument(
        "--dry-run", action="store_true", help="SWEEP_DRY_RUN=true, as on a first deploy"
    )
    parser.add_argument("--verbose", action="store_true", help="show the function's JSON logs")
    return parser.parse_args(argv)


def _stop_on_signals() -> threading.Event:
    """Installed before anything starts, so a signal during start-up still stops cleanly."""
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    return stop


def serve(args: argparse.Namespace) -> None:
    # Before anything starts: a taken port is one sentence, not a traceback after a slow start.
    check_ports(
        args.host,
        {"port": args.port, "emulator_port": args.emulator_port, "moto_port": args.moto_port},
    )
    stop = _stop_on_signals()
    emulator, world = seeded_local_world(args.concurrency)
    config = LocalStackConfig(
        host=args.host,
        api_port=args.port,
        emulator_port=args.emulator_port,
        moto_port=args.moto_port,
        region=args.region,
        verbose=args.verbose,
        background_timers=True,
        function_env=local_function_env(args.protected, args.dry_run),
    )
    with LocalStack(config, emulator) as stack:
        aim_local_alarm(stack, world)
        urls = (stack.api_url, stack.emulator_url, stack.moto_url)
        print(local_help(*urls, world, LOCAL_EXAMPLES), flush=True)
        tap = TapPrinter(stack.sqs(), require_running(stack.resources).tap_queue_url, _print_now)
        tap.start()
        try:
            stop.wait()
        finally:
            tap.stop()
    print("local stack stopped; ports released", flush=True)


def _print_now(line: str) -> None:
    print(line, flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        serve(parse_args(argv))
    except PortUnavailable as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        # Free when checked, taken by the time a server bound it.
        print(
            "error: a port was taken while the local stack started; run it again, or choose "
            "another port: make local PORT=3001 (0 picks any free port).",
            file=sys.stderr,
        )
        return 2
    return 0
