"""The process-wide services, built on first use so a cold start pays only for what it uses."""

from __future__ import annotations

import functools

from session_stopper.config import settings
from session_stopper.domain.service import StopService
from session_stopper.domain.sweep import Sweeper
from session_stopper.gateways.devicefarm import DeviceFarmGateway


@functools.cache
def stop_service() -> StopService:
    return StopService()


@functools.cache
def api_stop_service() -> StopService:
    """Stops for API callers: fewer retries and shorter timeouts, to answer within 29 s."""
    return StopService(gateway=DeviceFarmGateway(interactive=True))


@functools.cache
def sweeper() -> Sweeper:
    return Sweeper(settings(), DeviceFarmGateway(), stop_service())


@functools.cache
def api_sweeper() -> Sweeper:
    """Sweeps for API callers share their shorter retry budget (see api_stop_service)."""
    return Sweeper(settings(), DeviceFarmGateway(interactive=True), api_stop_service())
