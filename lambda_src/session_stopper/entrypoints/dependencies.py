"""The process-wide services, built on first use so a cold start pays only for what it uses.

`interactive=True` builds them for API requests: every AWS call on the API's short budget, so an
answer arrives within API Gateway's 29 s (gateways/budgets.py). Events and sweeps use the rest.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from session_stopper.config import settings

# Each factory imports what it builds: a stop does not load the sweep, the timers or the
# alarms, nor their models (docs/performance.md, "Without SnapStart").
if TYPE_CHECKING:
    from session_stopper.domain.authority import Authority
    from session_stopper.domain.service import StopService
    from session_stopper.domain.session_budgets import ProjectBudgets
    from session_stopper.domain.session_view import SessionViewer
    from session_stopper.domain.sweeps.sweep import Sweeper
    from session_stopper.domain.timers.expiry import Expiry
    from session_stopper.domain.timers.extension import Extensions
    from session_stopper.domain.timers.extension_once import ExtensionsOnce
    from session_stopper.domain.timers.schedules import SessionTimers
    from session_stopper.gateways.alarms import AlarmGateway
    from session_stopper.gateways.invoker import FunctionInvoker


@functools.cache
def authority(interactive: bool = False) -> Authority:
    """`interactive`: an API request's, whose organization reads draw on its retry allowance."""
    from session_stopper.domain.authority import Authority
    from session_stopper.gateways.retries import api_retry_allowance

    return Authority.of(settings(), api_retry_allowance() if interactive else None)


@functools.cache
def session_timers(interactive: bool = False) -> SessionTimers | None:
    """None when the deployment has no schedule group (timers off)."""
    from session_stopper.domain.timers.schedules import SessionTimers
    from session_stopper.gateways.scheduler import SchedulerGateway

    timer_settings = settings().timers
    if timer_settings is None:
        return None
    return SessionTimers(timer_settings, SchedulerGateway(interactive=interactive))


@functools.cache
def project_budgets(interactive: bool = False) -> ProjectBudgets:
    from session_stopper.domain.session_budgets import BudgetBounds, ProjectBudgets
    from session_stopper.gateways.devicefarm import DeviceFarmGateway

    gateway = DeviceFarmGateway(interactive=interactive, purpose="budget")
    return ProjectBudgets(gateway, BudgetBounds.of(settings()))


@functools.cache
def stop_service(interactive: bool = False) -> StopService:
    from session_stopper.domain.service import StopService

    return StopService(interactive=interactive, timers=session_timers(interactive))


@functools.cache
def sweeper(interactive: bool = False) -> Sweeper:
    from session_stopper.domain.sweeps.sweep import Sweeper
    from session_stopper.gateways.devicefarm import DeviceFarmGateway
    from session_stopper.gateways.sweep_lock import SweepLock

    return Sweeper(
        settings(),
        DeviceFarmGateway(interactive=interactive, purpose="sweep"),
        stop_service(interactive),
        SweepLock(interactive=interactive),
        budgets=project_budgets(interactive),
        expiry=expiry(interactive),
        interactive=interactive,
    )


@functools.cache
def function_invoker(interactive: bool = False) -> FunctionInvoker:
    """Starts a sweep's continuation (domain/sweeps/chain.py)."""
    from session_stopper.gateways.invoker import FunctionInvoker

    return FunctionInvoker(interactive=interactive)


@functools.cache
def extensions(interactive: bool = False) -> Extensions | None:
    """None when timers are off."""
    from session_stopper.domain.timers.extension import Extensions
    from session_stopper.gateways.devicefarm import DeviceFarmGateway
    from session_stopper.gateways.extension_ledger import ExtensionLedger

    timers = session_timers(interactive)
    if timers is None:
        return None
    return Extensions(
        devicefarm=DeviceFarmGateway(interactive=interactive, purpose="extend"),
        timers=timers,
        budgets=project_budgets(interactive),
        service=stop_service(interactive),
        ledger=ExtensionLedger(interactive=interactive),
    )


@functools.cache
def extensions_once(interactive: bool = False) -> ExtensionsOnce | None:
    """Extensions asked for with a client token; None when timers are off."""
    from session_stopper.domain.timers.extension_once import ExtensionsOnce

    moves = extensions(interactive)
    return None if moves is None else ExtensionsOnce(moves, interactive=interactive)


@functools.cache
def expiry(interactive: bool = False) -> Expiry | None:
    """None when timers are off."""
    from session_stopper.domain.timers.expiry import Expiry
    from session_stopper.gateways.devicefarm import DeviceFarmGateway

    timers, moves = session_timers(interactive), extensions(interactive)
    if timers is None or moves is None:
        return None
    return Expiry(
        settings=settings(),
        authority=authority(),
        devicefarm=DeviceFarmGateway(interactive=interactive, purpose="timer"),
        timers=timers,
        budgets=project_budgets(interactive),
        service=stop_service(interactive),
        extensions=moves,
    )


@functools.cache
def session_viewer() -> SessionViewer:
    """Only the API asks for it."""
    from session_stopper.domain.session_view import SessionViewer
    from session_stopper.gateways.devicefarm import DeviceFarmGateway
    from session_stopper.gateways.extension_ledger import ExtensionLedger

    timers = session_timers(interactive=True)
    return SessionViewer(
        settings(),
        DeviceFarmGateway(interactive=True, purpose="view"),
        project_budgets(interactive=True),
        expiry(interactive=True),
        timers=timers,
        ledger=None if timers is None else ExtensionLedger(interactive=True),
    )


@functools.cache
def alarm_gateway() -> AlarmGateway:
    from session_stopper.gateways.alarms import AlarmGateway

    return AlarmGateway()
