"""`make local`: seeded sessions have their ages; the server prints outcomes and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from queue import Queue
from typing import Any

import pytest

from local.outcomes import TapPrinter
from local.world import BackdatedWallClock, SessionSeed, new_emulator, seed_world

ROOT = Path(__file__).resolve().parents[2]


def test_sessions_are_seeded_with_their_ages_and_the_clock_ends_at_now() -> None:
    emulator, clock = new_emulator(metered_concurrency=5)
    world = seed_world(
        emulator,
        clock,
        [
            SessionSeed("a", "young", age_minutes=5),
            SessionSeed("b", "old", age_minutes=90),
            SessionSeed("a", "ended", age_minutes=60, ended_minutes_ago=30),
        ],
    )
    now = time.time()
    assert abs(clock.now() - now) < 1
    assert set(world.projects) == {"a", "b"}
    for name, minutes in (("young", 5), ("old", 90)):
        session = emulator.get_session(world.arn(name))
        assert session["status"] == "RUNNING"
        assert abs((now - session["started"]) / 60 - minutes) < 0.1
    ended = emulator.get_session(world.arn("ended"))
    assert (ended["status"], ended["result"]) == ("COMPLETED", "STOPPED")


def test_the_backdated_clock_only_moves_forward() -> None:
    clock = BackdatedWallClock(minutes_in_the_past=10)
    assert time.time() - clock.now() == pytest.approx(600, abs=1)
    clock.advance_to(clock.now() - 60)  # the past: ignored
    assert time.time() - clock.now() == pytest.approx(600, abs=1)
    with pytest.raises(ValueError, match="forward"):
        clock.advance(seconds=-1)
    clock.catch_up()
    assert clock.now() == pytest.approx(time.time(), abs=1)


def _port_is_free(url: str) -> bool:
    address = urllib.parse.urlsplit(url)
    with socket.socket() as probe:
        return probe.connect_ex((address.hostname or "", address.port or 0)) != 0


def _read_until(process: subprocess.Popen[str], marker: str) -> list[str]:
    assert process.stdout is not None
    lines = []
    while not lines or marker not in lines[-1]:
        line = process.stdout.readline()
        assert line, f"the local stack ended before printing {marker!r}: {lines}"
        lines.append(line.rstrip("\n"))
    return lines


def test_make_local_prints_commands_with_real_arns_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda_src'}{os.pathsep}{ROOT}"}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.stack", "--port", "0"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        lines = _read_until(process, "Each outcome published")
        api = next(line.split()[2] for line in lines if "function API" in line)
        arn = next(line.split()[-1] for line in lines if line.startswith("  checkout-flow "))
        assert f'{{"arn": "{arn}"}}' in "\n".join(lines)  # the curl command to try
        # The printed alarm example works as printed: the alarm names that very session.
        label = lines.index("CloudWatch alarm action naming a session:")
        alarm_event = lines[label + 2].split("-d '", 1)[1].rstrip("'")
        invoke = urllib.request.Request(
            f"{api}/_local/invoke", data=alarm_event.encode(), method="POST"
        )
        with urllib.request.urlopen(invoke, timeout=30) as answer:
            assert json.loads(answer.read())["outcomes"][0]["outcome"] == "STOPPED"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{api}/nowhere", timeout=10)
        assert refused.value.code == 403  # API Gateway's answer: the server is up
        process.send_signal(signal.SIGTERM)
        # Generous: it waits for the invocation in flight, which a loaded machine slows down.
        assert process.wait(timeout=60) == 0
        assert "ports released" in process.stdout.read()  # type: ignore[union-attr]
        assert _port_is_free(api)
    finally:
        process.kill()
        process.wait()


class _StubSqs:
    """Answers one batch, then nothing, like a queue that received one notification."""

    def __init__(self, bodies: list[dict[str, Any]]) -> None:
        envelope = {"Message": "", "MessageAttributes": {"outcome": {"Value": "STOPPED"}}}
        self.batches = [
            [{"Body": json.dumps({**envelope, "Message": json.dumps(b)}), "ReceiptHandle": "r"}]
            for b in bodies
        ]
        self.deleted = 0

    def receive_message(self, **_params: Any) -> dict[str, Any]:
        return {"Messages": self.batches.pop(0)} if self.batches else {}

    def delete_message(self, **_params: Any) -> None:
        self.deleted += 1


def test_the_tap_prints_one_line_per_outcome_and_summary() -> None:
    outcome = {
        "outcome": "STOPPED",
        "trigger": {"kind": "api", "id": "r"},
        "sessionArn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000",
        "session": {"name": "checkout-flow"},
        "error": None,
    }
    summary = {"messageType": "sweepSummary", "killSwitch": True, "outcomes": {"STOPPED": 2}}
    sqs, lines = _StubSqs([outcome, summary]), Queue[str]()
    tap = TapPrinter(sqs, "queue-url", lines.put).start()
    try:
        first, second = lines.get(timeout=5), lines.get(timeout=5)
    finally:
        tap.stop()
    assert first.split()[:5] == ["[outcome]", "STOPPED", "api", "checkout-flow", "-"]
    assert second.startswith("[outcome] SWEEP (kill switch")
    assert "STOPPED 2" in second
    assert sqs.deleted == 2


def test_the_tap_prints_timer_notices_apart_from_outcomes() -> None:
    notice = {
        "messageType": "timer",
        "status": "ARMED",
        "sessionArn": "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000",
        "deadline": "2026-11-28T03:04:05Z",
    }
    sqs, lines = _StubSqs([notice]), Queue[str]()
    tap = TapPrinter(sqs, "queue-url", lines.put).start()
    try:
        line = lines.get(timeout=5)
    finally:
        tap.stop()
    assert line.split()[:3] == ["[timer]", "TIMER", "ARMED"]
    assert line.endswith(notice["sessionArn"])
    assert "deadline 2026-11-28T03:04:05Z" in line


def _with_ctrl_c(start: Any) -> Any:
    """Start a child that Ctrl-C interrupts, as from a terminal. A shell (or CI) that runs the
    tests in the background ignores SIGINT, and an ignored signal stays ignored in every child
    it starts; a handler of ours is reset to the default in the child instead."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        return start()
    finally:
        signal.signal(signal.SIGINT, previous)


def test_ctrl_c_in_the_middle_of_the_demo_frees_its_servers_and_ports() -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'lambda_src'}{os.pathsep}{ROOT}"}
    command = [sys.executable, "-m", "local.demo"]
    process = _with_ctrl_c(
        lambda: subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    )
    try:
        lines = _read_until(process, "function API")
        urls = [
            word
            for word in lines[-1].split() + _read_until(process, "moto")[-1].split()
            if word.startswith("http://")
        ]
        assert len(urls) == 3, lines
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=20) == 130
        assert all(_port_is_free(url) for url in urls)
    finally:
        process.kill()
        process.wait()
