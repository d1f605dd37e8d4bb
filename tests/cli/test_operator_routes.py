"""`--operator` takes the operator routes, which reach sessions of every account in scope; without
it, stop and extend use the caller routes (the caller's own account only)."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from dfss.cli import main
from tests.cli.fake_api import Canned, FakeApi

ARN = "arn:aws:devicefarm:us-west-2:111111111111:session:p/s/00000"


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi(Canned(200, {"outcome": "STOPPED", "sessionArn": ARN}))
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("argv", "path"),
    [
        (["stop", ARN], "/sessions/stop"),
        (["stop", ARN, "--operator"], "/operator/sessions/stop"),
        (["extend", ARN, "--minutes", "10"], "/sessions/extend"),
        (["extend", ARN, "--minutes", "10", "--operator"], "/operator/sessions/extend"),
    ],
)
def test_operator_asks_the_operator_route(
    api: FakeApi, argv: list[str], path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    main([*argv, "--endpoint", api.url])
    capsys.readouterr()
    assert [request.path for request in api.requests] == [path]
    assert json.loads(api.requests[0].body)["arn"] == ARN
