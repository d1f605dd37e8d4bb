"""A local AWS Device Farm emulator speaking the real JSON 1.1 protocol (moto has none).

emu = DeviceFarmEmulator(clock=ManualClock())
with running_emulator(emu) as server:
    boto3.client("devicefarm", region_name="us-west-2", endpoint_url=server.url)
"""

from local.devicefarm_emulator.accounts import (
    BASE_ACCESS_KEYS,
    HUB_ACCOUNT_ID,
    CredentialsRegistry,
    Principal,
    function_role_arn,
    function_session_arn,
)
from local.devicefarm_emulator.clock import Clock, ManualClock, WallClock
from local.devicefarm_emulator.cloudtrail import CloudTrailFeed, TrailSettings
from local.devicefarm_emulator.emulator import DEFAULT_ACCOUNT_ID, DeviceFarmEmulator
from local.devicefarm_emulator.errors import (
    AccessDeniedError,
    ArgumentError,
    DeviceFarmError,
    InternalFailureError,
    LimitExceededError,
    NotFoundError,
    TooManyTagsError,
    UnrecognizedClientError,
)
from local.devicefarm_emulator.faults import Faults
from local.devicefarm_emulator.lifecycle import Timings
from local.devicefarm_emulator.operations import SUPPORTED_OPERATIONS
from local.devicefarm_emulator.rate_limits import RateLimitSettings
from local.devicefarm_emulator.server import EmulatorServer, running_emulator
from local.devicefarm_emulator.trail_record import Caller

__all__ = [
    "BASE_ACCESS_KEYS",
    "DEFAULT_ACCOUNT_ID",
    "HUB_ACCOUNT_ID",
    "SUPPORTED_OPERATIONS",
    "AccessDeniedError",
    "ArgumentError",
    "Caller",
    "Clock",
    "CloudTrailFeed",
    "CredentialsRegistry",
    "DeviceFarmEmulator",
    "DeviceFarmError",
    "EmulatorServer",
    "Faults",
    "InternalFailureError",
    "LimitExceededError",
    "ManualClock",
    "NotFoundError",
    "Principal",
    "RateLimitSettings",
    "Timings",
    "TooManyTagsError",
    "TrailSettings",
    "UnrecognizedClientError",
    "WallClock",
    "function_role_arn",
    "function_session_arn",
    "running_emulator",
]
