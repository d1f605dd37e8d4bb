"""Tests hold in any order: process-wide Powertools state does not leak from one to the next.

The two tests run in file order. The first leaves what a sweep run outside the handler leaves
(metrics added, never flushed, and a log key); without the suite's isolation the second test's
invocation would flush those metrics as its own and print the key on its lines.
"""

from __future__ import annotations

import json

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from session_stopper.handler import lambda_handler
from session_stopper.observability import logger, metrics
from tests.support.aws import OutcomeSink
from tests.support.lambda_context import FakeLambdaContext


def test_a_test_that_leaves_metrics_and_log_keys_behind() -> None:
    metrics.add_metric(name="OutcomeStopped", unit=MetricUnit.Count, value=1)
    logger.append_keys(leaked="yes")

    # What the next test must not see, really left behind in the process-wide objects.
    assert "OutcomeStopped" in metrics.metric_set
    assert logger.get_current_keys()["leaked"] == "yes"


def test_the_next_invocation_reports_only_its_own_metrics(
    outcome_sink: OutcomeSink, capsys: pytest.CaptureFixture[str]
) -> None:
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
