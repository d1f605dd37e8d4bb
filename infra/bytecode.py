"""CPython 3.13 bytecode for code Lambda runs from a read-only directory (/opt for the layer,
/var/task for the function): what infra/lambda_deps.py and infra/function_asset.py share.

Lambda cannot write __pycache__ there, so a module shipped without its bytecode is compiled
again on every cold start (with SnapStart, once per published version). Bytecode is only usable
when compiled by the function's own Python version, so it is compiled by a CPython 3.13 found
here, never by the interpreter running the build, and with `--invalidation-mode unchecked-hash`:
such bytecode is used as it is, never checked against the source's timestamp, which a zip does
not keep.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
from pathlib import Path

# The function's runtime (infra/constructs/function.py): its bytecode and nothing else loads.
PYTHON_VERSION = "3.13"
# Names the interpreter that compiles, or a path that runs none to build without bytecode.
COMPILER_VARIABLE = "PY313"


def find_compiler() -> Path | None:
    """A CPython 3.13 to compile with: $PY313 when it is set (the operator's choice, alone: a
    path that runs no 3.13 means none), else python3.13 on PATH, else pyenv's newest 3.13;
    None when there is none."""
    return _first_313(
        os.environ.get(COMPILER_VARIABLE) or None,
        shutil.which("python3.13"),
        os.path.expanduser("~/.pyenv"),
    )


# Asking each candidate its version costs up to 0.2 s (pyenv's shims are scripts), and a test
# session synthesizes a dozen apps: asked once per process for the same choices.
@functools.cache
def _first_313(chosen: str | None, on_path: str | None, pyenv_root: str) -> Path | None:
    if chosen:
        return Path(chosen) if _runs_cpython(chosen, PYTHON_VERSION) else None
    pyenv = sorted(glob.glob(f"{glob.escape(pyenv_root)}/versions/3.13*/bin/python3.13"))
    for candidate in (on_path, *reversed(pyenv)):
        if candidate and _runs_cpython(candidate, PYTHON_VERSION):
            return Path(candidate)
    return None


def _runs_cpython(executable: str, version: str) -> bool:
    probe = "import sys; print(sys.implementation.name, '%d.%d' % sys.version_info[:2])"
    try:
        # A path we were given or found (environment, PATH, pyenv), asked only its version.
        ran = subprocess.run(  # noqa: S603
            [executable, "-c", probe], capture_output=True, text=True, timeout=30, check=False
        )
    except OSError:
        return False
    return ran.returncode == 0 and ran.stdout.split() == ["cpython", version]


def compile_tree(compiler: Path, tree: Path, *, runs_from: str) -> None:
    """Every module under `tree` gets its bytecode next to it in __pycache__, as the function's
    Python reads it; the bytecode names its source under `runs_from` (where Lambda puts the
    tree), for tracebacks."""
    # The compiler find_compiler() returned, on a directory this build staged.
    subprocess.run(  # noqa: S603
        [
            str(compiler),
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            "-s",
            str(tree),
            "-p",
            runs_from,
            str(tree),
        ],
        check=True,
    )


def no_compiler_note(what: str) -> str:
    """The line a build prints when it ships `what` without bytecode."""
    chosen = os.environ.get(COMPILER_VARIABLE)
    looked = (
        f"{COMPILER_VARIABLE}={chosen} runs no CPython {PYTHON_VERSION}"
        if chosen
        else f"no CPython {PYTHON_VERSION} here ({COMPILER_VARIABLE}, python3.13, pyenv)"
    )
    return f"{looked}: {what} ships no bytecode, so each cold start compiles what it imports"
