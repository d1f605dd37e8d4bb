"""What the function accepts as a session ARN before it calls Device Farm."""

from __future__ import annotations

import pytest

from session_stopper.models.arn import session_arn_problem
from tests.support.botocore_samples import session_arn

GOOD = session_arn()


@pytest.mark.parametrize(
    "arn",
    [
        GOOD,
        "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000",
        "arn:aws:devicefarm:us-west-2:123456789012:session:abc",
        "arn:aws:devicefarm:eu-central-1:000000000000:session:" + "x" * 900,
    ],
)
def test_accepted(arn: str) -> None:
    assert session_arn_problem(arn) is None


@pytest.mark.parametrize(
    ("arn", "problem"),
    [
        ("", "32 to 1011 characters"),
        ("arn:aws:devicefarm:us-west-2:1", "32 to 1011 characters"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:" + "x" * 1000, "32 to 1011"),
        ("arn:aws-cn:devicefarm:us-west-2:123456789012:session:p/s/0", "partition must be 'aws'"),
        ("arn:aws:ec2:us-west-2:123456789012:session:p/s/00000", "service must be 'devicefarm'"),
        ("arn:aws:devicefarm:us-west-2:123456789012:project:p-1234567", "resource type"),
        ("arn:aws:devicefarm:us-west-2:123456789012:run:p/r-1234567", "resource type"),
        ("arn:aws:devicefarm:uswest2:123456789012:session:p/s/00000", "not an AWS region"),
        ("arn:aws:devicefarm:us-west-2:12345:session:p/s/00000000000", "12 digits"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p/ s/00000", "blanks"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p//00000", "blanks"),
        ("nra:aws:devicefarm:us-west-2:123456789012:session:p/s/00000", "must look like"),
        ("arn:aws:devicefarm:us-west-2:123456789012-session-p-s-00000", "must look like"),
    ],
)
def test_rejected_with_a_reason(arn: str, problem: str) -> None:
    reason = session_arn_problem(arn)
    assert reason is not None
    assert problem in reason
