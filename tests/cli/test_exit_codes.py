"""Exit codes and messages: 1 the service said no, 2 the command line is wrong, 3 no answer.

Answers the local stack cannot give come from a fake API: API Gateway's own refusals, a route the
deployment does not have, a partial listing, fields the CLI has never heard of.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dfss.cli import main
from dfss.errors import Exit
from tests.cli.fake_api import Canned, FakeApi, TlsFakeApi

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
PROJECT = "arn:aws:devicefarm:us-west-2:123456789012:project:p"


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi(Canned(200, {"outcome": "STOPPED", "sessionArn": ARN}))
    server.start()
    yield server
    server.stop()


def run(*argv: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- 3: no answer ------------------------------------------------------------------------------


def test_no_credentials_is_exit_3_and_nothing_is_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    api = TlsFakeApi(tmp_path)  # a real endpoint: the local stack needs no credentials
    api.start()
    monkeypatch.setenv("AWS_CA_BUNDLE", str(api.certificate))
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # no instance role to look for

    try:
        code, out, err = run("stop", ARN, "--endpoint", api.url, capsys=capsys)
    finally:
        api.stop()

    assert code == Exit.UNREACHABLE
    assert out == ""
    assert err.startswith("dfss: no AWS credentials found: set AWS_PROFILE (or --profile)")
    assert err.count("\n") == 1
    assert api.requests == []


def test_an_unknown_profile_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run("sessions", "--profile", "nobody", capsys=capsys)
    assert code == Exit.UNREACHABLE
    assert err == (
        "dfss: The config profile (nobody) could not be found: check --profile or AWS_PROFILE\n"
    )


def test_an_endpoint_nobody_listens_on_is_exit_3(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as probe:  # a port that was free a moment ago
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    code, out, err = run("stop", ARN, "--endpoint", f"http://127.0.0.1:{port}", capsys=capsys)

    assert code == Exit.UNREACHABLE
    assert out == ""
    assert err.startswith(f"dfss: cannot reach the API at http://127.0.0.1:{port}/sessions/stop")


def test_something_else_answering_is_not_taken_for_the_api(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.default = Canned(200, raw=b"<html>a login page</html>")
    assert run("stop", ARN, "--endpoint", api.url, capsys=capsys)[0] == Exit.UNREACHABLE
    api.default = Canned(404, {"detail": "Not Found"})
    code, _, err = run("stop", ARN, "--endpoint", api.url, "--json", capsys=capsys)
    assert code == Exit.UNREACHABLE
    assert "answered HTTP 404, but not as the Session Stopper's API does" in err


# -- 2: usage ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "the following arguments are required: COMMAND (see `dfss --help`)"),
        (["stop"], "the following arguments are required: SESSION (see `dfss stop --help`)"),
        (["extend", ARN], "the following arguments are required: --minutes"),
        (["extend", ARN, "--minutes", "ten"], "argument --minutes: invalid int value: 'ten'"),
        (["sweep", "--max-age"], "argument --max-age: expected one argument"),
        (["sweep", "--max-age", "nan"], "argument --max-age: not a number of minutes: 'nan'"),
        (["sweep", "--max-age", "-5"], "argument --max-age: not a number of minutes: '-5'"),
        (["reboot"], "argument COMMAND: invalid choice: 'reboot'"),
        (["sessions", "--endpoint", "u", "--stack", "s"], "give --endpoint or --stack, not both"),
        (["sessions", "--endpoint", "ftp://host/"], "--endpoint 'ftp://host/' is not an http(s)"),
    ],
)
def test_usage_errors_are_exit_2_in_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(*argv, capsys=capsys)
    assert code == Exit.USAGE
    assert out == ""
    assert err.startswith("dfss: ")
    assert message in err
    assert err.count("\n") == 1


def test_options_go_before_or_after_the_command(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    before = run("--json", "--endpoint", api.url, "stop", ARN, capsys=capsys)
    after = run("stop", ARN, "--json", "--endpoint", api.url, capsys=capsys)
    assert before == after
    assert json.loads(before[1])["outcome"] == "STOPPED"


def test_help_and_version_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run("--help", capsys=capsys)
    assert code == Exit.OK
    assert "exit codes:" in out
    assert "CallerPolicyArn" in out
    code, out, _ = run("--version", capsys=capsys)
    assert (code, out) == (Exit.OK, "dfss 0.1.0\n")


# -- 1: the service refused or failed ----------------------------------------------------------


def test_api_gateways_own_refusal_is_exit_1_with_its_message(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    denied = (
        "User: arn:aws:iam::123456789012:user/t is not authorized to perform: execute-api:Invoke"
    )
    api.default = Canned(403, {"Message": denied})

    code, out, err = run("stop", ARN, "--endpoint", api.url, capsys=capsys)

    assert (code, out) == (Exit.REFUSED, "")
    assert err == f"dfss: HTTP 403 from API Gateway: {denied}\n"


def test_the_stacks_shape_of_a_gateway_refusal_is_read_the_same(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    denied = (
        "User: arn:aws:iam::123456789012:user/t is not authorized to perform: execute-api:Invoke"
    )
    api.default = Canned(
        403, {"error": {"code": "ACCESS_DENIED", "message": denied}, "requestId": "r-1"}
    )

    code, out, err = run("sweep", "--yes", "--endpoint", api.url, capsys=capsys)

    assert (code, out) == (Exit.REFUSED, "")
    assert err == f"dfss: HTTP 403 ACCESS_DENIED: {denied} [request r-1]\n"


def test_a_deployment_without_get_sessions_is_reported_plainly(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    # API Gateway answers a route it does not have with 403 even when signed; the stack maps
    # that to its error shape; the function itself answers 404 NO_ROUTE.
    for status, body in [
        (403, {"message": "Missing Authentication Token"}),
        (403, {"error": {"code": "MISSING_AUTHENTICATION_TOKEN", "message": "Missing Auth"}}),
        (404, {"error": {"code": "NO_ROUTE", "message": "no route GET /sessions"}}),
    ]:
        api.default = Canned(status, body)
        code, out, err = run("sessions", "--endpoint", f"{api.url}/dev/", capsys=capsys)
        assert (code, out) == (Exit.REFUSED, "")
        assert err.startswith(f"dfss: HTTP {status} ")
        assert err.rstrip().endswith(
            "GET /dev/sessions is not a route of this API: this deployment predates "
            "`dfss sessions` (deploy a newer stack)"
        )


def test_a_throttled_stop_says_when_to_retry(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    failed = {
        "outcome": "FAILED",
        "sessionArn": ARN,
        "error": {"code": "LimitExceededException", "message": "Rate exceeded"},
    }
    api.default = Canned(429, failed, {"Retry-After": "30"})

    code, out, err = run("stop", ARN, "--endpoint", api.url, capsys=capsys)

    assert code == Exit.REFUSED
    assert out.splitlines()[2].split() == ["FAILED", "-", "-", "-", "-", "LimitExceededException"]
    assert err == (
        "dfss: FAILED: Rate exceeded (LimitExceededException, HTTP 429); retry after 30 s\n"
    )


def test_a_stop_whose_outcome_could_not_be_published_is_exit_1(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.default = Canned(503, {"outcome": "STOPPED", "sessionArn": ARN})
    code, out, err = run("stop", ARN, "--endpoint", api.url, capsys=capsys)
    assert code == Exit.REFUSED
    assert "STOPPED" in out
    assert "could not be published" in err


@pytest.mark.parametrize(
    ("status", "summary_of_cause"),
    [
        (207, "some projects could not be listed, the others were swept"),
        (429, "Device Farm throttled every listing: nothing was seen"),
        (502, "nothing could be listed"),
    ],
)
def test_a_sweep_that_could_not_list_everything_is_exit_1(
    api: FakeApi, status: int, summary_of_cause: str, capsys: pytest.CaptureFixture[str]
) -> None:
    failure = {
        "operation": "ListRemoteAccessSessions",
        "projectArn": PROJECT,
        "code": "LimitExceededException",
        "message": "Rate exceeded",
    }
    api.default = Canned(status, {"sweepId": "s-1", "sessions": [], "listingFailures": [failure]})

    code, out, err = run("sweep", "--yes", "--endpoint", api.url, capsys=capsys)

    assert code == Exit.REFUSED
    assert "listing failures:" in out
    assert PROJECT in out
    assert (
        err == f"dfss: HTTP {status}: {summary_of_cause}; LimitExceededException: Rate exceeded\n"
    )


def test_sessions_renders_what_is_there_and_ignores_what_it_does_not_know(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    answer = {
        "sessions": [
            {
                "arn": ARN,
                "name": "checkout",
                "status": "RUNNING",
                "device": "Google Pixel 8",
                "ageMinutes": 42.25,
                "costSoFarUsd": 7.1825,
                "deadline": "2026-11-27T07:00:00+00:00",
                "sweepWouldStop": False,
                "reason": "WITHIN_BUDGET",
                "somethingNew": {"nested": [1, 2]},
            },
            {"arn": ARN.replace("/s/", "/t/"), "ageMinutes": "soon", "device": {"name": "iPad"}},
        ],
        "count": 2,
        "projectsFailed": [PROJECT],
        "anotherNewField": True,
    }
    api.answer("GET", "/sessions", Canned(200, answer))

    code, out, err = run("sessions", "--endpoint", api.url, capsys=capsys)

    assert (code, err) == (Exit.OK, "")
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["id", "session", "status", "device"]
    row = lines[2].split()
    assert row[:11] == [
        "s", "checkout", "RUNNING", "Google", "Pixel", "8", "-", "42.2", "$7.18", "-", "-",
    ]  # fmt: skip
    assert row[11] == "2026-11-27T07:00:00Z"
    assert re.fullmatch(r"-\d+h\d\dm", row[12])  # past: the machine's clock is later
    assert row[13:] == ["no", "WITHIN_BUDGET"]
    assert lines[3].split() == [
        "t",
        "-",
        "-",
        "iPad",
        "-",
        "soon",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
        "-",
    ]
    assert "2 active session(s)" in lines
    assert f"projects that could not be listed: {PROJECT}" in lines
    assert "somethingNew" not in out


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "dfss"
    assert script.exists(), "dfss is not installed: run `make venv` (pip install -e .)"
    done = subprocess.run([script, "--version"], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout) == (0, "dfss 0.1.0\n")


def test_status_says_when_the_extensions_are_unknown_and_why(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    session = {
        "arn": ARN,
        "name": "checkout",
        "deadline": "2026-11-27T07:00:00+00:00",
        "warningAt": None,
        "extendedMinutes": None,
        "extendedTo": None,
    }
    unread = {
        "operation": "BatchGetItem",
        "code": "AccessDeniedException",
        "message": "not authorized",
        "sessions": 1,
    }
    answer = {"sessions": [session], "count": 1, "extensionsUnread": unread}
    api.answer("GET", "/sessions", Canned(200, answer))

    code, out, err = run("status", "checkout", "--endpoint", api.url, capsys=capsys)

    assert (code, err) == (Exit.OK, "")
    lines = out.splitlines()
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in lines[:-1])
    assert fields["warning (UTC)"] == "none pending"
    assert fields["extended"] == "unknown (see below)"
    assert lines[-1] == (
        "extensions unknown for 1 session(s): BatchGetItem AccessDeniedException: not authorized"
    )
