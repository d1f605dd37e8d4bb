"""X-Ray SDK tracing is opt-in: without it the SDK is never imported, not even by priming."""

from __future__ import annotations

import pytest

from session_stopper import observability
from tests.support.fresh_process import init_in_fresh_process

IN_LAMBDA = {"LAMBDA_TASK_ROOT": "/var/task"}


@pytest.mark.parametrize(
    "extra",
    [
        {},  # local runs and tests
        {**IN_LAMBDA, "POWERTOOLS_TRACE_DISABLED": "true"},  # the stack's default
        {
            **IN_LAMBDA,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start",
        },
    ],
)
def test_the_sdk_is_never_imported_without_sdk_tracing(extra: dict[str, str]) -> None:
    assert init_in_fresh_process(**extra)["xray_sdk"] is False


def test_sdk_tracing_on_imports_the_sdk_at_init() -> None:
    result = init_in_fresh_process(**IN_LAMBDA, POWERTOOLS_TRACE_DISABLED="false")
    assert result["xray_sdk"] is True
    assert result["sent"] == []


@pytest.mark.parametrize(
    ("disabled", "task_root", "enabled"),
    [
        ("false", "/var/task", True),
        (" FALSE ", "/var/task", True),
        ("true", "/var/task", False),
        ("0", "/var/task", False),  # only an explicit "false" turns it on
        (None, "/var/task", False),
        ("false", None, False),  # not in Lambda: no daemon to send to
    ],
)
def test_sdk_tracing_needs_an_explicit_false_inside_lambda(
    monkeypatch: pytest.MonkeyPatch, disabled: str | None, task_root: str | None, enabled: bool
) -> None:
    for name, value in (("POWERTOOLS_TRACE_DISABLED", disabled), ("LAMBDA_TASK_ROOT", task_root)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert observability.sdk_tracing_enabled() is enabled


def test_without_sdk_tracing_decorators_return_the_function_itself(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LAMBDA_TASK_ROOT", raising=False)

    def method() -> None:
        return None

    assert observability.traced(method) is method
    assert observability.traced_handler(method) is method
