"""The real-AWS suite: `make e2e` (DFSS_E2E=1) against a deployed stack.

It needs AWS credentials and: DFSS_E2E_FUNCTION_NAME (the stack output FunctionName),
DFSS_E2E_API_URL (the stack output ApiUrl) and AWS_REGION (the stack's region); `make deploy`
prints all three. Asked for (DFSS_E2E=1) without them, the run stops before any test, naming
what to set: a suite that passes by skipping everything proves nothing. Without DFSS_E2E (a
plain `pytest tests/e2e`) the tests are skipped; `make test` deselects them anyway.
"""

from __future__ import annotations

import os

import pytest

from infra.aws_setup import CREDENTIALS_HINT, inspect_aws_setup, setup_message

E2E_SETTINGS = {
    "DFSS_E2E_FUNCTION_NAME": "the function's name, the stack output FunctionName",
    "DFSS_E2E_API_URL": "the API's URL, the stack output ApiUrl",
    "AWS_REGION": "the stack's region",
}
EXAMPLE = (
    "AWS_PROFILE=qa AWS_REGION=eu-west-1 DFSS_E2E_FUNCTION_NAME=session-stopper-dev-function "
    "DFSS_E2E_API_URL=https://<api-id>.execute-api.eu-west-1.amazonaws.com/dev/ make e2e "
    "(`make deploy` prints these values when it ends)"
)
# The AWS settings the run started with. The root conftest fakes credentials and a region for
# every test; the real-AWS tests get these back (_real_aws_environment).
_STARTING_AWS_ENVIRONMENT = {
    name: value for name, value in os.environ.items() if name.startswith("AWS_")
}


def missing_e2e_settings() -> list[str]:
    """One line per setting the real-AWS suite lacks, each saying what to set."""
    lines = [
        f"{name}: {meaning}" for name, meaning in E2E_SETTINGS.items() if not os.environ.get(name)
    ]
    setup = inspect_aws_setup()
    if setup.credentials is None:
        lines.append(setup.problem or CREDENTIALS_HINT)
    return lines


@pytest.hookimpl(trylast=True)  # after -m has deselected: only tests that will run count
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    e2e = [item for item in items if "e2e" in item.keywords]
    if not e2e:
        return
    if not os.environ.get("DFSS_E2E"):
        skip = pytest.mark.skip(reason="the real-AWS suite runs with `make e2e` (DFSS_E2E=1)")
        for item in e2e:
            item.add_marker(skip)
        return
    missing = missing_e2e_settings()
    if missing:
        headline = "make e2e runs against a deployed stack, and needs:"
        raise pytest.UsageError(setup_message(headline, missing, EXAMPLE))


@pytest.fixture(autouse=True)
def _real_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """The AWS settings the run started with, for the tests here only: the profile, the keys,
    the region (boto3 reads AWS_DEFAULT_REGION, so it follows AWS_REGION)."""
    for name in [name for name in os.environ if name.startswith("AWS_")]:
        monkeypatch.delenv(name)
    for name, value in _STARTING_AWS_ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    if _STARTING_AWS_ENVIRONMENT.get("AWS_REGION"):
        monkeypatch.setenv("AWS_DEFAULT_REGION", _STARTING_AWS_ENVIRONMENT["AWS_REGION"])
