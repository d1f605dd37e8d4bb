"""The standalone server: `python -m local.devicefarm_emulator` starts, answers, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from local.devicefarm_emulator.__main__ import build_emulator, parse_args
from local.devicefarm_emulator.clock import WallClock
from tests.local.emulator_wire import admin_call

ROOT = Path(__file__).resolve().parents[2]


def test_flags_configure_the_emulator() -> None:
    args = parse_args(
        ["--throttle-rate", "0.25", "--latency-ms", "5", "--internal-failure-rate", "0.1",
         "--seed", "9", "--concurrency", "3", "--page-size", "7"]
    )  # fmt: skip
    emu = build_emulator(args)
    assert (emu.faults.throttle_rate, emu.faults.latency_ms) == (0.25, 5)
    assert (emu.faults.internal_failure_rate, emu.faults.seed) == (0.1, 9)
    assert (emu.metered_concurrency, emu.page_size) == (3, 7)
    assert isinstance(emu.clock, WallClock)
    assert emu.cloudtrail.settings.to_json() == {
        "includeResponseElements": False,
        "deliveryLagSeconds": 0.0,
    }


def test_flags_configure_cloudtrail() -> None:
    args = parse_args(["--cloudtrail-response-elements", "--cloudtrail-lag-seconds", "90"])
    settings = build_emulator(args).cloudtrail.settings
    assert (settings.include_response_elements, settings.delivery_lag_seconds) == (True, 90.0)


def test_the_module_serves_until_interrupted() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.devicefarm_emulator", "--port", "0", "--throttle-rate", "1"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:")
        assert admin_call(url, "GET", "/_emulator/faults")[1]["throttleRate"] == 1.0
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
    finally:
        process.kill()
        process.wait()
