"""What `make local` prints on start: where things run and commands to try with real ARNs."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from local.devicefarm_emulator.catalogue import default_device_arn
from local.devicefarm_emulator.server import TARGET_PREFIX
from local.sample_events import alarm_action_event, stop_command_event
from local.world import SeededWorld


def _curl(url: str, payload: Any) -> str:
    return (
        f"  curl -s -X POST {url} -H 'content-type: application/json' \\\n"
        f"       -d '{json.dumps(payload)}'"
    )


def _create_session_curl(emulator_url: str, project_arn: str) -> str:
    """A raw Device Farm call, so the emulator's CloudTrail records it (seeded sessions are not)."""
    body = {"projectArn": project_arn, "deviceArn": default_device_arn(), "name": "timer-demo"}
    return (
        f"  curl -s -X POST {emulator_url}/ -H 'X-Amz-Target: "
        f"{TARGET_PREFIX}CreateRemoteAccessSession' \\\n"
        f"       -H 'content-type: application/x-amz-json-1.1' -d '{json.dumps(body)}'"
    )


@dataclass(frozen=True)
class Examples:
    """Which seeded sessions the printed commands act on."""

    http: str
    event: str
    alarm: str


def dfss_program() -> str:
    """How to run `dfss` from here: the console script next to this Python (`.venv/bin/dfss`
    from the repository's root), else the module."""
    script = Path(sys.executable).parent / "dfss"
    if script.exists():
        return os.path.relpath(script)
    return f"{os.path.relpath(sys.executable)} -m dfss"


def dfss_commands(api_url: str, examples: Examples) -> list[str]:
    """Each works as printed: a loopback endpoint needs no credentials and no region, and a
    seeded session's name is unique."""
    dfss = f"{dfss_program()} --endpoint {api_url}"
    return [
        f"  {dfss} sessions",
        f"  {dfss} sweep --dry-run",
        f"  {dfss} extend {examples.event} --minutes 10",
        f"  {dfss} stop {examples.http}      # a name, an id from sessions, or an ARN",
    ]


def _age(minutes: float) -> str:
    return f"{minutes:.0f} min"


def session_table(world: SeededWorld) -> list[str]:
    """One line per seeded session, as the emulator has it now: name, status, age since its
    creation (a default sweep's deadline is created + the budget), billing, then its ARN."""
    now = world.emulator.clock.now()
    rows = [("name", "status", "age", "billing", "ARN")]
    for name, arn in world.sessions.items():
        session = world.emulator.get_session(arn)
        age = _age(max(0.0, now - float(session["created"])) / 60.0)
        rows.append((name, session["status"], age, session["billingMethod"], arn))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    lines = []
    for *columns, arn in rows:
        cells = [value.ljust(width) for value, width in zip(columns, widths, strict=True)]
        lines.append("  " + "  ".join([*cells, arn]))
    return lines


def local_help(
    api_url: str, emulator_url: str, moto_url: str, world: SeededWorld, examples: Examples
) -> str:
    invoke = f"{api_url}/_local/invoke"
    sessions = "\n".join(session_table(world))
    lines = [
        "Local stack running (Ctrl-C stops it).",
        f"  function API       {api_url}   (POST /sessions/stop, /sessions/extend, /sweeps)",
        f"  raw invoke         POST {invoke}   (any event; also aws lambda invoke "
        f"--endpoint-url {api_url})",
        f"  command bus        POST {api_url}/_local/commands   (queued for the command lane, "
        "at most 2 batches at once)",
        f"  Device Farm        {emulator_url}   (admin: {emulator_url}/_emulator/health)",
        f"  moto (SNS/SQS/...) {moto_url}",
        "",
        "Sessions (stop a RUNNING one; a sweep stops running sessions past their deadline, "
        "created + 60 min here, and skips names matching the protected pattern):",
        sessions,
        "",
        "With dfss (docs/cli.md; on loopback it needs no AWS credentials or region):",
        *dfss_commands(api_url, examples),
        "Stop one session over HTTP:",
        _curl(f"{api_url}/sessions/stop", {"arn": world.arn(examples.http)}),
        "Sweep over HTTP:",
        _curl(f"{api_url}/sweeps", {"maxAgeMinutes": 60}),
        "EventBridge stop command on the command bus (through the command lane's queue):",
        _curl(f"{api_url}/_local/commands", stop_command_event(world.arn(examples.event))),
        "Scheduled rule (constant input):",
        _curl(invoke, {"action": "sweep"}),
        "CloudWatch alarm action naming a session:",
        _curl(invoke, alarm_action_event(world.arn(examples.alarm))),
        "Make Device Farm throttle every call (then FAILED / 429; set 0 to undo):",
        _curl(f"{emulator_url}/_emulator/faults", {"throttleRate": 1.0}),
        "Expiry timer: create a session (CloudTrail arms its schedules), then move time on:",
        _create_session_curl(emulator_url, next(iter(world.projects.values()))),
        _curl(f"{emulator_url}/_emulator/clock/advance", {"minutes": 61}),
        "Extend a session's deadline (its ARN is on its [timer] ARMED line):",
        _curl(f"{api_url}/sessions/extend", {"arn": "<session ARN>", "minutes": 10}),
        "",
        "Each outcome published to SNS is printed below as it arrives:",
    ]
    return "\n".join(lines)
