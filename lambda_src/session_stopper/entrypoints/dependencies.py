"""The process-wide services, built on first use so a cold start pays only for what it uses.

`interactive=True` builds them for API requests: every AWS call on the API's short budget, so an
answer arrives within API Gateway's 29 s (gateways/budgets.py). Events and sweeps use the rest.
"""

from __future__ import annotations

import functools

from session_stopper.config import settings
from session_stopper.domain.authority import Authority
from session_stopper.domain.service import StopService
from session_stopper.domain.sweep import Sweeper
from session_stopper.gateways.alarms import AlarmGateway
from session_stopper.gateways.devicefarm import DeviceFarmGateway
from session_stopper.gateways.sweep_lock import SweepLock


@functools.cache
def authority() -> Authority:
    return Authority.of(settings())


@functools.cache
def stop_service(interactive: bool = False) -> StopService:
    return StopService(interactive=interactive)


@functools.cache
def sweeper(interactive: bool = False) -> Sweeper:
    return Sweeper(
        settings(),
        DeviceFarmGateway(interactive=interactive),
        stop_service(interactive),
        SweepLock(interactive=interactive),
    )


@functools.cache
def alarm_gateway() -> AlarmGateway:
    return AlarmGateway()
