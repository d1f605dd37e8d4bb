"""One harness for every property test: moto for SNS/SQS/DynamoDB/CloudWatch in-process, and a
fresh Device Farm world on the emulator (over HTTP) for each example, so each example starts
from running sessions and can be checked on its own: which calls it made, what it published,
which sessions it changed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import event as tally

from local.devicefarm_emulator import DeviceFarmEmulator, EmulatorServer
from session_stopper.handler import lambda_handler
from session_stopper.models.arn import arn_parts
from tests.conftest import load_fixture
from tests.support.aws import OutcomeSink, Published
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

# Younger than the operator's floor (SWEEP_MIN_AGE_MINUTES, 30 by default): no sweep a caller
# may ask for selects them, so only an input that names one may stop it.
YOUNG = [SessionSpec("alpha", 5, "a"), SessionSpec("alpha", 12, "b"), SessionSpec("beta", 20, "c")]


@dataclass
class Run:
    """What one input did."""

    result: Any
    calls: int
    stops: int
    published: list[Published]
    changed: set[str]


@dataclass
class Harness:
    server: EmulatorServer
    sink: OutcomeSink
    world: DeviceFarmWorld = field(init=False)
    sessions: list[str] = field(default_factory=list)

    def fresh(self, specs: list[SessionSpec] = YOUNG) -> list[str]:
        """A new world of running sessions; their ARNs."""
        self.world = DeviceFarmWorld.create()
        self.server.emulator = self.world.emulator
        self.sessions = [session["arn"] for session in self.world.populate(specs)]
        self.sink.published()  # nothing from an earlier example may count for this one
        return self.sessions

    @property
    def projects(self) -> list[str]:
        return list(self.world.projects.values())

    def run(self, event: Any) -> Run:
        before = {arn: self.world.status(arn) for arn in self.sessions}
        result = lambda_handler(event, FakeLambdaContext())
        counts = self.world.emulator.call_counts
        changed = {arn for arn in before if self.world.status(arn) != before[arn]}
        stops = counts["StopRemoteAccessSession"]
        return Run(result, counts.total(), stops, self.sink.published(), changed)


@pytest.fixture
def harness(
    outcome_sink: OutcomeSink,
    devicefarm_session_server: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Harness]:
    monkeypatch.setenv("AWS_ENDPOINT_URL_DEVICE_FARM", devicefarm_session_server.url)
    reset_function_caches()
    yield Harness(devicefarm_session_server, outcome_sink)
    devicefarm_session_server.emulator = DeviceFarmEmulator()


def named_session(payload: Any) -> str | None:
    """The session an input names, if it names exactly one the usual way."""
    if isinstance(payload, dict) and isinstance(payload.get("arn"), str):
        return str(payload["arn"])
    return None


def project_of(arn: str) -> str:
    return arn_parts(arn).project_id


def describe(result: dict[str, Any]) -> str:
    """A label for Hypothesis' statistics: which way the input went."""
    error = result.get("error") or {}
    if "outcome" in result:
        return f"{result['outcome']} {error.get('code', '')}".strip()
    return str(result.get("action") or ("sweep" if "sweepId" in result else "other"))


def answered(run: Run, label: Callable[[dict[str, Any]], str] = describe) -> None:
    """What every entry point owes any input: an answer, never a raise (tallied by `label` for
    Hypothesis' statistics); and if the answer is REJECTED, no Device Farm call was made."""
    assert isinstance(run.result, dict)
    tally(label(run.result))
    if run.result.get("outcome") == "REJECTED":
        assert run.calls == 0, run.result


def api_request(
    path: str, method: str, content_type: str | None, body: str | None, is_base64: bool
) -> dict[str, Any]:
    event = load_fixture("apigw_stop_request.json")
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("Content-Type")
    if content_type is not None:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    event.update(path=path, resource=path, httpMethod=method, body=body, isBase64Encoded=is_base64)
    event["requestContext"].update(path=path, resourcePath=path, httpMethod=method)
    return event
