"""checkov suppressions, kept in the template next to the resource they are about.

checkov reads `Metadata: {"checkov": {"skip": [{"id": ..., "comment": ...}]}}` on a
CloudFormation resource. Every skip states why the check does not apply to that resource;
tests/infra/test_checkov.py fails on a skip without a comment and on any unsuppressed finding.
"""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnResource
from constructs import IConstruct

METADATA_KEY = "checkov"


def skip_check(scope: IConstruct, check_id: str, reason: str) -> None:
    """Suppress `check_id` on the CloudFormation resource of `scope` (an L2 or an L1)."""
    resource = scope if isinstance(scope, CfnResource) else scope.node.default_child
    if not isinstance(resource, CfnResource):
        raise TypeError(f"{scope.node.path} has no CloudFormation resource to annotate")
    metadata: dict[str, Any] = resource.get_metadata(METADATA_KEY) or {"skip": []}
    skips = [entry for entry in metadata["skip"] if entry["id"] != check_id]
    skips.append({"id": check_id, "comment": reason})
    resource.add_metadata(METADATA_KEY, {"skip": skips})
