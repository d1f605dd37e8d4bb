"""Priming for SnapStart: everything at init, no AWS call; nothing at all without SnapStart.

Each case imports the handler in a fresh interpreter, like Lambda's init, with every HTTP send
failing and no credentials anywhere: a request that priming sent, or even signed, fails init.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from session_stopper import priming

ROOT = Path(__file__).resolve().parents[2]
CHILD = """
import json, sys
import botocore.httpsession

sent = []

def refuse(self, request):
    sent.append(request.url)
    raise AssertionError("sent " + request.url)

botocore.httpsession.URLLib3Session.send = refuse
import session_stopper.handler
from session_stopper import priming

print(json.dumps({
    "primed": priming.primed(),
    "sent": sent,
    "routes": sorted(m for m in sys.modules if m.startswith("session_stopper.entrypoints.")),
}))
"""


def init_in_fresh_process(**extra: str) -> dict[str, Any]:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": f"{ROOT / 'lambda_src'}{os.pathsep}{ROOT}",
        "HOME": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/dev/null",
        "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
        "AWS_DEFAULT_REGION": "us-east-1",
        "OUTCOME_TOPIC_ARN": "arn:aws:sns:us-east-1:111122223333:outcomes",
        "OUTCOME_DLQ_URL": "https://sqs.us-east-1.amazonaws.com/111122223333/dlq",
        "IDEMPOTENCY_TABLE_NAME": "idempotency",
        "DEVICE_FARM_ACCOUNT_ID": "111122223333",
        "SESSION_ALARM_NAMES": "qa-budget",
        "TIMER_SCHEDULE_GROUP": "timers",
        "TIMER_ROLE_ARN": "arn:aws:iam::111122223333:role/timers",
        "TIMER_TARGET_ARN": "arn:aws:lambda:us-east-1:111122223333:function:f:live",
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_snapstart_init_primes_every_step_without_calling_aws() -> None:
    result = init_in_fresh_process(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert result["primed"] == ["routes", "services", "api", "models", "requests", "operations"]
    assert result["sent"] == []
    routes = {f"session_stopper.entrypoints.{name}" for name in ("alarms", "api", "sweeps")}
    assert routes <= set(result["routes"])


@pytest.mark.parametrize("init_type", ["on-demand", "provisioned-concurrency", ""])
def test_without_snapstart_init_imports_no_route(init_type: str) -> None:
    result = init_in_fresh_process(AWS_LAMBDA_INITIALIZATION_TYPE=init_type)
    assert result["primed"] == []
    assert result["sent"] == []
    assert result["routes"] == ["session_stopper.entrypoints.router"]


def test_install_registers_the_restore_hook_when_the_runtime_has_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks: list[Any] = []
    runtime = types.ModuleType("snapshot_restore_py")
    runtime.register_after_restore = hooks.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", runtime)
    monkeypatch.setenv("AWS_LAMBDA_INITIALIZATION_TYPE", "snap-start")
    monkeypatch.setattr(priming, "prime", lambda: None)
    priming.install()
    assert hooks == [priming.after_restore]


def test_after_restore_gives_each_environment_its_own_random_sequence() -> None:
    random.seed(7)
    from_snapshot = random.random()
    random.seed(7)
    priming.after_restore()
    assert random.random() != from_snapshot
