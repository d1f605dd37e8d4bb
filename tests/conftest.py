"""Shared fixtures: fake credentials, moto-backed outcome plumbing, the function's environment."""

from __future__ import annotations

import infra.node  # noqa: F401  (first: jsii must start on the pinned Node, before aws_cdk)

# isort: split
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from session_stopper.config import SETTING_VARIABLES
from session_stopper.models import enums
from session_stopper.observability import logger, metrics
from tests.support import hypothesis_profiles  # noqa: F401 (registers and loads the profile)
from tests.support.aws import OutcomeSink, create_outcome_plumbing, function_environment
from tests.support.caches import reset_function_caches
from tests.support.lambda_context import FakeLambdaContext

pytest_plugins = ["local.devicefarm_emulator.testing"]

FIXTURES = Path(__file__).parent / "fixtures"
REGION = "eu-west-1"


@pytest.fixture(autouse=True)
def _isolated_aws_environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test may reach real AWS, read the developer's profile, or inherit their settings."""
    inherited = [name for name in os.environ if name.startswith("AWS_ENDPOINT_URL")]
    for name in (
        *SETTING_VARIABLES,
        *inherited,
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    enums._warned.clear()  # drift warnings are once per process; each test sees its own
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "session-stopper")
    reset_function_caches()
    yield
    reset_function_caches()


@pytest.fixture(autouse=True)
def _isolated_observability() -> Iterator[None]:
    """Powertools' Metrics and Logger are process-wide: metrics a test added outside the
    handler (a sweep run directly) must not be flushed by the next test's invocation, and keys
    a test appended must not appear on the next test's log lines."""
    metrics.clear_metrics()
    logger.clear_state()
    yield
    metrics.clear_metrics()
    logger.clear_state()


@pytest.fixture
def outcome_sink(monkeypatch: pytest.MonkeyPatch) -> Iterator[OutcomeSink]:
    """moto SNS/SQS/DynamoDB in-process, and the function's environment pointing at them."""
    with mock_aws():
        sink = create_outcome_plumbing(REGION)
        for name, value in function_environment(sink).items():
            monkeypatch.setenv(name, value)
        reset_function_caches()
        yield sink


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


def load_fixture(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return loaded
