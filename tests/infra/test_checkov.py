"""checkov on the synthesized templates: no finding without a fix or a reasoned suppression.

checkov pins boto3, packaging and networkx to versions that conflict with this project's pins
(boto3 1.44, pytest, cfn-lint), so it runs from a virtualenv of its own: `$CHECKOV_BIN` if set,
else `.venv/checkov`, created here from tests/infra/checkov-requirements.txt (a full pin set,
installed with --no-deps) the first time and whenever that file changes.

Under pytest-xdist the module runs on one worker (its xdist group), so each template is scanned
once, and a lock keeps two sessions from building the shared virtualenv at the same time.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synthesized

# One worker runs them all (make test: --dist loadgroup): the reports are cached per process.
pytestmark = [pytest.mark.synth, pytest.mark.xdist_group("checkov")]

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENTS = Path(__file__).with_name("checkov-requirements.txt")
TOOL_VENV = ROOT / ".venv" / "checkov"
MIN_REASON = 60  # characters: a reason, not a label


@pytest.fixture(scope="session")
def checkov() -> Path:
    explicit = os.environ.get("CHECKOV_BIN")
    if explicit:
        return Path(explicit)
    TOOL_VENV.parent.mkdir(parents=True, exist_ok=True)
    with (TOOL_VENV.parent / "checkov.lock").open("w") as lock:
        # Another test session (another xdist worker, a second `make test`) may be building it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _installed_checkov()


def _installed_checkov() -> Path:
    binary = TOOL_VENV / "bin" / "checkov"
    stamp = TOOL_VENV / "installed-requirements.txt"
    wanted = REQUIREMENTS.read_text(encoding="utf-8")
    if binary.is_file() and stamp.is_file() and stamp.read_text(encoding="utf-8") == wanted:
        return binary
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(TOOL_VENV)], check=True)
    subprocess.run(
        [
            str(TOOL_VENV / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "--no-deps",
            "-r",
            str(REQUIREMENTS),
        ],
        check=True,
        timeout=900,
    )
    stamp.write_text(wanted, encoding="utf-8")
    return binary


_REPORTS: dict[Path, dict[str, Any]] = {}


def scan(checkov: Path, stack: Synthesized) -> dict[str, Any]:
    """checkov's JSON report, once per template; --skip-download keeps it offline."""
    if stack.template_path not in _REPORTS:
        _REPORTS[stack.template_path] = _run_checkov(checkov, stack.template_path)
    return _REPORTS[stack.template_path]


def _run_checkov(checkov: Path, template: Path) -> dict[str, Any]:
    result = subprocess.run(
        [
            str(checkov),
            "--file",
            str(template),
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    # 0: every check passed or was skipped; 1: failed checks (asserted on below).
    assert result.returncode in {0, 1}, result.stderr
    report: dict[str, Any] = json.loads(result.stdout)
    assert report["check_type"] == "cloudformation"
    return report


def metadata_skips(stack: Synthesized) -> list[tuple[str, dict[str, Any]]]:
    return [
        (logical_id, skip)
        for logical_id, resource in stack.raw["Resources"].items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


TEMPLATES = [
    "default_stack",
    "narrow_stack",
    "forwarded_main_stack",
    "forwarder_stack",
    "multi_account_stack",
    "spoke_stack",
]


@pytest.mark.parametrize("which", TEMPLATES)
def test_checkov_finds_nothing_unexplained(
    which: str, request: pytest.FixtureRequest, checkov: Path
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    results = scan(checkov, stack)["results"]

    failed = [
        f"{c['check_id']} {c['resource']}: {c['check_name']}" for c in results["failed_checks"]
    ]
    assert failed == []
    assert results["passed_checks"], "checkov scanned nothing"
    # Every suppression checkov applied came from our metadata and carries its reason.
    for check in results["skipped_checks"]:
        assert len(check["check_result"].get("suppress_comment", "")) >= MIN_REASON, check


@pytest.mark.parametrize("which", TEMPLATES)
def test_every_checkov_suppression_is_reasoned_and_in_use(
    which: str, request: pytest.FixtureRequest, checkov: Path
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    skips = metadata_skips(stack)
    assert skips, "expected the documented suppressions"
    for logical_id, skip in skips:
        assert set(skip) == {"id", "comment"}, (logical_id, skip)
        assert len(skip["comment"]) >= MIN_REASON, (logical_id, skip)
    applied = {
        (check["resource"].split(".", 1)[1], check["check_id"])
        for check in scan(checkov, stack)["results"]["skipped_checks"]
    }
    stale = {(logical_id, skip["id"]) for logical_id, skip in skips} - applied
    assert stale == set(), "suppressions for checks that no longer fail: remove them"


def test_reserved_concurrency_is_fixed_not_suppressed(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    """CKV_AWS_115 is met by the default; only an explicit reservedConcurrency=0 skips it."""

    def skipped_ids(stack: Synthesized) -> set[str]:
        return {
            skip["id"]
            for logical_id, skip in metadata_skips(stack)
            if logical_id == stack.only_id("AWS::Lambda::Function")
        }

    assert "CKV_AWS_115" not in skipped_ids(default_stack)
    assert "CKV_AWS_115" in skipped_ids(narrow_stack)
