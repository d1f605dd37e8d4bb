"""pytest fixtures: a fresh emulator per test, served by one server per test session.

Register with `pytest_plugins = ["local.devicefarm_emulator.testing"]` in a root conftest.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config

from local.devicefarm_emulator.clock import ManualClock
from local.devicefarm_emulator.emulator import DeviceFarmEmulator
from local.devicefarm_emulator.server import EmulatorServer

__all__ = [
    "devicefarm_client",
    "devicefarm_emulator",
    "devicefarm_server",
    "devicefarm_session_server",
    "make_devicefarm_client",
]


def make_devicefarm_client(
    endpoint_url: str,
    max_attempts: int = 1,
    *,
    access_key_id: str = "testing",
    session_token: str | None = None,
    **config: Any,
) -> Any:
    """A boto3 Device Farm client for the emulator, signed with `access_key_id` (the local
    base key by default: the hub's). Only the key id matters: the emulator's credentials
    registry maps it to an account; the signature is not checked.

    `max_attempts` counts every attempt, the first included. It is passed as botocore's
    `total_max_attempts`: botocore's own `max_attempts` key counts retries only.
    """
    return boto3.session.Session().client(
        "devicefarm",
        region_name="us-west-2",
        endpoint_url=endpoint_url,
        aws_access_key_id=access_key_id,
        aws_secret_access_key="testing",  # noqa: S106 (not a secret: the emulator ignores it)
        aws_session_token=session_token,
        config=Config(retries={"mode": "standard", "total_max_attempts": max_attempts}, **config),
    )


@pytest.fixture(scope="session")
def devicefarm_session_server() -> Iterator[EmulatorServer]:
    """The one server of the test session; tests get it through `devicefarm_server`."""
    server = EmulatorServer(DeviceFarmEmulator()).start()
    yield server
    server.stop()


@pytest.fixture
def devicefarm_emulator() -> DeviceFarmEmulator:
    """A fresh emulator on a ManualClock (starting at the current wall time)."""
    return DeviceFarmEmulator(clock=ManualClock())


@pytest.fixture
def devicefarm_server(
    devicefarm_session_server: EmulatorServer, devicefarm_emulator: DeviceFarmEmulator
) -> Iterator[EmulatorServer]:
    """The shared server, answering from this test's emulator."""
    devicefarm_session_server.emulator = devicefarm_emulator
    yield devicefarm_session_server
    devicefarm_session_server.emulator = DeviceFarmEmulator()


@pytest.fixture(scope="session")
def _devicefarm_session_client(devicefarm_session_server: EmulatorServer) -> Any:
    return make_devicefarm_client(devicefarm_session_server.url)


@pytest.fixture
def devicefarm_client(
    devicefarm_server: EmulatorServer,  # noqa: ARG001 (binds this test's emulator)
    _devicefarm_session_client: Any,
) -> Any:
    """boto3 client on the emulator; standard retries, one attempt, so faults surface raw."""
    return _devicefarm_session_client
