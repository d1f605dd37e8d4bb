"""What the spoke's stack, its build and its rollout share, without importing the CDK (so
`make deploy-spoke` and `make stackset` start in a moment)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# The output of the build an organization rolls out without the CDK (`make spoke-template`).
TEMPLATE_PATH = ROOT / "build" / "spoke" / "session-stopper-spoke.template.json"
# CloudFormation's patterns (Java regular expressions) for the spoke's parameters; the rollout
# checks the same before it calls AWS.
ROLE_ARN_PATTERN = r"arn:aws[a-z-]*:iam::[0-9]{12}:role/[A-Za-z0-9_+=,.@/-]{1,64}"
BUS_ARN_PATTERN = r"arn:aws[a-z-]*:events:[a-z0-9-]+:[0-9]{12}:event-bus/[A-Za-z0-9._-]{1,256}"
ROLE_NAME_PATTERN = r"[A-Za-z0-9_+=,.@-]{1,64}"


def spoke_stack_name(stage: str) -> str:
    """The stack (and, with `Set`, the StackSet) of a hub's stage in a member account."""
    return f"SessionStopper-{stage}-Spoke"
