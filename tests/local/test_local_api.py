"""The local API server: HTTP requests become API Gateway events, answers pass through."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parser.models import APIGatewayProxyEventModel

from local.api_server import LocalApiServer
from local.apigw_events import HttpRequest, api_gateway_event, proxy_response
from local.lambda_runtime import LambdaInvoker
from tests.conftest import load_fixture

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
REFUSAL = {
    "statusCode": 400,
    "headers": {"Content-Type": "application/json"},
    "multiValueHeaders": {"X-Trace": ["a", "b"]},
    "body": json.dumps({"error": {"code": "INVALID_ARN"}, "requestId": "r"}),
    "isBase64Encoded": False,
}


def _request(**overrides: Any) -> HttpRequest:
    values: dict[str, Any] = {
        "method": "POST",
        "target": "/sessions/stop?dry=1&tag=a&tag=b",
        "headers": [("Content-Type", "application/json"), ("User-Agent", "curl/8.5.0")],
        "body": json.dumps({"arn": ARN}).encode(),
    }
    return HttpRequest(**{**values, **overrides})


def test_a_request_becomes_a_rest_proxy_event_like_api_gateways() -> None:
    event = api_gateway_event(_request())
    fixture = load_fixture("apigw_stop_request.json")
    assert set(event) == set(fixture)
    assert set(event["requestContext"]) == set(fixture["requestContext"])
    assert set(event["requestContext"]["identity"]) == set(fixture["requestContext"]["identity"])
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/sessions/stop",
        "/sessions/stop",
        "POST",
    )
    assert event["requestContext"]["stage"] == "local"
    assert event["requestContext"]["identity"]["userAgent"] == "curl/8.5.0"
    assert json.loads(event["body"]) == {"arn": ARN}
    assert event["isBase64Encoded"] is False
    assert event["queryStringParameters"] == {"dry": "1", "tag": "b"}
    assert event["multiValueQueryStringParameters"]["tag"] == ["a", "b"]
    assert event["multiValueHeaders"]["Content-Type"] == ["application/json"]
    APIGatewayProxyEventModel.model_validate(event)  # Powertools accepts it as API Gateway's


def test_each_request_gets_a_fresh_request_id() -> None:
    ids = {api_gateway_event(_request())["requestContext"]["requestId"] for _ in range(3)}
    assert len(ids) == 3


def test_bodies_are_null_text_or_base64_as_api_gateway_sends_them() -> None:
    assert api_gateway_event(_request(body=b""))["body"] is None
    binary = api_gateway_event(_request(body=b"\xff\xfe"))
    assert binary["isBase64Encoded"] is True
    assert base64.b64decode(binary["body"]) == b"\xff\xfe"


def test_the_functions_answer_maps_back_to_http() -> None:
    status, headers, body = proxy_response(REFUSAL)
    assert status == 400
    assert ("X-Trace", "a") in headers
    assert ("X-Trace", "b") in headers
    assert json.loads(body)["error"]["code"] == "INVALID_ARN"
    assert proxy_response({"no": "statusCode"})[0] == 502


class _Recorder:
    def __init__(self, answer: Any = REFUSAL, error: Exception | None = None) -> None:
        self.events: list[Any] = []
        self.answer, self.error = answer, error

    def __call__(self, event: Any, context: Any) -> Any:
        assert context.get_remaining_time_in_millis() > 0
        assert context.function_name
        self.events.append(event)
        if self.error:
            raise self.error
        return self.answer


@pytest.fixture
def recorder() -> _Recorder:
    return _Recorder()


@pytest.fixture
def api(recorder: _Recorder) -> Iterator[LocalApiServer]:
    server = LocalApiServer(LambdaInvoker(handler=recorder)).start()
    yield server
    server.stop()


def _post(url: str, body: bytes) -> tuple[int, dict[str, str], Any]:
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.loads(error.read())


def test_a_400_from_the_function_passes_through_over_http(
    api: LocalApiServer, recorder: _Recorder
) -> None:
    status, headers, body = _post(f"{api.url}/sessions/stop", b'{"arn": "nope"}')
    assert (status, body["error"]["code"]) == (400, "INVALID_ARN")
    assert headers["Content-Type"] == "application/json"
    (event,) = recorder.events
    assert event["body"] == '{"arn": "nope"}'
    assert event["requestContext"]["identity"]["sourceIp"] == "127.0.0.1"


def test_an_unknown_route_gets_api_gateways_403(api: LocalApiServer, recorder: _Recorder) -> None:
    status, headers, body = _post(f"{api.url}/sessions", b"{}")
    assert (status, body) == (403, {"message": "Missing Authentication Token"})
    assert headers["x-amzn-ErrorType"] == "MissingAuthenticationTokenException"
    assert recorder.events == []


@pytest.mark.parametrize("path", ["/_local/invoke", "/2015-03-31/functions/any/invocations"])
def test_a_raw_event_is_invoked_as_is(api: LocalApiServer, recorder: _Recorder, path: str) -> None:
    recorder.answer = {"outcome": "STOPPED"}
    event = {"source": "aws.cloudwatch", "alarmData": {}}
    assert _post(f"{api.url}{path}", json.dumps(event).encode())[::2] == (200, recorder.answer)
    assert recorder.events == [event]


def test_failures_look_like_lambdas_and_api_gateways(
    api: LocalApiServer, recorder: _Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder.error = RuntimeError("boom")
    status, _, body = _post(f"{api.url}/sweeps", b"{}")
    assert (status, body) == (502, {"message": "Internal server error"})
    status, headers, body = _post(f"{api.url}/_local/invoke", b"{}")
    assert (status, headers["X-Amz-Function-Error"]) == (200, "Unhandled")
    assert (body["errorType"], body["errorMessage"]) == ("RuntimeError", "boom")
    assert _post(f"{api.url}/_local/invoke", b"not json")[0] == 400
    assert "RuntimeError: boom" in capsys.readouterr().err


def test_get_sessions_reaches_the_function_as_a_get(
    api: LocalApiServer, recorder: _Recorder
) -> None:
    recorder.answer = {"statusCode": 200, "headers": {}, "body": '{"sessions": []}'}
    with urllib.request.urlopen(f"{api.url}/sessions", timeout=10) as answer:
        assert (answer.status, json.loads(answer.read())) == (200, {"sessions": []})
    (event,) = recorder.events
    assert (event["httpMethod"], event["path"]) == ("GET", "/sessions")
