"""Device Farm's enums as botocore's model lists them today.

AWS adds values over time, so fields are typed with `Lenient[...]`: a known value passes, an
unknown one is kept as the raw string and logged as a warning instead of failing the function.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator

from session_stopper.observability import logger


class SessionStatus(StrEnum):
    PENDING = "PENDING"
    PENDING_CONCURRENCY = "PENDING_CONCURRENCY"
    PENDING_DEVICE = "PENDING_DEVICE"
    PROCESSING = "PROCESSING"
    SCHEDULING = "SCHEDULING"
    PREPARING = "PREPARING"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    STOPPING = "STOPPING"


class SessionResult(StrEnum):
    PENDING = "PENDING"
    PASSED = "PASSED"
    WARNED = "WARNED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    ERRORED = "ERRORED"
    STOPPED = "STOPPED"


class DevicePlatform(StrEnum):
    ANDROID = "ANDROID"
    IOS = "IOS"


class DeviceFormFactor(StrEnum):
    PHONE = "PHONE"
    TABLET = "TABLET"


class DeviceType(StrEnum):
    PHYSICAL = "PHYSICAL"
    VIRTUAL = "VIRTUAL"


class DeviceAvailability(StrEnum):
    TEMPORARY_NOT_AVAILABLE = "TEMPORARY_NOT_AVAILABLE"
    BUSY = "BUSY"
    AVAILABLE = "AVAILABLE"
    HIGHLY_AVAILABLE = "HIGHLY_AVAILABLE"


class InstanceStatus(StrEnum):
    IN_USE = "IN_USE"
    PREPARING = "PREPARING"
    AVAILABLE = "AVAILABLE"
    NOT_AVAILABLE = "NOT_AVAILABLE"


class BillingMethod(StrEnum):
    METERED = "METERED"
    UNMETERED = "UNMETERED"


class InteractionMode(StrEnum):
    INTERACTIVE = "INTERACTIVE"
    NO_VIDEO = "NO_VIDEO"
    VIDEO_ONLY = "VIDEO_ONLY"


ENDED_STATUSES = frozenset({SessionStatus.COMPLETED, SessionStatus.STOPPING})


_warned: set[str] = set()


def warn_once(message: str, **details: Any) -> None:
    """Log a drift warning once per process: a sweep validates thousands of similar answers."""
    key = f"{message}{sorted(details.items())}"
    if key not in _warned:
        _warned.add(key)
        logger.warning(message, extra=details)


def _known_or_warn(enum_type: type[StrEnum]) -> AfterValidator:
    known = frozenset(member.value for member in enum_type)

    def check(value: str) -> str:
        if value not in known:
            warn_once(
                "Device Farm sent an enum value this version does not know",
                enum=enum_type.__name__,
                value=value,
            )
        return value

    return AfterValidator(check)


Status = Annotated[str, _known_or_warn(SessionStatus)]
Result = Annotated[str, _known_or_warn(SessionResult)]
Platform = Annotated[str, _known_or_warn(DevicePlatform)]
FormFactor = Annotated[str, _known_or_warn(DeviceFormFactor)]
DeviceKind = Annotated[str, _known_or_warn(DeviceType)]
Availability = Annotated[str, _known_or_warn(DeviceAvailability)]
InstanceState = Annotated[str, _known_or_warn(InstanceStatus)]
Billing = Annotated[str, _known_or_warn(BillingMethod)]
Interaction = Annotated[str, _known_or_warn(InteractionMode)]
