"""The gateway turns every failure into DeviceFarmError with a code, and validates answers."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError

from session_stopper.config import PacingSettings
from session_stopper.gateways.devicefarm import (
    CONNECTION_ERROR,
    INVALID_RESPONSE,
    DeviceFarmError,
    DeviceFarmGateway,
    InvalidResponseError,
)
from session_stopper.gateways.pacing import Pacer
from tests.support import botocore_samples as samples


class ScriptedClient:
    """Answers each call with the next scripted response (botocore cannot send invalid ones)."""

    def __init__(self, *answers: Any) -> None:
        self.answers = list(answers)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def _next(self, operation: str, params: dict[str, Any]) -> Any:
        self.calls.append((operation, params))
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def get_remote_access_session(self, **params: Any) -> Any:
        return self._next("get", params)

    def stop_remote_access_session(self, **params: Any) -> Any:
        return self._next("stop", params)

    def list_projects(self, **params: Any) -> Any:
        return self._next("list_projects", params)


def gateway(*answers: Any) -> tuple[DeviceFarmGateway, ScriptedClient]:
    client = ScriptedClient(*answers)
    pacer = Pacer(PacingSettings())
    return DeviceFarmGateway(client, pacer=pacer, hub_account=samples.ACCOUNT), client  # type: ignore[arg-type]


def test_an_answer_without_the_session_is_an_invalid_response() -> None:
    devicefarm, _ = gateway({"ResponseMetadata": {}, "somethingElse": {}})

    with pytest.raises(InvalidResponseError) as raised:
        devicefarm.get_session(samples.session_arn())

    assert raised.value.code == INVALID_RESPONSE
    assert "remoteAccessSession" in raised.value.message


def test_a_session_with_a_wrong_typed_field_is_an_invalid_response() -> None:
    broken = samples.session(deviceMinutes={"total": "forty"})
    devicefarm, _ = gateway({"remoteAccessSession": broken})

    with pytest.raises(InvalidResponseError, match=r"deviceMinutes\.total"):
        devicefarm.stop_session(samples.session_arn())


def test_service_errors_keep_their_code_and_message() -> None:
    error = ClientError(
        {"Error": {"Code": "ServiceAccountException", "Message": "account suspended"}},
        "GetRemoteAccessSession",
    )
    devicefarm, _ = gateway(error)

    with pytest.raises(DeviceFarmError) as raised:
        devicefarm.get_session(samples.session_arn())

    assert (raised.value.code, raised.value.message) == (
        "ServiceAccountException",
        "account suspended",
    )
    assert raised.value.operation == "GetRemoteAccessSession"


def test_connection_failures_become_a_device_farm_error() -> None:
    devicefarm, _ = gateway(EndpointConnectionError(endpoint_url="https://devicefarm"))

    with pytest.raises(DeviceFarmError) as raised:
        devicefarm.get_session(samples.session_arn())

    assert raised.value.code == CONNECTION_ERROR


def test_listing_follows_every_page() -> None:
    def page(names: list[str], token: str | None) -> dict[str, Any]:
        projects = [
            {"arn": samples.project_arn(name.ljust(8, "0")), "name": name} for name in names
        ]
        return {"projects": projects, **({"nextToken": token} if token else {})}

    devicefarm, client = gateway(page(["a", "b"], "t1"), page(["c"], "t2"), page([], None))

    assert [p.name for p in devicefarm.list_projects()] == ["a", "b", "c"]
    assert [params for _, params in client.calls] == [{}, {"nextToken": "t1"}, {"nextToken": "t2"}]
