"""Device Farm through botocore's Stubber: it checks every request and response against the
service model, so these tests cannot pass with a call or an answer AWS would not accept."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.stub import Stubber

from local.devicefarm_emulator import DeviceFarmEmulator, EmulatorServer
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.service import StopService, register_lambda_context
from session_stopper.gateways import devicefarm
from session_stopper.gateways.devicefarm import DeviceFarmGateway, devicefarm_client
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.session import RemoteAccessSession
from tests.conftest import load_fixture
from tests.integration.timer_support import Schedules, enable_timers
from tests.support.aws import OutcomeSink
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext


@pytest.fixture
def devicefarm_stub(
    outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Stubber]:
    """One stubbed client answers for both profiles (API and batch)."""
    client = devicefarm_client()
    monkeypatch.setattr(devicefarm, "devicefarm_client", lambda _interactive=False: client)
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def api_event() -> Callable[..., dict[str, Any]]:
    def build(body: Any = None, raw_body: str | None = None, **overrides: Any) -> dict[str, Any]:
        event = load_fixture("apigw_stop_request.json")
        if raw_body is not None or body is not None:
            event["body"] = raw_body if raw_body is not None else json.dumps(body)
        event.update(overrides)
        return event

    return build


@pytest.fixture
def stop_command_event() -> Callable[..., dict[str, Any]]:
    def build(detail: Any = None, **overrides: Any) -> dict[str, Any]:
        event = load_fixture("eventbridge_stop_command.json")
        if detail is not None:
            event["detail"] = detail
        event.update(overrides)
        return event

    return build


@pytest.fixture
def world(
    outcome_sink: OutcomeSink,
    devicefarm_session_server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[DeviceFarmWorld]:
    """The function's Device Farm client pointed at the emulator over HTTP."""
    world = DeviceFarmWorld.create()
    devicefarm_session_server.emulator = world.emulator
    monkeypatch.setenv("AWS_ENDPOINT_URL_DEVICE_FARM", devicefarm_session_server.url)
    reset_function_caches()
    yield world
    devicefarm_session_server.emulator = DeviceFarmEmulator()


class _HeldGateway(DeviceFarmGateway):
    """Reads the session, then waits: its stop stays in progress until released."""

    def __init__(self) -> None:
        super().__init__()
        self.reading = threading.Event()
        self.release = threading.Event()

    def get_session(self, arn: str) -> RemoteAccessSession:
        self.reading.set()
        self.release.wait(timeout=10)
        return super().get_session(arn)


@pytest.fixture
def stop_in_progress(world: DeviceFarmWorld) -> Iterator[Callable[[str], None]]:
    """`hold(arn)`: another invocation starts stopping that session and is still at it until
    the test ends (its idempotency record says IN_PROGRESS)."""
    held: list[tuple[_HeldGateway, threading.Thread]] = []
    register_lambda_context(FakeLambdaContext())

    def hold(arn: str) -> None:
        gateway = _HeldGateway()
        origin = Origin.of(TriggerKind.API, f"other-request-{len(held)}")
        worker = threading.Thread(target=StopService(gateway=gateway).stop, args=(arn, origin))
        worker.start()
        assert gateway.reading.wait(timeout=10)
        held.append((gateway, worker))

    yield hold
    for gateway, worker in held:
        gateway.release.set()
        worker.join(timeout=10)


@pytest.fixture
def load_event() -> Callable[[str], dict[str, Any]]:
    return load_fixture


@pytest.fixture
def schedules(
    world: DeviceFarmWorld, outcome_sink: OutcomeSink, monkeypatch: pytest.MonkeyPatch
) -> Schedules:
    """Timers on, on moto's Scheduler: the schedules as the function leaves them."""
    return enable_timers(monkeypatch, outcome_sink.region)


@pytest.fixture
def session(world: DeviceFarmWorld) -> dict[str, Any]:
    """A RUNNING metered session, 10 minutes old, in project "alpha"."""
    return world.populate([SessionSpec("alpha", 10, "exploratory")])[0]
