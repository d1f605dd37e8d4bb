"""The local stack: Device Farm emulator + moto server + the function behind a local API.

`python -m local.stack` (make local) serves it until Ctrl-C; `LocalStack` is the same thing as
a context manager, for the demo and the tests:

    with LocalStack(LocalStackConfig(), emulator) as stack:
        urllib.request.urlopen(f"{stack.api_url}/sessions/stop", ...)
        stack.advance(minutes=60)  # CloudTrail delivered, due schedules fired, on the way

The function's clock is the emulator's while the stack runs. Its timers work as in AWS: the
emulator's CloudTrail events reach it through the timer rule's pattern, and the scheduler
runner fires the schedules it leaves in moto. Both run in the background under `make local`;
tests and the demo drive them with `deliver_cloudtrail`, `fire_due_schedules` and `advance`.
"""

from __future__ import annotations

import argparse
import errno
import signal
import socket
import sys
import threading
import warnings
from collections.abc import Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import FrameType, TracebackType
from typing import Any, TypeVar

from local.api_server import LocalApiServer
from local.aws_resources import MotoServer, aws_client, create_alarm, create_resources
from local.cloudtrail_delivery import CloudTrailDelivery, Delivery
from local.devicefarm_emulator import DeviceFarmEmulator, EmulatorServer
from local.environment import (
    CREDENTIAL_VARIABLES,
    INHERITED_VARIABLES,
    Endpoints,
    Resources,
    applied_environment,
    function_environment,
)
from local.help_text import Examples, local_help
from local.lambda_runtime import (
    LambdaInvoker,
    bind_function_clock,
    reset_function_caches,
    unbind_function_clock,
)
from local.outcomes import TapPrinter
from local.sample_events import IDLE_ALARM_NAME
from local.scheduler_runner import Fired, SchedulerRunner
from local.timer_driver import Advanced, TimerDriver
from local.world import SessionSeed, new_emulator, seed_world

Running = TypeVar("Running")
DEFAULT_REGION = "eu-west-1"
DEFAULT_API_PORT = 3000

# What `make local` starts with: something for every trigger to act on.
LOCAL_SEEDS = [
    SessionSeed("android-app", "forgotten-debug", age_minutes=95),
    SessionSeed("android-app", "checkout-flow", age_minutes=12),
    SessionSeed("ios-app", "keep-perf-baseline", age_minutes=80, billing_method="UNMETERED"),
    SessionSeed("ios-app", "exploratory-ios", age_minutes=25, billing_method="UNMETERED"),
    SessionSeed("ios-app", "login-smoke", age_minutes=50, ended_minutes_ago=30),
]
LOCAL_EXAMPLES = Examples(http="checkout-flow", event="exploratory-ios", alarm="forgotten-debug")


@dataclass(frozen=True)
class LocalStackConfig:
    host: str = "127.0.0.1"
    api_port: int = 0  # 0: a free port
    emulator_port: int = 0
    moto_port: int = 0
    region: str = DEFAULT_REGION
    verbose: bool = False
    function_env: Mapping[str, str] = field(default_factory=dict)  # e.g. PROTECTED_NAME_PATTERN
    # CloudTrail delivery and schedule firing on background threads (make local); off, the
    # caller drives them, so a test sees exactly what it asked for.
    background_timers: bool = False
    timer_interval_seconds: float = 1.0


class LocalStack:
    """Starts everything on enter, and on exit stops it, frees the ports and restores os.environ."""

    def __init__(self, config: LocalStackConfig, emulator: DeviceFarmEmulator) -> None:
        self.config = config
        self.emulator = emulator
        self._exit = ExitStack()
        self._moto: MotoServer | None = None
        self._devicefarm: EmulatorServer | None = None
        self._api: LocalApiServer | None = None
        self._timers: TimerDriver | None = None
        self.resources: Resources | None = None
        self.invoker = LambdaInvoker(region=config.region, drop_metric_lines=not config.verbose)

    def __enter__(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self._exit.close()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._exit.close()

    def _start(self) -> None:
        config = self.config
        self._moto = MotoServer(config.host, config.moto_port).start()
        self._exit.callback(self._moto.stop)
        self._devicefarm = EmulatorServer(self.emulator, config.host, config.emulator_port).start()
        self._exit.callback(self._devicefarm.stop)
        self.resources = create_resources(self._moto.url, config.region)
        # First, so the function's Lambda client (a sweep's continuation) can be pointed at it;
        # it invokes nothing before the environment is set.
        self._api = LocalApiServer(self.invoker, config.host, config.api_port).start()
        self._exit.callback(self._api.stop)
        self._apply_function_environment(self._devicefarm.url, self._moto.url, self.resources)
        bind_function_clock(self.emulator.clock.now)
        self._exit.callback(unbind_function_clock)
        # On exit: no new invocation, and the one in flight ends before anything else stops.
        self._exit.callback(self.invoker.close)
        self._timers = self._timer_driver(self.resources)
        if config.background_timers:
            self._timers.start(config.timer_interval_seconds)
        self._exit.callback(self._timers.stop)  # before the invoker closes

    def _timer_driver(self, resources: Resources) -> TimerDriver:
        """Every delivery and every fired schedule goes through the one invoker, one event at a
        time, like everything else the function receives here."""
        scheduler = aws_client("scheduler", self.moto_url, self.config.region)
        runner = SchedulerRunner(
            scheduler, resources.timer_group, self.emulator.clock.now, self.invoker.invoke
        )
        delivery = CloudTrailDelivery(self.emulator.cloudtrail, self.invoker.invoke)
        return TimerDriver(self.emulator.clock, delivery, runner)

    def _apply_function_environment(
        self, devicefarm_url: str, moto_url: str, resources: Resources
    ) -> None:
        config = self.config
        environment = function_environment(
            Endpoints(devicefarm=devicefarm_url, moto=moto_url, lambda_=self.api_url),
            resources,
            region=config.region,
            verbose=config.verbose,
            extra=config.function_env,
        )
        removed = (*CREDENTIAL_VARIABLES, *INHERITED_VARIABLES)
        self._exit.enter_context(applied_environment(environment, removed))
        # Clients and settings cached under another environment must not be used under this
        # one, nor these after it: forget them now and again on exit.
        reset_function_caches()
        self._exit.callback(reset_function_caches)
        if not config.verbose:
            # Powertools warns on every invocation that published no metric (a 400, say).
            self._exit.enter_context(warnings.catch_warnings())
            warnings.filterwarnings("ignore", message="No application metrics to publish")

    @property
    def api_url(self) -> str:
        return _running(self._api).url

    @property
    def emulator_url(self) -> str:
        return _running(self._devicefarm).url

    @property
    def moto_url(self) -> str:
        return _running(self._moto).url

    def sqs(self) -> Any:
        return aws_client("sqs", self.moto_url, self.config.region)

    def point_alarm(self, name: str, session_arn: str) -> None:
        """Make the session alarm `name` (in moto's CloudWatch) name `session_arn`, in ALARM:
        the function acts only on sessions the alarm itself names."""
        cloudwatch = aws_client("cloudwatch", self.moto_url, self.config.region)
        create_alarm(cloudwatch, name, sessions=[session_arn])

    def invoke(self, event: Any) -> Any:
        """A direct invoke, in this process (the HTTP way is POST {api_url}/_local/invoke)."""
        return self.invoker.invoke(event)

    def scheduler(self) -> Any:
        """A Scheduler client on moto, where the function keeps its timers."""
        return aws_client("scheduler", self.moto_url, self.config.region)

    def deliver_cloudtrail(self) -> list[Delivery]:
        """Deliver the emulator's due CloudTrail events the timer rule matches to the function."""
        return _running(self._timers).deliver_cloudtrail()

    def fire_due_schedules(self) -> list[Fired]:
        """Fire the timer schedules due on the emulator's clock."""
        return _running(self._timers).fire_due_schedules()

    def advance(self, *, minutes: float = 0.0, seconds: float = 0.0) -> Advanced:
        """Move the emulator's (and so the function's) clock forward, delivering CloudTrail and
        firing schedules at the moments they fall due on the way."""
        return _running(self._timers).advance(minutes=minutes, seconds=seconds)


def _running(server: Running | None) -> Running:
    if server is None:
        raise RuntimeError("the local stack is not running: use it inside `with`")
    return server


class PortUnavailable(Exception):
    """A port `make local` was asked to listen on cannot be had: the message says which, why,
    and how to choose another."""


# Each port option, with how a user of `make local` changes it.
PORT_OPTIONS = {
    "port": ("the function API", "make local PORT={port}"),
    "emulator_port": ("the Device Farm emulator", "python -m local.stack --emulator-port {port}"),
    "moto_port": ("moto (SNS/SQS/...)", "python -m local.stack --moto-port {port}"),
}


def _listen_problem(host: str, port: int) -> OSError | None:
    """Why a server could not listen on host:port right now, or None. The probe binds as the
    servers do (SO_REUSEADDR), so a port another server listens on is refused, a port only
    lingering in TIME_WAIT is not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def _free_port_after(host: str, port: int, tries: int = 50) -> int:
    """The first port after `port` a server could listen on; 0 (any free port) if none near."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if _listen_problem(host, candidate) is None:
            return candidate
    return 0


def check_ports(host: str, ports: Mapping[str, int]) -> None:
    """Raise PortUnavailable for the first fixed port (not 0) no server could listen on."""
    for option, port in ports.items():
        if not port:
            continue
        problem = _listen_problem(host, port)
        if problem is None:
            continue
        what, how = PORT_OPTIONS[option]
        if problem.errno == errno.EADDRINUSE:
            why = f"port {port} on {host} is taken: something already listens there"
            hint = "another `make local` still running?"
        elif problem.errno == errno.EACCES:
            why = f"port {port} on {host} needs privileges this user does not have"
            hint = "ports below 1024 usually do"
        else:
            why = f"cannot listen on {host}:{port} ({problem.strerror or problem})"
            hint = "is --host an address of this machine?"
        other = how.format(port=_free_port_after(host, port))
        raise PortUnavailable(
            f"{why} ({what}; {hint}). Choose another port: {other} (0 picks any free port)."
        )


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{value} is not a port (0-65535; 0: any free port)")
    return value


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local.stack", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=_port, default=DEFAULT_API_PORT, help="API port (0: free)")
    parser.add_argument("--emulator-port", type=_port, default=0, help="Device Farm emulator")
    parser.add_argument("--moto-port", type=_port, default=0, help="moto server (SNS/SQS/...)")
    parser.add_argument("--region", default=DEFAULT_REGION, help="the function's own region")
    parser.add_argument("--concurrency", type=int, default=2, help="metered session limit")
    parser.add_argument("--protected", default="^keep-", help="PROTECTED_NAME_PATTERN")
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
    emulator, clock = new_emulator(metered_concurrency=args.concurrency)
    world = seed_world(emulator, clock, LOCAL_SEEDS)
    config = LocalStackConfig(
        host=args.host,
        api_port=args.port,
        emulator_port=args.emulator_port,
        moto_port=args.moto_port,
        region=args.region,
        verbose=args.verbose,
        background_timers=True,
        function_env={
            **({"PROTECTED_NAME_PATTERN": args.protected} if args.protected else {}),
            **({"SWEEP_DRY_RUN": "true"} if args.dry_run else {}),
        },
    )
    with LocalStack(config, emulator) as stack:
        stack.point_alarm(IDLE_ALARM_NAME, world.arn(LOCAL_EXAMPLES.alarm))
        urls = (stack.api_url, stack.emulator_url, stack.moto_url)
        print(local_help(*urls, world, LOCAL_EXAMPLES), flush=True)
        tap = TapPrinter(stack.sqs(), _running(stack.resources).tap_queue_url, _print_now)
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


if __name__ == "__main__":
    raise SystemExit(main())
