"""The embedded default: a Device Farm emulator, the local stack and the demo.

The function's code asset, lambda_src/, is importable from here on (as it is in Lambda), also
when local/ runs without the Makefile's PYTHONPATH.
"""

import sys
from pathlib import Path

_LAMBDA_SRC = str(Path(__file__).resolve().parents[1] / "lambda_src")
if _LAMBDA_SRC not in sys.path:
    sys.path.append(_LAMBDA_SRC)
