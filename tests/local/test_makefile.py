"""The Makefile a newcomer meets first: `make help` lists every target, and the first run says
what it is doing while it creates .venv (issue 11).

The setup runs with a stand-in `python3` that records what it is asked to do, so no virtualenv
is created and nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAKEFILE = ROOT / "Makefile"

FAKE_PYTHON = """#!/bin/sh
# A stand-in for python3: passes the version check (exit code in $HERE/version-check), makes a
# "virtualenv" whose python only records its arguments.
HERE="$(dirname "$0")"
case "$1" in
  -c) exit "$(cat "$HERE/version-check")" ;;
  --version) echo "Python 3.99.0" ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin" && cp "$HERE/venv-python" "$3/bin/python"; fi ;;
esac
"""
VENV_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../calls.log"
"""


def phony_targets() -> list[str]:
    text = MAKEFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    (line,) = [line for line in text.splitlines() if line.startswith(".PHONY:")]
    return line.removeprefix(".PHONY:").split()


def make(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}
    return subprocess.run(
        ["make", "--no-print-directory", "-C", str(cwd), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_make_help_lists_every_target_with_a_description() -> None:
    result = make("help")
    assert result.returncode == 0, result.stderr
    described = {}
    for line in result.stdout.splitlines():
        match = re.fullmatch(r"make (\S+)\s+(.+)", line)
        if match:
            described[match[1]] = match[2]
    targets = phony_targets()
    assert len(targets) >= 19
    for target in targets:
        assert target in described, f"make help does not list {target}"
        assert len(described[target].split()) >= 2, f"{target}: {described[target]!r}"
    assert set(described) == set(targets), "make help lists a target that is not .PHONY"


def test_make_help_names_the_variables_the_targets_take() -> None:
    text = make("help").stdout
    for variable in ("STAGE=", "CONTEXT=", "PORT="):
        assert variable in text


def test_make_without_a_target_is_help() -> None:
    assert make().stdout == make("help").stdout


@pytest.fixture
def fake_python(tmp_path: Path) -> Path:
    for name, body in (("python3", FAKE_PYTHON), ("venv-python", VENV_PYTHON)):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "version-check").write_text("0", encoding="utf-8")
    return tmp_path / "python3"


def test_first_run_setup_says_what_it_is_doing(fake_python: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    result = make("venv", f"VENV={venv}", f"PYTHON={fake_python}")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines == [
        f"setup: creating {venv} with Python 3.99.0",
        f"setup: installing the pinned requirements into {venv} (about a minute the first time)",
        f"setup: done, {venv} is ready",
    ]
    calls = (venv / "calls.log").read_text(encoding="utf-8").splitlines()
    assert "-m pip install --quiet -r requirements-dev.txt -c constraints.txt" in calls
    # Up to date: nothing to say, nothing installed again.
    again = make("venv", f"VENV={venv}", f"PYTHON={fake_python}")
    assert "setup:" not in again.stdout
    assert (venv / "calls.log").read_text(encoding="utf-8").splitlines() == calls


def test_an_existing_venv_is_refreshed_without_being_created(
    fake_python: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    make("venv", f"VENV={venv}", f"PYTHON={fake_python}")
    (venv / ".installed").unlink()
    lines = make("venv", f"VENV={venv}", f"PYTHON={fake_python}").stdout.splitlines()
    assert lines[0].startswith("setup: installing the pinned requirements")
    assert not any("creating" in line for line in lines)


def test_a_python_older_than_3_11_is_named(fake_python: Path, tmp_path: Path) -> None:
    (tmp_path / "version-check").write_text("1", encoding="utf-8")
    result = make("venv", f"VENV={tmp_path / 'venv'}", f"PYTHON={fake_python}")
    assert result.returncode != 0
    assert f"setup: needs Python 3.11+ as {fake_python}" in result.stderr
    assert not (tmp_path / "venv").exists()
