"""Synthesize the stack once per test session and share the result between tests.

A synth takes about 10 s (jsii + cdk-nag), so every synth-dependent test reads one of the two
session fixtures below instead of building its own app.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk.assertions import Template

from app import create_app

# A second configuration that exercises every optional branch of the stack. The alarm prefix
# lives here, not in the default: cdk.json's default gives no alarm authority at all.
NARROW_CONTEXT: dict[str, Any] = {
    "stage": "prod",
    "projectArns": [
        "arn:aws:devicefarm:us-west-2:111122223333:project:11111111-2222-3333-4444-555555555555",
        "arn:aws:devicefarm:us-west-2:111122223333:project:aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    ],
    "alarmNames": ["qa-lab-budget", "qa-lab-runaway"],
    "alarmNamePrefix": "qa-stop-",
    "killSwitchAlarmNames": ["qa-lab-kill-switch"],
    "alarmMaxAgeMinutes": 5,
    "sweepEnabled": False,
    "sweepDryRun": False,
    "sweepSchedule": "cron(0/10 * * * ? *)",
    "sweepMinAgeMinutes": 0,
    "notificationEmails": ["qa@example.com"],
    "emailOutcomes": ["STOPPED", "NOT_FOUND"],
    "opsNotificationEmails": ["ops@example.com", "oncall@example.com"],
    "protectedNamePattern": "^keep-",
    "memorySize": 512,
    "reservedConcurrency": 0,
    "logRetentionDays": 90,
    "powertoolsLayerArn": (
        "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:9"
    ),
    "createApiGatewayLogsRole": True,
}


@dataclass(frozen=True)
class Synthesized:
    template: Template
    raw: dict[str, Any]
    outdir: Path

    def resources(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {
            logical_id: resource
            for logical_id, resource in self.raw["Resources"].items()
            if resource["Type"] == resource_type
        }

    def only(self, resource_type: str) -> dict[str, Any]:
        return self.resources(resource_type)[self.only_id(resource_type)]

    def only_id(self, resource_type: str) -> str:
        found = list(self.resources(resource_type))
        assert len(found) == 1, f"expected one {resource_type}, found {found}"
        return found[0]

    def logical_id(self, resource_type: str, fragment: str) -> str:
        """The one resource of the type whose logical id or properties contain `fragment`."""
        matches = [
            logical_id
            for logical_id, resource in self.resources(resource_type).items()
            if fragment in logical_id or fragment in str(resource.get("Properties", {}))
        ]
        assert len(matches) == 1, f"{fragment!r} matches {matches}"
        return matches[0]

    def queue_id(self, name: str) -> str:
        return self.logical_id("AWS::SQS::Queue", f"'QueueName': '{name}'")

    @property
    def template_path(self) -> Path:
        """The template file as `cdk synth` writes it (what checkov and cfn-lint read)."""
        (path,) = self.outdir.glob("*.template.json")
        return path


def placeholder_function(stack: Stack) -> lambda_.Function:
    """A function for tests that build one construct on its own, without the whole stack."""
    return lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )


def synthesize(outdir: Path, context: Mapping[str, Any] | None = None) -> Synthesized:
    """Synthesize like `make synth` does: cdk-nag runs, and any finding raises here."""
    app, stack = create_app(context=context, outdir=str(outdir))
    assembly = app.synth()
    raw: dict[str, Any] = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesized(template=Template.from_json(raw), raw=raw, outdir=outdir)


@pytest.fixture(scope="session")
def default_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack with cdk.json's defaults: no alarm names, prefix or kill switch, so no alarm
    may act on sessions (no alarm rule, alarm-action permission or DescribeAlarms grant)."""
    return synthesize(tmp_path_factory.mktemp("cdk-default"))


@pytest.fixture(scope="session")
def narrow_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The stack narrowed to projects, with named alarms, an alarm name prefix and a kill switch
    together, emails, the schedule off, no reserved concurrency, live sweeps and the account's
    API Gateway logging role."""
    return synthesize(tmp_path_factory.mktemp("cdk-narrow"), NARROW_CONTEXT)
