"""The real-AWS suite runs only when asked (DFSS_E2E=1) against a deployed stack.

Needs AWS credentials and: DFSS_E2E_FUNCTION_NAME (the function), DFSS_E2E_API_URL (the
stack output ApiUrl), and AWS_REGION (the stack's region).
"""

from __future__ import annotations

import os

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    missing = [
        name
        for name in ("DFSS_E2E", "DFSS_E2E_FUNCTION_NAME", "DFSS_E2E_API_URL", "AWS_REGION")
        if not os.environ.get(name)
    ]
    if missing:
        reason = f"real-AWS suite not configured: {', '.join(missing)} unset"
        for item in items:
            if "e2e" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))
