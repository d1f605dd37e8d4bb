"""The local stack: Device Farm emulator + moto server + the function behind a local API.

`python -m local.stack` (make local) serves it until Ctrl-C; `LocalStack` is the same thing as
a context manager, for the demo and the tests:

    with LocalStack(LocalStackConfig(), emulator) as stack:
        urllib.request.urlopen(f"{stack.api_url}/sessions/stop", ...)
        stack.advance(minutes=60)  # CloudTrail delivered, due schedules fired, on the way

The function runs in as many environments as its reserved concurrency (RESERVED_CONCURRENCY, as
deployed). Caller commands take the command lane (local/command_lane.py): `send_command` queues
one as the command rule does, and the lane's pollers invoke the function with at most
MaximumConcurrency batches in flight, while alarms, timers, sweeps and the API invoke it directly
on the environments left over.

The function's clock is the emulator's while the stack runs. Its timers work as in AWS: the
emulator's CloudTrail events reach it through the timer rule's pattern, and the scheduler
runner fires the schedules it leaves in moto. Both run in the background under `make local`;
tests and the demo drive them with `deliver_cloudtrail`, `fire_due_schedules` and `advance`.

Member accounts (`members`, optionally in an organization): each gets its spoke role in moto's
IAM and its account in the emulator; the function assumes the roles through the local STS gate
(AWS_ENDPOINT_URL_STS), which refuses what IAM would. Seed a member's sessions with
`stack.emulator.account(member_id)`; call the API as a member-account caller by signing with
`stack.caller_key(member_id)`:

    config = LocalStackConfig(members=(LocalMember("111111111111", dry_run=False),
                                       LocalMember("222222222222", spoke_role=False)))
    with LocalStack(config, emulator) as stack:
        post_json(f"{stack.api_url}/sessions/stop", body, access_key_id=stack.caller_key(...))
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

from local.accounts.members import LocalMember, MemberScope, arrange_members, member_environment
from local.accounts.sts_gate import StsGate
from local.api_server import LocalApiServer
from local.aws_resources import MotoServer, aws_client, create_alarm, create_resources
from local.cloudtrail_delivery import CloudTrailDelivery, Delivery
from local.command_lane import MAX_CONCURRENCY, CommandLane, create_lane_queues
from local.devicefarm_emulator import DeviceFarmEmulator, EmulatorServer
from local.devicefarm_emulator.accounts import require_account_id
from local.environment import (
    CREDENTIAL_VARIABLES,
    INHERITED_VARIABLES,
    Endpoints,
    Resources,
    applied_environment,
    function_environment,
)
from local.lambda_runtime import (
    LambdaInvoker,
    bind_function_clock,
    reset_function_caches,
    unbind_function_clock,
)
from local.scheduler_runner import Fired, SchedulerRunner
from local.timer_driver import Advanced, TimerDriver

Running = TypeVar("Running")
DEFAULT_REGION = "eu-west-1"
# The stack's reservedConcurrency default (cdk.json).
RESERVED_CONCURRENCY = 10


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
    reserved_concurrency: int = RESERVED_CONCURRENCY
    lane_max_concurrency: int = MAX_CONCURRENCY
    # Member accounts the hub reaches through their spoke roles; none: one account, as before.
    members: tuple[LocalMember, ...] = ()
    # The members as accounts of an OU in moto's Organizations (the function then gets
    # ORGANIZATION_UNIT_IDS; moto chooses the account ids: see `LocalStack.members`).
    organization: bool = False


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
        self._commands: CommandLane | None = None
        self._sts: StsGate | None = None
        self.scope = MemberScope(())
        self.resources: Resources | None = None
        self.invoker = LambdaInvoker(
            region=config.region,
            drop_metric_lines=not config.verbose,
            concurrency=config.reserved_concurrency,
        )

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
        self._arrange_members()
        # First, so the function's Lambda client (a sweep's continuation) can be pointed at it;
        # it invokes nothing before the environment is set.
        self._api = LocalApiServer(
            self.invoker, config.host, config.api_port, credentials=self.emulator.credentials
        ).start()
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
        self._commands = CommandLane(
            self.sqs(),
            create_lane_queues(self.sqs()),
            config.region,
            self.invoker.invoke,
            max_concurrency=config.lane_max_concurrency,
        )
        self._commands.start()
        require_running(self._api).send_command = self._commands.send
        self._exit.callback(self._commands.stop)  # before the invoker closes

    def _arrange_members(self) -> None:
        """Spoke roles (and the organization), the members' emulated accounts, the STS gate."""
        config = self.config
        if not config.members:
            return
        self.scope = arrange_members(
            self.moto_url, config.region, config.members, config.organization
        )
        for member in self.scope.members:
            self.emulator.account(member.account_id)  # its CloudTrail feed exists from now on
        self._sts = StsGate(self.moto_url, self.emulator.credentials, config.host).start()
        self._exit.callback(self._sts.stop)

    def _timer_driver(self, resources: Resources) -> TimerDriver:
        """Every delivery and every fired schedule goes through the one invoker, one event at a
        time, like everything else the function receives here."""
        scheduler = aws_client("scheduler", self.moto_url, self.config.region)
        runner = SchedulerRunner(
            scheduler, resources.timer_group, self.emulator.clock.now, self.invoker.invoke
        )
        member_feeds = [
            self.emulator.account(member.account_id).cloudtrail for member in self.scope.members
        ]
        delivery = CloudTrailDelivery(
            self.emulator.cloudtrail, self.invoker.invoke, member_feeds=member_feeds
        )
        return TimerDriver(self.emulator.clock, delivery, runner)

    def _apply_function_environment(
        self, devicefarm_url: str, moto_url: str, resources: Resources
    ) -> None:
        config = self.config
        members = (
            member_environment(self.scope, self.sts_url, moto_url) if self._sts is not None else {}
        )
        environment = function_environment(
            Endpoints(devicefarm=devicefarm_url, moto=moto_url, lambda_=self.api_url),
            resources,
            region=config.region,
            verbose=config.verbose,
            extra={**members, **config.function_env},
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
        return require_running(self._api).url

    @property
    def emulator_url(self) -> str:
        return require_running(self._devicefarm).url

    @property
    def moto_url(self) -> str:
        return require_running(self._moto).url

    @property
    def sts_url(self) -> str:
        """The local STS gate (only with members)."""
        return require_running(self._sts).url

    @property
    def members(self) -> tuple[LocalMember, ...]:
        """The member accounts as arranged, with their real ids (moto's in organization mode)."""
        return self.scope.members

    @property
    def organization_unit_id(self) -> str | None:
        return self.scope.organization_unit_id

    def caller_key(self, account_id: str, arn: str | None = None) -> str:
        """An access key that calls as a principal of `account_id` (default: its local
        developer user): sign an API request with it to be a member-account caller."""
        key = f"AKIALOCALCALLER{require_account_id(account_id)}"
        principal = arn or f"arn:aws:iam::{account_id}:user/local-developer"
        self.emulator.credentials.register(key, account_id, principal)
        return key

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

    @property
    def commands(self) -> CommandLane:
        """The command lane: `send` queues a caller command as the command rule would."""
        return require_running(self._commands)

    def send_command(self, command: dict[str, Any]) -> str:
        """Queue an EventBridge command event, as the command rule does; returns its message id."""
        return self.commands.send(command)

    def scheduler(self) -> Any:
        """A Scheduler client on moto, where the function keeps its timers."""
        return aws_client("scheduler", self.moto_url, self.config.region)

    def deliver_cloudtrail(self) -> list[Delivery]:
        """Deliver the emulator's due CloudTrail events the timer rule matches to the function."""
        return require_running(self._timers).deliver_cloudtrail()

    def fire_due_schedules(self) -> list[Fired]:
        """Fire the timer schedules due on the emulator's clock."""
        return require_running(self._timers).fire_due_schedules()

    def advance(self, *, minutes: float = 0.0, seconds: float = 0.0) -> Advanced:
        """Move the emulator's (and so the function's) clock forward, delivering CloudTrail and
        firing schedules at the moments they fall due on the way."""
        return require_running(self._timers).advance(minutes=minutes, seconds=seconds)


def require_running(server: Running | None) -> Running:
    if server is None:
        raise RuntimeError("the local stack is not running: use it inside `with`")
    return server


if __name__ == "__main__":
    # Here, not at the top: the command line imports this module.
    from local.stack_cli import main

    raise SystemExit(main())
