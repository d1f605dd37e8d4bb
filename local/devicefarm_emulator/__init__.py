"""A local AWS Device Farm emulator speaking the real JSON 1.1 protocol (moto has none).

emu = DeviceFarmEmulator(clock=ManualClock())
with running_emulator(emu) as server:
    boto3.client("devicefarm", region_name="us-west-2", endpoint_url=server.url)
"""

from local.devicefarm_emulator.clock import Clock, ManualClock, WallClock
from local.devicefarm_emulator.cloudtrail import CloudTrailFeed, TrailSettings
from local.devicefarm_emulator.emulator import DEFAULT_ACCOUNT_ID, DeviceFarmEmulator
from local.devicefarm_emulator.errors import (
    ArgumentError,
    DeviceFarmError,
    InternalFailureError,
    LimitExceededError,
    NotFoundError,
    TooManyTagsError,
)
from local.devicefarm_emulator.faults import Faults
from local.devicefarm_emulator.lifecycle import Timings
from local.devicefarm_emulator.operations import SUPPORTED_OPERATIONS
from local.devicefarm_emulator.rate_limits import RateLimitSettings
from local.devicefarm_emulator.server import EmulatorServer, running_emulator
from local.devicefarm_emulator.trail_record import Caller

__all__ = [
    "DEFAULT_ACCOUNT_ID",
    "SUPPORTED_OPERATIONS",
    "ArgumentError",
    "Caller",
    "Clock",
    "CloudTrailFeed",
    "DeviceFarmEmulator",
    "DeviceFarmError",
    "EmulatorServer",
    "Faults",
    "InternalFailureError",
    "LimitExceededError",
    "ManualClock",
    "NotFoundError",
    "RateLimitSettings",
    "Timings",
    "TooManyTagsError",
    "TrailSettings",
    "WallClock",
    "running_emulator",
]
