"""Synthesize the stack once per test session and share the result between tests.

A synth takes about 10 s (jsii + cdk-nag), so every synth-dependent test reads one of the
session fixtures below instead of building its own app: the default and the narrow stack, both
region-agnostic like an offline `python app.py`, one app deployed outside the Device Farm
region, whose main stack gets a companion forwarder stack, and for hub and spoke one hub with
member accounts and one spoke.
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
from infra.spoke_names import spoke_stack_name
from infra.spoke_template import synthesize_spoke

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
    "killSwitchSparesExempt": True,
    "maxTagBudgetMinutes": 120,
    "alarmMaxAgeMinutes": 5,
    "sweepEnabled": False,
    "sweepDryRun": False,
    "sweepSchedule": "cron(0/10 * * * ? *)",
    "sweepMinAgeMinutes": 0,
    "notificationEmails": ["qa@example.com"],
    "emailOutcomes": ["STOPPED", "NOT_FOUND"],
    "opsNotificationEmails": ["ops@example.com", "oncall@example.com"],
    "protectedNamePattern": "keep-.*",
    "memorySize": 512,
    "reservedConcurrency": 0,
    "logRetentionDays": 90,
    "createApiGatewayLogsRole": True,
    "sdkTracing": True,
    # No timers: no schedule group, timer role, CloudTrail rule, extend method or timer variables.
    "sessionTimers": False,
}
# A stack deployed in another region than Device Farm's, with timers narrowed to two projects,
# no warning, no extensions, and an email subscription (its filter gets the timer messages).
FORWARDED_REGION = "eu-west-1"
FORWARDED_CONTEXT: dict[str, Any] = {
    "stage": "qa",
    "projectArns": NARROW_CONTEXT["projectArns"],
    "notificationEmails": ["qa@example.com"],
    "warningLeadMinutes": 0,
    "maxExtensionMinutes": 0,
    # No SnapStart (regions or accounts without it): no version or alias, every trigger and
    # the timers on the unqualified function.
    "snapStart": False,
}

# Hub and spoke: two listed accounts (one live, one with its own protected pattern) and, in
# organization mode, an OU and a root of the organization. One synth covers both scopes.
MEMBER_LIVE = "111122223333"
MEMBER_DRY = "444455556666"
ORGANIZATION_ID = "o-a1b2c3d4e5"
MULTI_ACCOUNT_CONTEXT: dict[str, Any] = {
    "stage": "hub",
    "memberAccounts": [
        {"id": MEMBER_LIVE, "dryRun": False, "maxSessionMinutes": 90},
        {"id": MEMBER_DRY, "protectedNamePattern": "keep-.*"},
    ],
    "organizationUnitIds": ["ou-ab12-11111111", "r-ab12"],
    "organizationId": ORGANIZATION_ID,
    "spokeExternalId": "session-stopper-hub-7f3a",
}


@dataclass(frozen=True)
class Synthesized:
    template: Template
    raw: dict[str, Any]
    outdir: Path
    stack_name: str

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
        return self.outdir / f"{self.stack_name}.template.json"


def placeholder_function(stack: Stack) -> lambda_.Function:
    """A function for tests that build one construct on its own, without the whole stack."""
    return lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )


def synthesize_all(
    outdir: Path, context: Mapping[str, Any] | None = None, region: str | None = None
) -> dict[str, Synthesized]:
    """Synthesize like `make synth` (or, with a region, `cdk synth`) does: cdk-nag runs over
    every stack of the app, and any finding raises here. Keyed by stack name."""
    app, _ = create_app(context=context, outdir=str(outdir), region=region)
    assembly = app.synth()
    stacks: dict[str, Synthesized] = {}
    for artifact in assembly.stacks:
        raw: dict[str, Any] = artifact.template
        stacks[artifact.stack_name] = Synthesized(
            template=Template.from_json(raw), raw=raw, outdir=outdir, stack_name=artifact.stack_name
        )
    return stacks


def synthesize(outdir: Path, context: Mapping[str, Any] | None = None) -> Synthesized:
    """The app's only stack, synthesized without a region."""
    (stack,) = synthesize_all(outdir, context).values()
    return stack


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


@dataclass(frozen=True)
class ForwardedApp:
    main: Synthesized
    forwarder: Synthesized


@pytest.fixture(scope="session")
def forwarded_app(tmp_path_factory: pytest.TempPathFactory) -> ForwardedApp:
    """FORWARDED_CONTEXT deployed in FORWARDED_REGION: the main stack and its companion in the
    Device Farm region, as `cdk synth` builds them when the CLI's region is eu-west-1."""
    stacks = synthesize_all(
        tmp_path_factory.mktemp("cdk-forwarded"), FORWARDED_CONTEXT, region=FORWARDED_REGION
    )
    assert sorted(stacks) == ["SessionStopper-qa", "SessionStopper-qa-DeviceFarmCalls"]
    return ForwardedApp(
        main=stacks["SessionStopper-qa"], forwarder=stacks["SessionStopper-qa-DeviceFarmCalls"]
    )


@pytest.fixture(scope="session")
def forwarded_main_stack(forwarded_app: ForwardedApp) -> Synthesized:
    return forwarded_app.main


@pytest.fixture(scope="session")
def forwarder_stack(forwarded_app: ForwardedApp) -> Synthesized:
    return forwarded_app.forwarder


@pytest.fixture(scope="session")
def multi_account_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The hub with MULTI_ACCOUNT_CONTEXT: members listed and OUs of an organization."""
    return synthesize(tmp_path_factory.mktemp("cdk-hub"), MULTI_ACCOUNT_CONTEXT)


@pytest.fixture(scope="session")
def spoke_stack(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The spoke as `make spoke-template` builds it (cdk.json's stage), cdk-nag included."""
    outdir = tmp_path_factory.mktemp("cdk-spoke")
    raw = synthesize_spoke(outdir=str(outdir))
    return Synthesized(
        template=Template.from_json(raw), raw=raw, outdir=outdir, stack_name=spoke_stack_name("dev")
    )
