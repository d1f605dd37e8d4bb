"""Issue 17: the function's own code ships with its CPython 3.13 bytecode when a 3.13 is at hand
(infra/function_asset.py), and otherwise as sources, saying so; either way exactly the files the
asset shipped before (lambda_src without caches, leftovers or editor files), and the source
tree is never written.

Each test builds into its own directory from a copy of lambda_src, with a developer's stray
files added, so none touches build/function-asset or lambda_src.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from aws_cdk import App, FileSystem, Stack
from aws_cdk import aws_lambda as lambda_

from infra import function_asset
from infra.bytecode import find_compiler
from tests.support.bytecode import assert_every_module_has_unchecked_313_bytecode, bytecode_in

# What a developer's checkout holds besides the package, none of which Lambda should get:
# another Python's bytecode, tool caches, build metadata, a Finder file.
STRAYS = (
    "session_stopper/__pycache__/handler.cpython-311.pyc",
    "session_stopper/domain/__pycache__/__init__.cpython-313.pyc",
    "session_stopper/legacy.pyo",
    "session_stopper/.mypy_cache/3.11/cache.json",
    ".pytest_cache/v/cache/lastfailed",
    ".ruff_cache/CACHEDIR.TAG",
    "session_stopper.egg-info/PKG-INFO",
    "session_stopper/.DS_Store",
)


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """lambda_src as it is, plus the strays."""
    copy = tmp_path / "lambda_src"
    shutil.copytree(function_asset.SOURCE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for stray in STRAYS:
        (copy / stray).parent.mkdir(parents=True, exist_ok=True)
        (copy / stray).write_bytes(b"not for Lambda")
    return copy


@pytest.fixture
def without_313(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A build machine with no CPython 3.13: PY313 names an interpreter that is not there."""
    monkeypatch.setenv("PY313", str(tmp_path / "no-python3.13"))


def tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file()
    }


def test_with_a_313_every_module_ships_its_unchecked_hash_bytecode(
    source: Path, tmp_path: Path
) -> None:
    assert find_compiler() is not None, "no CPython 3.13 here (pyenv's, python3.13 or PY313)"
    before = tree(source)
    asset = function_asset.build(source, tmp_path / "build")
    assert asset.bytecode
    assert_every_module_has_unchecked_313_bytecode(asset.path)
    assert (asset.path / "session_stopper/__pycache__/handler.cpython-313.pyc").is_file()
    assert tree(source) == before, "the build wrote into the source tree"


def test_without_a_313_sources_only_said_once(
    source: Path, tmp_path: Path, without_313: None, capsys: pytest.CaptureFixture[str]
) -> None:
    asset = function_asset.build(source, tmp_path / "build")
    assert not asset.bytecode
    assert bytecode_in(asset.path) == []
    assert "runs no CPython 3.13: the function code ships no bytecode" in capsys.readouterr().err
    # Built already: the next synth says nothing more.
    assert function_asset.build(source, tmp_path / "build") == asset
    assert capsys.readouterr().err == ""


@pytest.mark.synth
def test_ships_exactly_what_the_cdk_s_excludes_would(
    source: Path, tmp_path: Path, without_313: None
) -> None:
    """The staged files are lambda_src's as `Code.from_asset(lambda_src, exclude=...)` with
    the same names copied them before: the CDK's own glob matching is the oracle."""
    app = App(outdir=str(tmp_path / "cdk.out"))
    stack = Stack(app, "Excludes")
    excludes = [f"**/{name}" for name in function_asset.EXCLUDED_NAMES]
    lambda_.Function(
        stack,
        "Fn",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="session_stopper.handler.lambda_handler",
        code=lambda_.Code.from_asset(str(source), exclude=excludes),
    )
    template = app.synth().get_stack_by_name("Excludes").template
    (s3_key,) = [
        resource["Properties"]["Code"]["S3Key"]
        for resource in template["Resources"].values()
        if resource["Type"] == "AWS::Lambda::Function"
    ]
    cdk_copy = tmp_path / "cdk.out" / f"asset.{s3_key.removesuffix('.zip')}"

    asset = function_asset.build(source, tmp_path / "build")
    assert tree(asset.path) == tree(cdk_copy)
    assert not set(STRAYS) & set(tree(asset.path))
    assert "session_stopper/handler.py" in tree(asset.path)


def test_a_changed_source_builds_a_new_asset_only_then(
    source: Path, tmp_path: Path, without_313: None
) -> None:
    build_root = tmp_path / "build"
    first = function_asset.build(source, build_root)
    fingerprint = FileSystem.fingerprint(str(first.path))
    assert function_asset.build(source, build_root) == first
    handler = source / "session_stopper" / "handler.py"
    handler.write_text(handler.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    changed = function_asset.build(source, build_root)
    assert changed.key != first.key
    assert FileSystem.fingerprint(str(changed.path)) != fingerprint
    # The older build is gone: build/function-asset holds one copy of the package.
    assert sorted(build_root.iterdir()) == [changed.path]


def test_bytecode_or_not_is_part_of_the_key(source: Path) -> None:
    """A 3.13 appearing later builds the asset again, with bytecode (and a new version)."""
    files = function_asset.shipped_files(source)
    with_bytecode = function_asset.asset_key(source, files, bytecode=True)
    assert with_bytecode != function_asset.asset_key(source, files, bytecode=False)
