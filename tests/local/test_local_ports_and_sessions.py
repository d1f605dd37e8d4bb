"""`make local` on a taken port says which port and how to choose another, without a traceback;
its start-up list shows each session's status and age, so a newcomer picks a running one."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from local.help_text import session_table
from local.ports import PortUnavailable, check_ports
from local.stack_cli import parse_args
from local.world import SessionSeed, new_emulator, seed_world

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port some other server listens on for the length of the test."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield int(holder.getsockname()[1])


def _clean_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {name: os.environ[name] for name in keep if name in os.environ}


def _assert_port_message(stderr: str, port: int) -> None:
    assert f"error: port {port} on 127.0.0.1 is taken" in stderr
    assert "make local PORT=" in stderr
    assert "Traceback" not in stderr


def test_the_entry_point_names_the_taken_port_and_how_to_choose_another(taken_port: int) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "local.stack", "--port", str(taken_port)],
        cwd=ROOT,
        env={**_clean_env(), "PYTHONPATH": f"{ROOT / 'lambda_src'}{os.pathsep}{ROOT}"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    _assert_port_message(result.stderr, taken_port)
    assert result.stdout == "", "nothing started, so nothing to announce"


def test_make_local_takes_port_and_fails_the_same_way(taken_port: int) -> None:
    """`make local PORT=<taken>`; -o: the venv is there, do not try to refresh it."""
    keep_venv = ["-o", ".venv/.installed-local"]
    result = subprocess.run(
        ["make", "--no-print-directory", *keep_venv, "local", f"PORT={taken_port}"],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    _assert_port_message(result.stderr, taken_port)


def test_the_suggested_port_is_free(taken_port: int) -> None:
    with pytest.raises(PortUnavailable) as raised:
        check_ports("127.0.0.1", {"port": taken_port})
    suggested = int(str(raised.value).split("make local PORT=", 1)[1].split()[0])
    assert suggested > taken_port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", suggested))


def test_a_taken_emulator_port_names_its_own_option(taken_port: int) -> None:
    with pytest.raises(PortUnavailable, match=f"port {taken_port} .* --emulator-port"):
        check_ports("127.0.0.1", {"port": 0, "emulator_port": taken_port})


def test_free_ports_and_port_zero_pass() -> None:
    check_ports("127.0.0.1", {"port": 0, "emulator_port": 0, "moto_port": 0})


@pytest.mark.parametrize("port", ["70000", "-1"])
def test_a_port_out_of_range_is_refused_by_the_options(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        parse_args(["--port", port])
    assert "is not a port (0-65535" in capsys.readouterr().err


def test_the_session_list_shows_status_and_age_before_each_arn() -> None:
    emulator, clock = new_emulator(metered_concurrency=5)
    world = seed_world(
        emulator,
        clock,
        [
            SessionSeed("a", "old-one", age_minutes=95),
            SessionSeed("a", "fresh-one", age_minutes=12),
            SessionSeed("b", "ended-one", age_minutes=50, ended_minutes_ago=30),
        ],
    )
    header, *rows = session_table(world)
    assert header.split() == ["name", "status", "age", "billing", "ARN"]
    by_name = {row.split()[0]: row.split() for row in rows}
    # Age since creation: the seed's age counts from the start, a minute after creation.
    assert by_name["old-one"][1:4] == ["RUNNING", "96", "min"]
    assert by_name["fresh-one"][1:4] == ["RUNNING", "13", "min"]
    assert by_name["ended-one"][1] == "COMPLETED"
    for name, words in by_name.items():
        assert words[-1] == world.arn(name)
    # The columns line up: every status starts where the header's does.
    column = header.index("status")
    assert all(row[column - 1] == " " and row[column] != " " for row in rows)
