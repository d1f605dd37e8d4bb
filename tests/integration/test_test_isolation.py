"""Tests hold in any order: process-wide Powertools state does not leak from one to the next.

The scenario is two tests run in a pytest of their own, with the suite's conftest and in file
order: the first leaves what a sweep run outside the handler leaves (metrics added, never
flushed, and a log key); without the suite's isolation the second test's invocation would flush
those metrics as its own and print the key on its lines. Run as two tests of this suite, the
pair passed whenever the second ran alone or first, isolation or not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCENARIO = """
import json

from aws_lambda_powertools.metrics import MetricUnit

from session_stopper.handler import lambda_handler
from session_stopper.observability import logger, metrics
from tests.support.lambda_context import FakeLambdaContext


def test_a_test_that_leaves_metrics_and_log_keys_behind():
    metrics.add_metric(name="OutcomeStopped", unit=MetricUnit.Count, value=1)
    logger.append_keys(leaked="yes")
    assert "OutcomeStopped" in metrics.metric_set  # really left in the process-wide objects
    assert logger.get_current_keys()["leaked"] == "yes"


def test_the_next_invocation_reports_only_its_own_metrics(outcome_sink, capsys):
    capsys.readouterr()

    lambda_handler({"stop": "not a command"}, FakeLambdaContext())

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line[:1] == "{"]
    emitted = {
        metric["Name"]
        for line in lines
        if "_aws" in line
        for directive in line["_aws"]["CloudWatchMetrics"]
        for metric in directive["Metrics"]
    }
    assert "OutcomeStopped" not in emitted
    assert "OutcomeRejected" in emitted
    assert not [line for line in lines if "leaked" in line]
"""


def test_what_one_test_leaves_in_powertools_never_reaches_the_next(tmp_path: Path) -> None:
    scenario = tmp_path / "test_scenario.py"
    scenario.write_text(SCENARIO)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([f"{ROOT}/lambda_src", str(ROOT)])}
    done = subprocess.run(
        [
            *(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"),
            *("-p", "tests.conftest", "--rootdir", str(tmp_path), str(scenario)),
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:]
    assert "2 passed" in done.stdout
