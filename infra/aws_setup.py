"""Whether this shell can reach an AWS account: credentials and a region, found the way boto3
and the CDK CLI find them (environment, ~/.aws files, SSO, a container or instance role).

`make bootstrap`, `make deploy`, `make diff`, `make destroy` and `make e2e` ask before they
start, so a missing setting is a sentence saying what to set, not a stack trace from deep inside
the CDK CLI, nor a test suite that passes by skipping everything. Nothing here calls AWS: an
instance role is looked for only where botocore looks (the metadata endpoint, unless
AWS_EC2_METADATA_DISABLED), and expired SSO tokens are found when the credentials load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import botocore.session
from botocore.exceptions import BotoCoreError, ProfileNotFound

CREDENTIALS_HINT = (
    "credentials: set AWS_PROFILE to a profile in ~/.aws/config (`aws configure sso` or "
    "`aws configure` writes one), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
    "AWS_SESSION_TOKEN with temporary keys)"
)
REGION_HINT = (
    "region: set AWS_REGION to the stack's region, e.g. AWS_REGION=eu-west-1 (any region: the "
    "function always calls Device Farm in us-west-2)"
)


@dataclass(frozen=True)
class AwsSetup:
    region: str | None
    credentials: str | None  # how botocore found them ("env", "sso", ...); None: none found
    problem: str | None = None  # why configured credentials could not be loaded

    def missing(self) -> list[str]:
        """One line per missing setting, each saying what to set."""
        lines = []
        if self.credentials is None:
            lines.append(CREDENTIALS_HINT if self.problem is None else self.problem)
        if not self.region:
            lines.append(REGION_HINT)
        return lines


def region_from_environment() -> str | None:
    """AWS_REGION (what the CDK CLI and Lambda use), else AWS_DEFAULT_REGION (boto3's)."""
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or None


def inspect_aws_setup() -> AwsSetup:
    region = region_from_environment()
    profile = os.environ.get("AWS_PROFILE")
    try:
        session = botocore.session.Session()
        region = region or session.get_config_variable("region")
        credentials = session.get_credentials()
        if credentials is None:
            return AwsSetup(region, None)
        credentials.get_frozen_credentials()  # an expired SSO token fails here
        return AwsSetup(region, str(credentials.method))
    except ProfileNotFound:
        problem = (
            f"credentials: AWS_PROFILE={profile} names no profile in ~/.aws/config or "
            "~/.aws/credentials; set it to one that exists (`aws configure list-profiles`)"
        )
        return AwsSetup(region, None, problem)
    except BotoCoreError as error:
        login = f" (`aws sso login --profile {profile}`?)" if profile else ""
        problem = f"credentials: the configured ones could not be loaded{login}: {error}"
        return AwsSetup(region, None, problem)


def setup_message(headline: str, missing: list[str], example: str) -> str:
    """Why a command cannot start, one line per missing setting, and an example to copy."""
    lines = [headline, *(f"  - {line}" for line in missing)]
    lines.append(f"For example: {example}")
    return "\n".join(lines)
