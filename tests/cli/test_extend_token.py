"""`dfss extend` sends a client token, the same on each of its own retries, so that a retried
extension is answered with the first result instead of extending twice."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest

from dfss.cli import main
from dfss.errors import Exit
from tests.cli.fake_api import Canned, FakeApi

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
EXTENDED = {
    "messageType": "extended",
    "sessionArn": ARN,
    "minutesAdded": 15,
    "deadline": "2026-11-28T04:30:10+00:00",
}
TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    monkeypatch.setattr("dfss.api.RETRY_DELAYS_SECONDS", (0.0, 0.0))
    server = FakeApi(Canned(200, EXTENDED))
    server.start()
    yield server
    server.stop()


def bodies(api: FakeApi) -> list[dict[str, object]]:
    return [json.loads(request.body) for request in api.requests]


def test_every_extend_sends_its_own_well_formed_client_token(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["extend", ARN, "--minutes", "15", "--endpoint", api.url]) == Exit.OK
    assert main(["extend", ARN, "--minutes", "15", "--endpoint", api.url]) == Exit.OK

    first, second = bodies(api)
    assert set(first) == {"arn", "minutes", "clientToken"}
    assert (first["arn"], first["minutes"]) == (ARN, 15)
    assert all(TOKEN.match(str(body["clientToken"])) for body in (first, second))
    assert first["clientToken"] != second["clientToken"]  # two commands, two extensions
    assert capsys.readouterr().err == ""


def test_its_retries_send_the_same_token(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    throttled = Canned(429, {"error": {"code": "THROTTLED", "message": "Rate exceeded"}})
    unavailable = Canned(503, {"error": {"code": "SCHEDULER_UNAVAILABLE", "message": "later"}})
    api.answer_in_turn("POST", "/sessions/extend", [throttled, unavailable, Canned(200, EXTENDED)])

    code = main(["extend", ARN, "--minutes", "15", "--endpoint", api.url])

    assert code == Exit.OK, capsys.readouterr().err
    sent = bodies(api)
    assert len(sent) == 3
    assert all(body == sent[0] for body in sent)  # token included: one extension, asked thrice


def test_it_gives_up_after_three_attempts_with_the_last_answer(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.default = Canned(502, {"error": {"code": "DEVICE_FARM_ERROR", "message": "failed"}})

    code = main(["extend", ARN, "--minutes", "15", "--endpoint", api.url])

    assert code == Exit.REFUSED
    assert len(api.requests) == 3
    assert capsys.readouterr().err == "dfss: HTTP 502 DEVICE_FARM_ERROR: failed\n"


def test_a_refusal_is_not_retried(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    limit = {"error": {"code": "EXTENSION_LIMIT", "message": "the deadline can move 5 more"}}
    api.default = Canned(422, limit)

    assert main(["extend", ARN, "--minutes", "90", "--endpoint", api.url]) == Exit.REFUSED
    assert len(api.requests) == 1


def test_a_deployment_that_predates_the_token_is_asked_once_without_it(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    unknown = {"error": {"code": "UNKNOWN_FIELD", "message": "'clientToken' is not a known field"}}
    api.answer_in_turn("POST", "/sessions/extend", [Canned(400, unknown), Canned(200, EXTENDED)])

    code = main(["extend", ARN, "--minutes", "15", "--endpoint", api.url])

    assert (code, capsys.readouterr().err) == (Exit.OK, "")
    with_token, without = bodies(api)
    assert "clientToken" in with_token
    assert without == {"arn": ARN, "minutes": 15}


def test_a_stop_is_not_retried(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.default = Canned(503, {"outcome": "STOPPED", "sessionArn": ARN})

    assert main(["stop", ARN, "--endpoint", api.url]) == Exit.REFUSED
    assert len(api.requests) == 1
