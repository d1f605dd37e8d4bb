"""Priming for SnapStart: everything at init, no AWS call; nothing at all without SnapStart.

Each case imports the handler in a fresh interpreter, like Lambda's init, with every HTTP send
failing and no credentials anywhere: a request that priming sent, or even signed, fails init.
"""

from __future__ import annotations

import random
import sys
import types
from typing import Any

import boto3
import pytest

from session_stopper import priming
from tests.support.fresh_process import init_in_fresh_process


def test_snapstart_init_primes_every_step_without_calling_aws() -> None:
    result = init_in_fresh_process(AWS_LAMBDA_INITIALIZATION_TYPE="snap-start")
    assert result["primed"] == [
        "routes",
        "services",
        "api",
        "models",
        "requests",
        "operations",
        "calls",
    ]
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


def test_a_rehearsal_reaches_every_client_and_leaves_it_calling_for_real() -> None:
    """The rehearsal's answer must be gone afterwards: left registered, it would answer every
    real Stop with an empty success and stop nothing."""
    arn = priming.REHEARSALS["devicefarm"][0][1]["arn"]
    client = boto3.client(
        "devicefarm",
        region_name="us-west-2",
        aws_access_key_id="priming",
        aws_secret_access_key="priming",
    )
    rehearsed: list[str] = []
    client.meta.events.register(
        "after-call", lambda model, **_: rehearsed.append(model.name), unique_id="test-after"
    )
    priming._rehearse_calls()
    assert rehearsed == ["GetRemoteAccessSession", "StopRemoteAccessSession"]
    # A real call now gets as far as sending: the rehearsal's answer no longer intercepts it.
    client.meta.events.register("before-send", _refuse_to_send, unique_id="test-send")
    with pytest.raises(_SendAttemptedError):
        client.stop_remote_access_session(arn=arn)


class _SendAttemptedError(Exception):
    pass


def _refuse_to_send(**_: Any) -> None:
    raise _SendAttemptedError
