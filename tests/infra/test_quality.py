"""Whole-template checks: cfn-lint, cdk-nag really runs, acknowledgments carry reasons, the entry
point fails cleanly on bad context, and the docs list every setting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_sqs as sqs
from cdk_nag import AwsSolutionsChecks
from cfnlint.api import lint  # type: ignore[import-untyped]

from app import create_app
from infra.context_keys import read_context_defaults
from infra.context_values import ConfigError
from infra.nag import acknowledge
from infra.node import bundled_node
from tests.infra.conftest import Synthesized

ROOT = Path(__file__).resolve().parents[2]
ACKNOWLEDGED = "aws:cdk:acknowledged-rules"


@pytest.mark.synth
@pytest.mark.parametrize(
    "which",
    [
        "default_stack",
        "narrow_stack",
        "forwarded_main_stack",
        "forwarder_stack",
        "multi_account_stack",
        "spoke_stack",
    ],
)
def test_cfn_lint_finds_nothing(which: str, request: pytest.FixtureRequest) -> None:
    """Zero errors, and no warning beyond the one CDK itself emits for every function given an
    explicit role (a DependsOn on the role that the Role GetAtt already implies)."""
    stack: Synthesized = request.getfixturevalue(which)
    matches = lint(json.dumps(stack.raw), regions=["us-east-1", "us-west-2", "eu-west-1"])
    assert [str(m) for m in matches if m.rule.id.startswith("E")] == []
    # The function's (the forwarder stack has none).
    functions = {
        ("Resources", logical_id) for logical_id in stack.resources("AWS::Lambda::Function")
    }
    unexpected = [
        str(m) for m in matches if not (m.rule.id == "W3005" and tuple(m.path[:2]) in functions)
    ]
    assert unexpected == []


@pytest.mark.synth
@pytest.mark.parametrize(
    ("which", "alarm_rules", "alarm_permissions", "api_gateway_logs_role", "timers"),
    [
        # By default no alarm may act: no alarm rule, no alarm-action permission; timers on.
        ("default_stack", 0, 0, 0, 1),
        # Two alarm names, a prefix and a kill switch; the account's API Gateway role; no timers.
        ("narrow_stack", 1, 4, 1, 0),
    ],
)
def test_resource_inventory(
    which: str,
    alarm_rules: int,
    alarm_permissions: int,
    api_gateway_logs_role: int,
    timers: int,
    request: pytest.FixtureRequest,
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    counts = Counter(resource["Type"] for resource in stack.raw["Resources"].values())
    assert counts["AWS::Lambda::Function"] == 1
    assert counts["AWS::SNS::Topic"] == 2
    # Outcome DLQ, async failures, rule DLQ; the command queue and its DLQ (the callers' lane).
    assert counts["AWS::SQS::Queue"] == 5
    assert counts["AWS::Lambda::EventSourceMapping"] == 1
    assert counts["AWS::KMS::Key"] == 1
    assert counts["AWS::DynamoDB::Table"] == 1
    # Commands and the sweep schedule; the alarm rule; Device Farm's calls (timers).
    assert counts["AWS::Events::Rule"] == 2 + alarm_rules + timers
    assert counts["AWS::Events::EventBus"] == 1
    assert counts["AWS::ApiGateway::RestApi"] == 1
    assert counts["AWS::ApiGateway::GatewayResponse"] == 3
    # POST /sessions/stop and /sweeps, GET /sessions, and POST /sessions/extend with timers.
    assert counts["AWS::ApiGateway::Method"] == 3 + timers
    # One ops alarm per rule's failed invocations, so one more with an alarm rule; with timers
    # one for their rule and one for timers Scheduler dropped.
    assert counts["AWS::CloudWatch::Alarm"] == 9 + alarm_rules + 2 * timers
    assert counts["AWS::CloudWatch::Dashboard"] == 1
    # One per API method and per rule but the command rule (it sends to the command queue),
    # plus one per alarm (or prefix) that may act. The timers need none: Scheduler invokes with
    # the timer role, not a resource policy; nor does the command queue's event source mapping.
    assert counts["AWS::Lambda::Permission"] == (
        (3 + timers) + (1 + alarm_rules + timers) + alarm_permissions
    )
    # The function's and the timers'; by default the stack leaves API Gateway's account-wide
    # role alone.
    assert counts["AWS::IAM::Role"] == 1 + timers + api_gateway_logs_role
    assert counts["AWS::Scheduler::ScheduleGroup"] == timers
    assert counts["AWS::Scheduler::Schedule"] == 0  # the function makes them, per session
    assert counts["AWS::ApiGateway::Account"] == api_gateway_logs_role
    assert counts["AWS::IAM::ManagedPolicy"] == 2  # caller and operator
    # The function's, the API's access logs, and the API's execution logs.
    assert counts["AWS::Logs::LogGroup"] == 3


@pytest.mark.synth
@pytest.mark.parametrize(
    ("which", "stack_name"),
    [
        ("default_stack", "SessionStopper-dev"),
        ("narrow_stack", "SessionStopper-prod"),
        ("forwarder_stack", "SessionStopper-qa-DeviceFarmCalls"),
        ("multi_account_stack", "SessionStopper-hub"),
        ("spoke_stack", "SessionStopper-dev-Spoke"),
    ],
)
def test_every_acknowledgment_gives_a_specific_reason(
    which: str, stack_name: str, request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    metadata = json.loads(
        (stack.outdir / f"{stack_name}.metadata.json").read_text(encoding="utf-8")
    )
    acknowledgments = {
        rule: reason
        for entries in metadata.values()
        for entry in entries
        if entry["type"] == ACKNOWLEDGED
        for rule, reason in entry["data"].items()
    }
    assert acknowledgments, "expected the documented acknowledgments"
    for rule, reason in acknowledgments.items():
        assert rule.startswith("AwsSolutions::AwsSolutions-"), rule
        assert len(reason) >= 80, f"{rule}: reason too thin: {reason!r}"


@pytest.mark.synth
def test_nag_plugin_fails_a_noncompliant_construct(tmp_path: Path) -> None:
    """The same registration as app.py rejects a plain SQS queue (no SSL policy, no DLQ)."""
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    sqs.Queue(Stack(app, "Throwaway"), "PlainQueue")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    rules = {v["ruleName"] for p in report["pluginReports"] for v in p["violations"]}
    assert {"AwsSolutions-SQS3", "AwsSolutions-SQS4"} <= rules


@pytest.mark.synth
def test_acknowledged_finding_passes_and_others_still_fail(tmp_path: Path) -> None:
    """Acknowledging one finding silences exactly that one."""
    app = App(outdir=str(tmp_path))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    queue = sqs.Queue(Stack(app, "Throwaway"), "PlainQueue", enforce_ssl=True)
    acknowledge(queue, "AwsSolutions-SQS3", "test: this queue stands in for a dead-letter queue")
    app.synth()
    assert (tmp_path / "Throwaway.template.json").is_file()


@pytest.mark.synth
def test_the_real_app_fails_synth_on_a_new_finding(tmp_path: Path) -> None:
    """The app that ships checks itself: one unacknowledged finding stops its synth, and it is
    the only finding. Synthesized with a prefix and no kill switch, the one alarm configuration
    neither session fixture has, so this also proves the prefix-scoped DescribeAlarms grant is
    acknowledged."""
    app, stack = create_app(context={"alarmNamePrefix": "devicefarm-stop-"}, outdir=str(tmp_path))
    queue = sqs.Queue(stack, "QueueWithoutDeadLetterQueueOrTls")  # SQS3 and SQS4 findings

    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()
    report = json.loads((tmp_path / "validation-report.json").read_text(encoding="utf-8"))
    findings = {
        (violation["ruleName"], construct["constructPath"])
        for plugin in report["pluginReports"]
        for violation in plugin["violations"]
        for construct in violation["violatingConstructs"]
    }
    queue_path = f"{queue.node.path}/Resource"
    assert findings == {("AwsSolutions-SQS3", queue_path), ("AwsSolutions-SQS4", queue_path)}


def test_bad_context_fails_before_any_construct_is_built(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'memorySize'"):
        create_app(context={"memorySize": "lots"}, outdir=str(tmp_path))


def test_a_misspelled_context_key_fails_before_any_construct_is_built(tmp_path: Path) -> None:
    """Without the check, `sweepDryrun=false` would deploy the default (a dry run) silently."""
    with pytest.raises(ConfigError, match=r"'sweepDryrun': .* did you mean 'sweepDryRun'\?"):
        create_app(context={"sweepDryrun": False}, outdir=str(tmp_path))


@pytest.mark.parametrize(
    ("cli_context", "message"),
    [
        (
            {"logRetentionDays": 10},
            "error: command-line (-c) context 'logRetentionDays': must be one of",
        ),
        (
            {"sweepDryrun": "false"},
            "error: command-line (-c) context 'sweepDryrun': is not a setting of this app; "
            "did you mean 'sweepDryRun'?",
        ),
    ],
    ids=["bad-value", "misspelled-key"],
)
def test_entry_point_reports_bad_context_without_a_traceback(
    tmp_path: Path, cli_context: dict[str, object], message: str
) -> None:
    """`cdk synth -c key=value` reaches the app as CDK_CONTEXT_JSON."""
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps(cli_context),
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_deploy_docs_list_every_context_key() -> None:
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    for key in read_context_defaults(ROOT / "cdk.json"):
        assert f"| `{key}` |" in docs, f"docs/deploy.md does not document {key}"


def test_the_cdk_runs_on_the_pinned_node_not_the_machines() -> None:
    """Node 20 reached its end of life: jsii must start the Node LTS from requirements.txt
    even with no `node` on PATH at all."""
    version = subprocess.run(
        [str(bundled_node()), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert int(version.lstrip("v").split(".")[0]) >= 22
    env = {key: value for key, value in os.environ.items() if key not in {"JSII_NODE", "PATH"}}
    probe = "import infra.node, aws_cdk; aws_cdk.App(); print(infra.node.bundled_node())"
    ran = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**env, "PATH": "", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.strip() == str(bundled_node())
