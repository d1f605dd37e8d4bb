"""cdk-nag v3 acknowledgments: every one names its rule (or finding) and says why."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct

# Validation plugin rules are acknowledged as "<plugin>::<rule>", the form cdk-nag's report
# prints. A bare id also works today, but CDK records it as an annotation ("Annotation::...").
PLUGIN = "AwsSolutions"


def acknowledge(scope: IConstruct, rule_id: str, reason: str) -> None:
    """Acknowledge one AwsSolutions finding on `scope` and its children.

    v3 matches findings exactly: `AwsSolutions-IAM5[Resource::*]` is one finding, and a bare rule
    id only covers rules that report a single finding per resource.
    """
    Validations.of(scope).acknowledge(Acknowledgment(id=f"{PLUGIN}::{rule_id}", reason=reason))
