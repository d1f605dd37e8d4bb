"""Building Device Farm ARNs in the shapes the real service uses."""

from __future__ import annotations

import hashlib
import re

REGION = "us-west-2"


def project_arn(account_id: str, project_id: str) -> str:
    return f"arn:aws:devicefarm:{REGION}:{account_id}:project:{project_id}"


def session_arn(account_id: str, project_id: str, session_id: str) -> str:
    return f"arn:aws:devicefarm:{REGION}:{account_id}:session:{project_id}/{session_id}/00000"


def device_arn(seed: str) -> str:
    # Catalogue ARNs must be stable across runs, so derive the hex id from the device name.
    digest = hashlib.sha256(seed.encode()).hexdigest()[:32].upper()
    return f"arn:aws:devicefarm:{REGION}::device:{digest}"


# arn:aws:devicefarm:<region>:<account, empty for public devices>:<resource type>:<id>
_ARN = re.compile(r"arn:aws:devicefarm:([a-z0-9-]+):([0-9]{12})?:([a-z-]+):([^\s]+)")


def resource_type(arn: str) -> str | None:
    """The resource type an ARN names (`project`, `session`, ...), None when it is no ARN."""
    match = _ARN.fullmatch(arn)
    return match.group(3) if match else None


def account_of(arn: str) -> str | None:
    """The account an ARN's resource lives in; None for no ARN or an account-less one (a
    public device)."""
    match = _ARN.fullmatch(arn)
    return match.group(2) if match else None
