"""The function's environment on the local stack, and a way to apply it and take it back.

The function reaches the stand-ins only through the standard AWS_ENDPOINT_URL_* variables, as
it would any endpoint: there is no local-only code path in lambda_src/.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from local.lambda_runtime import function_arn
from local.sample_events import ACCOUNT_ID, IDLE_ALARM_NAME, KILL_SWITCH_ALARM_NAME
from session_stopper.config import SETTING_VARIABLES

# Anything that could lead boto3 to real credentials or a profile's settings.
# What a developer's shell may hold that would change the local run: the function's own
# settings, other endpoint overrides, and proxies (loopback must never go through one).
INHERITED_VARIABLES = (
    *SETTING_VARIABLES,
    "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "http_proxy",
    "https_proxy",
)
# Anything that could lead boto3 to real credentials or a profile's settings.
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
)


@dataclass(frozen=True)
class Endpoints:
    devicefarm: str
    moto: str
    # The local API server answers Lambda's Invoke (a sweep's continuation invokes the
    # function); None: Lambda calls land on moto like any other service.
    lambda_: str | None = None


@dataclass(frozen=True)
class Resources:
    topic_arn: str
    tap_queue_url: str
    dlq_url: str
    table_name: str
    timer_group: str
    timer_role_arn: str


# The function's pacer out of the way, for emulators without Device Farm's rate limits:
# what is measured or tested is then the code, not the quota (pacing has tests of its own).
PACING_OFF = {
    "DEVICE_FARM_STOP_RATE": "1000",
    "DEVICE_FARM_STOP_BURST": "1000",
    "DEVICE_FARM_READ_RATE": "1000",
    "DEVICE_FARM_READ_BURST": "1000",
}


def function_environment(
    endpoints: Endpoints,
    resources: Resources,
    *,
    region: str,
    verbose: bool = False,
    extra: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Everything the function reads, as Lambda would set it (names in docs/contracts.md)."""
    environment = {
        "OUTCOME_TOPIC_ARN": resources.topic_arn,
        "OUTCOME_DLQ_URL": resources.dlq_url,
        "IDEMPOTENCY_TABLE_NAME": resources.table_name,
        "AWS_ENDPOINT_URL_DEVICE_FARM": endpoints.devicefarm,
        "AWS_ENDPOINT_URL_SNS": endpoints.moto,
        "AWS_ENDPOINT_URL_SQS": endpoints.moto,
        "AWS_ENDPOINT_URL_DYNAMODB": endpoints.moto,
        "AWS_ENDPOINT_URL_CLOUDWATCH": endpoints.moto,
        "AWS_ENDPOINT_URL_SCHEDULER": endpoints.moto,
        "AWS_ENDPOINT_URL_LAMBDA": endpoints.lambda_ or endpoints.moto,
        # Safety net: a service the function might call one day lands on moto, never on AWS.
        "AWS_ENDPOINT_URL": endpoints.moto,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        # The developer's ~/.aws files must not change how the function behaves locally.
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        "POWERTOOLS_SERVICE_NAME": "session-stopper",
        "POWERTOOLS_TRACE_DISABLED": "true",
        # JSON logs and EMF lines would drown the outcome lines; --verbose brings them back.
        "POWERTOOLS_LOG_LEVEL": "INFO" if verbose else "WARNING",
        "POWERTOOLS_METRICS_DISABLED": "false" if verbose else "true",
        # Locally nothing is slow: fail fast instead of retrying five times.
        "DEVICE_FARM_MAX_ATTEMPTS": "2",
        # moto's and the emulator's account: the only one this deployment may act on.
        "DEVICE_FARM_ACCOUNT_ID": ACCOUNT_ID,
        # Live, as a deployment is once its operator has previewed it (`--dry-run` keeps the
        # first-deploy default).
        "SWEEP_DRY_RUN": "false",
        "SESSION_ALARM_NAMES": IDLE_ALARM_NAME,
        "KILL_SWITCH_ALARM_NAMES": KILL_SWITCH_ALARM_NAME,
        # The printed example alarm events stay usable for a day, not ten minutes.
        "ALARM_MAX_AGE_MINUTES": "1440",
        # Timers on: schedules land in moto, and the stack's runner fires them.
        "TIMER_SCHEDULE_GROUP": resources.timer_group,
        "TIMER_ROLE_ARN": resources.timer_role_arn,
        "TIMER_TARGET_ARN": function_arn(region),
        "NO_PROXY": "127.0.0.1,localhost",
    }
    environment.update(extra or {})
    return environment


@contextmanager
def applied_environment(values: Mapping[str, str], removed: tuple[str, ...] = ()) -> Iterator[None]:
    """Set `values` and unset `removed` in os.environ; put everything back afterwards."""
    names = [*values, *removed]
    saved = {name: os.environ.get(name) for name in names}
    for name in removed:
        os.environ.pop(name, None)
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
