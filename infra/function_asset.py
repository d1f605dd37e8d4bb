"""The function's own code as Lambda runs it: lambda_src/ staged with its CPython 3.13 bytecode.

Lambda's /var/task is read-only, so a module shipped without bytecode is compiled on every cold
start (with SnapStart, once per published version). `build()` copies the files the function
ships (lambda_src/ without caches, build leftovers or editor files) into
build/function-asset/<key>/, and, when a CPython 3.13 is at hand (infra/bytecode.py), compiles
each module there with `--invalidation-mode unchecked-hash`; the source tree is never written.
Without a 3.13 the asset holds sources only, and the build says so.

The directory is named after a key of what it holds (every shipped file's path and bytes, the
recipe, bytecode or not), so it is built once per change of the sources: a synth whose sources
are unchanged only hashes them. It appears complete or not at all (built aside, then renamed),
so parallel synths (pytest-xdist workers) can build it at once. Offline, no Docker.
"""

from __future__ import annotations

import fnmatch
import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from infra.bytecode import PYTHON_VERSION, compile_tree, find_compiler, no_compiler_note

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIR = ROOT / "lambda_src"
BUILD_ROOT = ROOT / "build" / "function-asset"
# Where Lambda unpacks the function's code: the bytecode names its sources there.
TASK_ROOT = "/var/task"
# Names never shipped, at any depth: caches (a developer's own __pycache__ holds another
# Python's bytecode), build leftovers and editor files. The asset's own bytecode is added after.
EXCLUDED_NAMES = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    "*.egg-info",
    ".DS_Store",
)
# Bump when the way the directory is built changes, so the key no longer matches.
RECIPE = 1
# The key's first characters name the directory: enough to tell builds apart.
NAME_LENGTH = 16
STAGING_PREFIX = ".staging-"


class FunctionAssetError(RuntimeError):
    """The function's code could not be compiled for Lambda."""


@dataclass(frozen=True)
class FunctionAsset:
    """The directory the function's code asset is made of, and what it was built from."""

    path: Path
    key: str
    bytecode: bool


def shipped_files(source: Path = SOURCE_DIR) -> list[Path]:
    """The files of `source` the function ships, relative to it, in a stable order."""
    return sorted(
        path.relative_to(source)
        for path in source.rglob("*")
        if path.is_file() and not _excluded(path.relative_to(source))
    )


def _excluded(relative: Path) -> bool:
    return any(
        fnmatch.fnmatchcase(part, pattern) for part in relative.parts for pattern in EXCLUDED_NAMES
    )


def asset_key(source: Path, files: list[Path], *, bytecode: bool) -> str:
    """What the directory is built from: each shipped file's path and bytes, the recipe, and
    whether it holds bytecode (a 3.13 appearing later builds it again, with)."""
    digest = hashlib.sha256(
        f"recipe {RECIPE} {TASK_ROOT} bytecode {PYTHON_VERSION if bytecode else 'none'}".encode()
    )
    for relative in files:
        digest.update(relative.as_posix().encode() + b"\0")
        digest.update(hashlib.sha256((source / relative).read_bytes()).digest())
    return digest.hexdigest()


def build(source: Path = SOURCE_DIR, build_root: Path = BUILD_ROOT) -> FunctionAsset:
    """The staged asset for the sources as they are now; built only when none matches them."""
    files = shipped_files(source)
    compiler = find_compiler()
    key = asset_key(source, files, bytecode=compiler is not None)
    target = build_root / key[:NAME_LENGTH]
    if not target.is_dir():
        _stage(source, files, compiler, target)
        _remove_older_builds(build_root, keep=target)
    return FunctionAsset(path=target, key=key, bytecode=compiler is not None)


def _stage(source: Path, files: list[Path], compiler: Path | None, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=target.parent))
    try:
        for relative in files:
            (staging / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / relative, staging / relative)
        if compiler is None:
            print(f"function-asset: {no_compiler_note('the function code')}", file=sys.stderr)
        else:
            _compile(compiler, staging)
        _publish(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _compile(compiler: Path, staging: Path) -> None:
    try:
        compile_tree(compiler, staging, runs_from=TASK_ROOT)
    except subprocess.CalledProcessError as failed:
        raise FunctionAssetError(
            f"{compiler} could not compile the function's code (exit {failed.returncode}, "
            "above): Lambda's Python 3.13 would not import it either"
        ) from None


def _publish(staging: Path, target: Path) -> None:
    """Rename the finished directory into place; a parallel build that got there first built
    the same bytes (same key), so its directory is kept and this one dropped."""
    try:
        staging.rename(target)
    except OSError:
        if not target.is_dir():
            raise


def _remove_older_builds(build_root: Path, keep: Path) -> None:
    for path in build_root.iterdir():
        if path != keep and path.is_dir() and not path.name.startswith(STAGING_PREFIX):
            shutil.rmtree(path, ignore_errors=True)
