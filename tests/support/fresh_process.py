"""The handler imported in a fresh interpreter, as Lambda's init does, with every HTTP send
failing and no credentials anywhere: a request that init sent, or even signed, fails it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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
    "xray_sdk": any(m.startswith("aws_xray_sdk") for m in sys.modules),
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
