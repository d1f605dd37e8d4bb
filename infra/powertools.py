"""Where the function's Powertools comes from: the official public layer of the pinned version."""

from __future__ import annotations

import re
from pathlib import Path

# Powertools publishes one public SSM parameter per layer release; its value is the layer ARN.
# Format confirmed in aws-powertools/powertools-lambda-python .github/workflows/update_ssm.yml.
_SSM_PARAMETER = "/aws/service/powertools/python/{arch}/{python}/{version}"
_PIN = re.compile(
    r"^aws-lambda-powertools(\[[^\]]*\])?==(?P<version>[0-9]+\.[0-9]+\.[0-9]+)\s*(#.*)?$"
)


class PowertoolsPinError(ValueError):
    """requirements.txt does not pin aws-lambda-powertools to one exact version."""


def pinned_version(requirements: Path) -> str:
    """The X.Y.Z of `aws-lambda-powertools[...]==X.Y.Z`, so the layer matches what was tested."""
    for line in requirements.read_text(encoding="utf-8").splitlines():
        match = _PIN.match(line.strip())
        if match:
            return match.group("version")
    raise PowertoolsPinError(f"{requirements} has no line 'aws-lambda-powertools[...]==X.Y.Z'")


def layer_parameter_name(version: str, *, arch: str = "arm64", python: str = "python3.13") -> str:
    return _SSM_PARAMETER.format(arch=arch, python=python, version=version)
