"""The function's dependencies as Lambda runs them: the pins the tests ran with, built for the
function's platform (arm64, CPython 3.13) and shipped as the function's own layer.

`python -m infra.lambda_deps` (`make lambda-deps`) installs requirements-lambda.txt, constrained
by constraints.txt, from binary wheels for that platform into build/lambda-deps/python, the
layout Lambda puts on sys.path (/opt/python). No Docker: pip fetches the platform's wheels with
--platform/--python-version/--implementation/--abi, as AWS documents for arm64 ("Working with
built distributions (wheels)", docs.aws.amazon.com/lambda/latest/dg/python-package.html). It is
skipped while a stamp keyed by the requirements, the constraints and the build recipe matches,
so a repeated `make test` costs a Python start-up.

When a CPython 3.13 is at hand (infra/bytecode.py: PY313, else python3.13 on PATH or pyenv's
3.13), the layer also ships each module's unchecked-hash bytecode: Lambda's /opt is read-only,
so without it every cold start compiles the dependencies it imports again (measured: imports
2.3 s without bytecode, 0.9 s with). Without a 3.13 the layer ships sources only, as before,
and says so.

The synth only reads what was built (`built()`), offline, and refuses a missing or stale
directory with a message that says to run `make lambda-deps`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from infra.bytecode import PYTHON_VERSION, compile_tree, find_compiler, no_compiler_note

ROOT = Path(__file__).resolve().parent.parent
# The function's direct runtime dependencies; requirements.txt and requirements-py313.txt
# include this file, so each pin has one source.
REQUIREMENTS = ROOT / "requirements-lambda.txt"
CONSTRAINTS = ROOT / "constraints.txt"
# The layer's asset directory: only python/ is in it, the stamp sits next to it.
BUILD_DIR = ROOT / "build" / "lambda-deps"
STAMP = ROOT / "build" / "lambda-deps.stamp"
MAKE_TARGET = "make lambda-deps"

# The function's platform (infra/constructs/function.py): Python 3.13 on arm64, whose Amazon
# Linux 2023 (glibc 2.34) runs manylinux2014 (glibc 2.17) wheels.
PLATFORM = "manylinux2014_aarch64"
IMPLEMENTATION = "cp"
ABI = "cp313"
# Bump when the way the directory is built changes, so the stamp no longer matches.
RECIPE = 2
# Where Lambda mounts the layer: the bytecode names its sources there, for tracebacks.
LAYER_MOUNT = "/opt/python"
# Console scripts carry the build interpreter's shebang and are never run in Lambda.
PRUNED = ("bin",)


class DependenciesNotBuiltError(RuntimeError):
    """build/lambda-deps is missing or was built from other requirements."""


@dataclass(frozen=True)
class BuiltDependencies:
    """The layer's asset directory and the key of what it was built from."""

    path: Path
    key: str


def pip_arguments(target: Path) -> list[str]:
    """`pip install` for the function's platform: binary wheels only, no bytecode (Lambda's
    /opt is read-only and AWS advises against shipping __pycache__), nothing else upgraded."""
    return [
        "install",
        "--quiet",
        "--disable-pip-version-check",
        "--no-compile",
        "--only-binary=:all:",
        "--platform",
        PLATFORM,
        "--python-version",
        PYTHON_VERSION,
        "--implementation",
        IMPLEMENTATION,
        "--abi",
        ABI,
        "--target",
        str(target),
        "-r",
        str(REQUIREMENTS),
        "-c",
        str(CONSTRAINTS),
    ]


def input_key(
    requirements: Path = REQUIREMENTS,
    constraints: Path = CONSTRAINTS,
    *,
    bytecode: bool = False,
) -> str:
    """What the directory is built from: both files' bytes, the platform, the recipe, and
    whether it holds bytecode (a 3.13 appearing later rebuilds it, with)."""
    compiled = f"bytecode {PYTHON_VERSION}" if bytecode else "no bytecode"
    digest = hashlib.sha256()
    for part in (
        requirements.read_bytes(),
        constraints.read_bytes(),
        f"{PLATFORM} {IMPLEMENTATION} {PYTHON_VERSION} {ABI} {PRUNED} recipe {RECIPE}".encode(),
        compiled.encode(),
    ):
        digest.update(hashlib.sha256(part).digest())
    return digest.hexdigest()


def stale_reason(build_dir: Path = BUILD_DIR, stamp: Path = STAMP, key: str | None = None) -> str:
    if key is None and stamp.is_file():
        key = _key_matching_stamp(stamp)
    """Why the directory cannot be shipped as it is; empty when it is up to date."""
    if not (build_dir / "python").is_dir():
        return f"{_shown(build_dir)} does not exist"
    if not stamp.is_file():
        return f"{_shown(build_dir)} has no stamp (an interrupted build?)"
    if stamp.read_text(encoding="utf-8").strip() != (key or input_key()):
        return (
            f"{_shown(build_dir)} was built from other pins than "
            f"{REQUIREMENTS.name} and {CONSTRAINTS.name} hold now"
        )
    return ""


def _key_matching_stamp(stamp: Path) -> str:
    """The current key, with or without bytecode, whichever the stamp holds: the synth (and a
    machine without 3.13) accepts a layer built on one with it, and the other way round."""
    recorded = stamp.read_text(encoding="utf-8").strip()
    with_bytecode = input_key(bytecode=True)
    return with_bytecode if recorded == with_bytecode else input_key()


def built(build_dir: Path = BUILD_DIR, stamp: Path = STAMP) -> BuiltDependencies:
    """The built directory, for the synth: offline, and only if it matches the pins."""
    key = _key_matching_stamp(stamp) if stamp.is_file() else input_key()
    reason = stale_reason(build_dir, stamp, key)
    if reason:
        raise DependenciesNotBuiltError(
            f"the function's dependencies are not built for Lambda: {reason}. Run "
            f"`{MAKE_TARGET}` (it installs {REQUIREMENTS.name}'s pins as arm64 / Python "
            f"{PYTHON_VERSION} wheels from PyPI into {_shown(build_dir)})"
        )
    return BuiltDependencies(path=build_dir, key=key)


def build(build_dir: Path = BUILD_DIR, stamp: Path = STAMP, *, force: bool = False) -> bool:
    """Build the directory unless it is up to date; True when it was built. With a 3.13 at
    hand, a layer built without bytecode is built again, with."""
    compiler = find_compiler()
    key = input_key(bytecode=compiler is not None)
    if not force and not stale_reason(build_dir, stamp, key):
        return False
    build_dir.parent.mkdir(parents=True, exist_ok=True)
    stamp.unlink(missing_ok=True)
    # Into a fresh directory next to it, then swapped in: a failed install leaves no half-built
    # directory behind a valid stamp.
    staging = Path(tempfile.mkdtemp(prefix=f".{build_dir.name}-", dir=build_dir.parent))
    try:
        subprocess.run(  # noqa: S603  (this interpreter's pip, fixed arguments)
            [sys.executable, "-m", "pip", *pip_arguments(staging / "python")],
            check=True,
            env={**os.environ, "PIP_NO_INPUT": "1"},
        )
        _prune(staging / "python")
        if compiler:
            print(f"lambda-deps: compiling the layer's bytecode with {compiler}", flush=True)
            compile_tree(compiler, staging / "python", runs_from=LAYER_MOUNT)
        else:
            print(f"lambda-deps: {no_compiler_note('the layer')}", flush=True)
        shutil.rmtree(build_dir, ignore_errors=True)
        staging.rename(build_dir)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    stamp.write_text(key + "\n", encoding="utf-8")
    return True


def _prune(site: Path) -> None:
    for name in PRUNED:
        shutil.rmtree(site / name, ignore_errors=True)
    for cache in sorted(site.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache, ignore_errors=True)


@dataclass(frozen=True)
class Size:
    files: int
    unzipped: int
    zipped: int


def measure(build_dir: Path = BUILD_DIR) -> Size:
    """The layer's size as Lambda counts it (unzipped, against the 250 MB limit of a function
    and its layers) and as it is uploaded (zipped with deflate, as the CDK zips an asset)."""
    files = sorted(path for path in build_dir.rglob("*") if path.is_file())
    with tempfile.TemporaryFile() as archive:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in files:
                zipped.write(path, path.relative_to(build_dir).as_posix())
        zipped_size = archive.tell()
    return Size(len(files), sum(path.stat().st_size for path in files), zipped_size)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.lambda_deps", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    parser.add_argument("--force", action="store_true", help="rebuild even when up to date")
    parser.add_argument("--size", action="store_true", help="print the layer's size")
    args = parser.parse_args(argv)
    if args.check:
        reason = stale_reason()
        print(f"lambda-deps: {reason or 'up to date'}")
        return 1 if reason else 0
    if build(force=args.force):
        print(f"lambda-deps: built {_shown(BUILD_DIR)} from {REQUIREMENTS.name} (arm64, cp313)")
    else:
        print(f"lambda-deps: {_shown(BUILD_DIR)} is up to date")
    if args.size:
        size = measure()
        print(
            f"lambda-deps: {size.files} files, {size.unzipped / 1e6:.1f} MB unzipped "
            f"(Lambda's limit: 250 MB with the function), {size.zipped / 1e6:.1f} MB zipped"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
