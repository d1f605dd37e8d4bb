"""`dfss` against the local stack: real HTTP, the real handler, the emulator and moto.

What `make local` serves, started in-process for each test (its sessions are seeded with the
ages `make local` gives them); the tests call `dfss` with --endpoint, as a person would.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

from dfss.errors import Exit
from local.help_text import local_help
from local.stack_cli import LOCAL_EXAMPLES
from tests.cli.local_dfss import Dfss, Local

ROOT = Path(__file__).resolve().parents[2]
UNKNOWN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"


def test_stop_a_running_session(local: Local, dfss: Dfss) -> None:
    ran = dfss("stop", local.world.arn("checkout-flow"))

    assert (ran.code, ran.err) == (Exit.OK, "")
    [row] = ran.rows()
    assert row[:3] == ["STOPPED", "checkout-flow", "STOPPING"]
    assert row[-1] == "-"
    assert f"arn: {local.world.arn('checkout-flow')}" in ran.out.splitlines()
    assert local.status("checkout-flow") in ("STOPPING", "COMPLETED")


def test_stop_an_ended_session_is_success(local: Local, dfss: Dfss) -> None:
    ran = dfss("stop", local.world.arn("login-smoke"))
    assert (ran.code, ran.err) == (Exit.OK, "")
    assert ran.rows()[0][:2] == ["ALREADY_ENDED", "login-smoke"]


def test_stop_an_unknown_session_is_exit_1(dfss: Dfss) -> None:
    ran = dfss("stop", UNKNOWN)

    assert ran.code == Exit.REFUSED
    assert ran.rows()[0][0] == "NOT_FOUND"
    assert ran.err.startswith("dfss: NOT_FOUND: ")
    assert ran.err.endswith("(NotFoundException, HTTP 404)\n")


def test_a_malformed_arn_is_exit_1_with_the_apis_reason(dfss: Dfss) -> None:
    ran = dfss("stop", "arn:aws:devicefarm:us-west-2:123456789012:session:not/a session")

    assert (ran.code, ran.out) == (Exit.REFUSED, "")
    assert ran.err.startswith("dfss: HTTP 400 INVALID_ARN: ")
    assert "not a Device Farm session ARN" in ran.err
    assert ran.err.count("\n") == 1


def test_sweep_dry_run_lists_what_it_would_stop_and_stops_nothing(local: Local, dfss: Dfss) -> None:
    ran = dfss("sweep", "--dry-run")

    assert (ran.code, ran.err) == (Exit.OK, "")
    assert ran.out.startswith("sweep ")
    assert "dry run (nothing stopped); selection: deadline; scope: every project" in ran.out
    assert "skipped by reason: DRY_RUN 1, PROTECTED 1" in ran.out
    listed = {row[2]: row[:2] for row in ran.rows()}
    assert listed == {
        "forgotten-debug": ["skip", "DRY_RUN"],
        "keep-perf-baseline": ["skip", "PROTECTED"],
    }
    assert local.status("forgotten-debug") == "RUNNING"


def test_sweep_json_is_the_summary_as_the_api_sent_it(dfss: Dfss) -> None:
    ran = dfss("sweep", "--dry-run", "--max-age", "30", "--json")

    assert (ran.code, ran.err) == (Exit.OK, "")
    summary = json.loads(ran.out)
    assert summary["messageType"] == "sweepSummary"
    assert (summary["dryRun"], summary["selection"], summary["maxAgeMinutes"]) == (True, "age", 30)
    # Older than 30 minutes: forgotten-debug (95) and keep-perf-baseline (80), protected.
    assert {s["name"]: s["reason"] for s in summary["sessions"]} == {
        "forgotten-debug": "DRY_RUN",
        "keep-perf-baseline": "PROTECTED",
    }


def test_sweep_of_a_project_that_cannot_be_listed_is_exit_1(local: Local, dfss: Dfss) -> None:
    gone = "arn:aws:devicefarm:us-west-2:123456789012:project:00000000-0000-0000-0000-000000000000"
    ran = dfss("sweep", "--dry-run", "--project", gone)

    assert ran.code == Exit.REFUSED
    assert "listing failures:" in ran.out
    assert ran.err.startswith("dfss: HTTP 502: nothing could be listed; NotFoundException")


def test_extend_moves_the_deadline(local: Local, dfss: Dfss) -> None:
    arn = local.world.arn("checkout-flow")

    table = dfss("extend", arn, "--minutes", "10")
    answer = dfss("extend", arn, "--minutes", "5", "--json")

    assert (table.code, table.err) == (Exit.OK, "")
    [row] = table.rows()
    assert row[:3] == ["EXTENDED", "checkout-flow", "RUNNING"]
    assert row[5] == "+10"
    deadline, was = (datetime.fromisoformat(row[i].replace("Z", "+00:00")) for i in (6, 7))
    assert deadline - was == timedelta(minutes=10)
    assert answer.code == Exit.OK
    extended = json.loads(answer.out)
    assert extended["messageType"] == "extended"
    assert extended["minutesAdded"] == 5
    assert extended["previousDeadline"].startswith(deadline.strftime("%Y-%m-%dT%H:%M:%S"))


def test_extend_past_the_limit_is_exit_1_with_the_apis_message(local: Local, dfss: Dfss) -> None:
    ran = dfss("extend", local.world.arn("checkout-flow"), "--minutes", "149")

    assert (ran.code, ran.out) == (Exit.REFUSED, "")
    assert ran.err.startswith("dfss: HTTP 422 EXTENSION_LIMIT: the deadline can move ")


def test_sessions_lists_each_active_session(local: Local, dfss: Dfss) -> None:
    ran = dfss("sessions")

    assert (ran.code, ran.err) == (Exit.OK, ""), ran.err
    names = {row[1] for row in ran.rows()}
    assert names == {"forgotten-debug", "checkout-flow", "keep-perf-baseline", "exploratory-ios"}
    assert "4 active session(s)" in ran.out.splitlines()


# A new user's shell: no AWS credentials, region, profile or ~/.aws files of any kind.
FIRST_RUN_ENVIRONMENT = {
    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
    "HOME": os.environ.get("HOME", "/tmp"),
    "PYTHONPATH": str(ROOT / "cli"),  # this checkout's dfss, whatever the venv was installed from
    "NO_PROXY": "127.0.0.1,localhost",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
}
README_LOCAL_URL = "http://127.0.0.1:3000"


def run_as_a_new_user(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", f"set -e\n{script}"],
        cwd=ROOT, env=FIRST_RUN_ENVIRONMENT, capture_output=True, text=True, check=False,
        timeout=120,
    )  # fmt: skip


def readme_local_dfss_lines() -> list[str]:
    """The README's dfss commands for `make local`: those of the quick start's `make local`
    block, and every other one that names the local endpoint."""
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### `make local`: play with it", 1)[1]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    quick_start = [
        line for line in block.splitlines() if line.startswith((".venv/bin/dfss", "export DFSS_"))
    ]
    elsewhere = [
        line
        for line in readme.splitlines()
        if line.startswith(".venv/bin/dfss") and README_LOCAL_URL in line and line not in block
    ]
    return quick_start + elsewhere


def test_the_readmes_local_commands_work_as_written_without_any_setup(local: Local) -> None:
    """Only the port differs: the test's stack has a free one, since 3000 may be taken."""
    lines = readme_local_dfss_lines()
    assert any(line.startswith("export DFSS_ENDPOINT=") for line in lines)
    assert sum(line.startswith(".venv/bin/dfss") for line in lines) >= 3
    script = "\n".join(lines).replace(README_LOCAL_URL, local.stack.api_url)

    ran = run_as_a_new_user(script)

    assert ran.returncode == 0, f"{script}\n{ran.stderr}"
    assert ran.stderr == ""
    assert "4 active session(s)" in ran.stdout
    assert "dry run (nothing stopped)" in ran.stdout
    assert re.search(r"^STOPPED +checkout-flow ", ran.stdout, re.MULTILINE)
    assert local.status("checkout-flow") in ("STOPPING", "COMPLETED")


def test_the_dfss_commands_the_local_stack_prints_work_as_printed(local: Local) -> None:
    urls = (local.stack.api_url, local.stack.emulator_url, local.stack.moto_url)
    banner = local_help(*urls, local.world, LOCAL_EXAMPLES).splitlines()
    label = next(i for i, line in enumerate(banner) if line.startswith("With dfss "))
    commands = [line.strip() for line in banner[label + 1 : label + 5]]
    assert all(command.startswith(".venv/bin/dfss --endpoint http://") for command in commands)

    ran = run_as_a_new_user("\n".join(commands))

    assert ran.returncode == 0, ran.stderr
    assert "4 active session(s)" in ran.stdout
    assert "EXTENDED  exploratory-ios" in ran.stdout
    assert "STOPPED  checkout-flow" in ran.stdout
    assert local.status("checkout-flow") in ("STOPPING", "COMPLETED")


def test_the_console_script_against_make_local(local: Local) -> None:
    """The installed `dfss`, in its own process, as a person runs it next to `make local`:
    without credentials or a region, which a loopback endpoint does not need."""
    command = [str(Path(sys.executable).parent / "dfss"), "--endpoint", local.stack.api_url]

    stopped = subprocess.run(
        [*command, "--json", "stop", local.world.arn("forgotten-debug")],
        capture_output=True, text=True, env=FIRST_RUN_ENVIRONMENT, check=False, timeout=60,
    )  # fmt: skip
    unknown = subprocess.run(
        [*command, "stop", UNKNOWN],
        capture_output=True, text=True, env=FIRST_RUN_ENVIRONMENT, check=False, timeout=60,
    )  # fmt: skip

    assert stopped.returncode == 0, stopped.stderr
    assert json.loads(stopped.stdout)["outcome"] == "STOPPED"
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("dfss: NOT_FOUND: ")
