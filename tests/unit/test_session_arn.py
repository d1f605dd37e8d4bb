"""What the function accepts as a session or project ARN before it calls Device Farm."""

from __future__ import annotations

import pytest

from session_stopper.models.arn import arn_parts, arn_problem, session_arn_problem
from tests.support.botocore_samples import project_arn, session_arn

GOOD = session_arn()


@pytest.mark.parametrize(
    "arn",
    [
        GOOD,
        "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000",
        "arn:aws:devicefarm:eu-central-1:000000000000:session:a_b/C-d/0",
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
        ("arn:aws-cn:devicefarm:us-west-2:123456789012:session:p/s/0", "must look like"),
        ("arn:aws:ec2:us-west-2:123456789012:session:p/s/00000", "must look like"),
        ("arn:aws:devicefarm:us-west-2:123456789012:project:p-1234567", "resource type"),
        ("arn:aws:devicefarm:us-west-2:123456789012:run:p/r-1234567", "resource type"),
        ("arn:aws:devicefarm:uswest2:123456789012:session:p/s/00000", "not an AWS region"),
        ("arn:aws:devicefarm:us-west-2:12345:session:p/s/00000000000", "12 digits"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p/ s/00000", "ids of"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p//00000", "ids of"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:abcdefgh", "ids of"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p/../00000", "ids of"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p/s/0/1", "ids of"),
        (GOOD + "\n", "printable ASCII"),
        (GOOD.replace("/00000", "\x00/00000"), "printable ASCII"),
        (GOOD.replace("/00000", "\u008c/00000"), "printable ASCII"),
        (GOOD.replace("123456789012", "\uff11\uff12\uff13456789012"), "printable ASCII"),
        (GOOD.replace("us-west-2", "us-west-\u0968"), "printable ASCII"),
        ("nra:aws:devicefarm:us-west-2:123456789012:session:p/s/00000", "must look like"),
        ("arn:aws:devicefarm:us-west-2:123456789012-session-p-s-00000", "must look like"),
        ("arn:aws:devicefarm:us-west-2:123456789012:session:p/s:x/00000", "must look like"),
    ],
)
def test_rejected_with_a_reason(arn: str, problem: str) -> None:
    reason = session_arn_problem(arn)
    assert reason is not None
    assert problem in reason


def test_a_project_arn_is_one_id_after_project() -> None:
    assert arn_problem(project_arn(), "project") is None
    assert arn_problem(project_arn() + "/x", "project") is not None
    assert arn_problem(GOOD, "project") is not None


def test_the_parts_name_region_account_and_project() -> None:
    parts = arn_parts(GOOD)
    assert (parts.region, parts.account) == ("us-west-2", "123456789012")
    assert GOOD.startswith(project_arn(parts.project_id).replace(":project:", ":session:"))
