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
from botocore.model import ListShape, MapShape, Shape, StructureShape

from session_stopper import priming
from session_stopper.entrypoints import dependencies
from session_stopper.entrypoints.router import ROUTE_MODULES
from tests.support.fresh_process import init_in_fresh_process
from tests.unit.test_config import REQUIRED


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


def test_two_restores_of_one_snapshot_draw_different_random_sequences() -> None:
    """Each restore resumes the snapshot's `random` state; after_restore must not give two
    environments the same sequence (a fixed reseed would, as well as none at all)."""
    sequences = []
    for _environment in range(2):
        random.seed(7)  # the state every restore resumes from
        priming.after_restore()
        sequences.append([random.random() for _ in range(4)])
    random.seed(7)
    from_snapshot = [random.random() for _ in range(4)]
    assert sequences[0] != sequences[1]
    assert from_snapshot not in sequences


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


# -- what each step leaves behind (in this process: the fresh-process test above sees the order)


@pytest.fixture
def required(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)


def _unresolved(shape: Shape, seen: set[str]) -> list[str]:
    """The shapes under `shape` botocore has not resolved yet, read without resolving any."""
    if shape.name in seen:
        return []
    seen.add(shape.name)
    cached = vars(shape)
    attributes = {StructureShape: ("members",), ListShape: ("member",), MapShape: ("key", "value")}
    missing: list[str] = []
    for attribute in attributes.get(type(shape), ()):
        if attribute not in cached:
            missing.append(f"{shape.name}.{attribute}")
            continue
        nested = cached[attribute]
        for each in nested.values() if isinstance(nested, dict) else [nested]:
            missing += _unresolved(each, seen)
    return missing


def test_every_priming_step_leaves_its_work_done(required: None) -> None:
    # Clients of operations no rehearsal calls: only the shapes step resolves theirs.
    clients = {"sqs": "SendMessage", "dynamodb": "DeleteItem"}
    live = {service: boto3.client(service, region_name="us-east-1") for service in clients}
    priming.prime()

    assert {f"session_stopper.entrypoints.{name}" for name in ROUTE_MODULES} <= set(sys.modules)
    assert dependencies.stop_service.cache_info().currsize == 2  # batch and interactive
    assert dependencies.sweeper.cache_info().currsize == 2
    assert dependencies.session_viewer.cache_info().currsize == 1
    assert dependencies.alarm_gateway.cache_info().currsize == 1
    for service, operation in clients.items():
        model = live[service].meta.service_model.operation_model(operation)
        assert {"input_shape", "output_shape"} <= set(vars(model)), service
        assert _unresolved(model.input_shape, set()) == [], service
        assert _unresolved(model.output_shape, set()) == [], service


def test_priming_fails_when_its_request_is_not_refused_by_validation(
    required: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A request the API answers otherwise (here: a route it does not have) has not built what
    priming means to build; init must fail rather than publish that version."""
    request = priming._synthetic_api_request()
    request["resource"] = request["path"] = "/sessions/nowhere"
    monkeypatch.setattr(priming, "_synthetic_api_request", lambda: request)
    with pytest.raises(RuntimeError, match="not refused by validation"):
        priming.prime()
    assert priming.primed() == ("routes", "services")
