"""`dfss tail`: a deployed stack's outcomes from its function's log group, on moto's CloudWatch
Logs (FilterLogEvents), with Stubber as the oracle for Lambda's answer shape."""

from __future__ import annotations

import io
import json
import time
import zipfile
from collections.abc import Iterator, Mapping
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from dfss.cli import main
from dfss.errors import CliError, Exit
from dfss.tail import LogReader, follow, log_group_of_function

GROUP = "SessionStopper-dev-StopperLogGroup-abc123"
ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"


def log_line(message: str, **extra: Any) -> str:
    return json.dumps({"level": "INFO", "message": message, "service": "session-stopper", **extra})


STOPPED = log_line("outcome published", outcome="STOPPED", session_arn=ARN, error=None)
FAILED = log_line(
    "outcome published",
    outcome="FAILED",
    session_arn=ARN.replace("/s/", "/t/"),
    error={"code": "LimitExceededException", "message": "Rate exceeded\x1b[2J"},
)
PARKED = log_line("outcome parked in the dead-letter queue", attributes={"outcome": "STOPPED"})
OTHER = log_line("sweep starting")


@pytest.fixture
def logs() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("logs")
        client.create_log_group(logGroupName=GROUP)
        client.create_log_stream(logGroupName=GROUP, logStreamName="2026/12/06/[$LATEST]1")
        yield client


def put(logs: Any, *messages: str, ago_seconds: float = 5) -> None:
    stamp = int((time.time() - ago_seconds) * 1000)
    logs.put_log_events(
        logGroupName=GROUP,
        logStreamName="2026/12/06/[$LATEST]1",
        logEvents=[{"timestamp": stamp + i, "message": m} for i, m in enumerate(messages)],
    )


def test_tail_shows_each_outcome_line_and_nothing_else(
    logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put(logs, OTHER, STOPPED, "START RequestId: 1 Version: 3", FAILED, PARKED)

    code = main(["tail", "--log-group", GROUP, "--no-follow"])

    captured = capsys.readouterr()
    assert code == Exit.OK, captured.err
    lines = [line.split("  ", 1)[1] for line in captured.out.splitlines()]
    assert lines == [
        f"STOPPED  {ARN}",
        f"FAILED  {ARN.replace('/s/', '/t/')}  LimitExceededException: Rate exceeded\\x1b[2J",
        "PARKED (not published; in the outcome dead-letter queue)  -",
    ]
    assert captured.err == f"outcomes in {GROUP} since 10 min ago\n"


def test_tail_json_is_one_ascii_record_a_line(
    logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    put(logs, STOPPED, FAILED)

    assert main(["tail", "--log-group", GROUP, "--no-follow", "--json"]) == Exit.OK

    out = capsys.readouterr().out
    assert out.isascii()
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["outcome"] for r in records] == ["STOPPED", "FAILED"]


def test_since_leaves_older_outcomes_out(logs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    put(logs, FAILED, ago_seconds=30 * 60)
    put(logs, STOPPED)

    assert main(["tail", "--log-group", GROUP, "--no-follow", "--since", "10"]) == Exit.OK
    assert [line.split()[1] for line in capsys.readouterr().out.splitlines()] == ["STOPPED"]


def test_following_shows_each_new_outcome_once_as_it_arrives(logs: Any) -> None:
    put(logs, STOPPED)
    reader = LogReader(logs, GROUP, since_ms=int((time.time() - 600) * 1000))
    shown: list[str] = []
    polls = iter([lambda: put(logs, FAILED, ago_seconds=1), lambda: None])

    def sleep(_seconds: float) -> None:
        next_poll = next(polls, None)
        if next_poll is None:
            raise KeyboardInterrupt
        next_poll()

    def emit(_event: Mapping[str, Any], record: Mapping[str, Any]) -> None:
        shown.append(str(record["outcome"]))

    with pytest.raises(KeyboardInterrupt):
        follow(reader, emit, keep_following=True, sleep=sleep)

    assert shown == ["STOPPED", "FAILED"]  # three polls overlap in time; each shown once


def test_a_missing_log_group_is_exit_3(logs: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tail", "--log-group", "nope", "--no-follow"]) == Exit.UNREACHABLE
    assert (
        "dfss: cannot read log group 'nope' (ResourceNotFoundException" in capsys.readouterr().err
    )


def test_the_log_group_is_the_functions_logging_config() -> None:
    client = boto3.client("lambda", region_name="eu-west-1")
    with Stubber(client) as stubber:
        stubber.add_response(
            "get_function_configuration",
            {"FunctionName": "stopper", "LoggingConfig": {"LogFormat": "JSON", "LogGroup": GROUP}},
            {"FunctionName": "stopper:live"},
        )
        stubber.add_response(
            "get_function_configuration", {"FunctionName": "plain"}, {"FunctionName": "plain"}
        )
        stubber.add_client_error(
            "get_function_configuration", "AccessDeniedException", "not authorized"
        )
        assert log_group_of_function(client, "stopper:live") == GROUP
        assert log_group_of_function(client, "plain") == "/aws/lambda/plain"
        with pytest.raises(CliError, match="give its log group with --log-group"):
            log_group_of_function(client, "secret")


def test_the_stack_names_the_function_whose_log_group_is_read(
    logs: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole way on moto: the stack's FunctionName output, the function's configuration (no
    LoggingConfig in moto: Lambda's default group), its log group."""
    role = boto3.client("iam").create_role(RoleName="r", AssumeRolePolicyDocument="{}")["Role"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("handler.py", "def handle(event, context): return None\n")
    boto3.client("lambda").create_function(
        FunctionName="session-stopper-qa",
        Runtime="python3.13",
        Role=role["Arn"],
        Handler="handler.handle",
        Code={"ZipFile": archive.getvalue()},
    )
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"FunctionName": {"Value": "session-stopper-qa"}},
    }
    boto3.client("cloudformation").create_stack(
        StackName="SessionStopper-qa", TemplateBody=json.dumps(template)
    )
    group = "/aws/lambda/session-stopper-qa"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    logs.put_log_events(
        logGroupName=group,
        logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000), "message": STOPPED}],
    )

    code = main(["tail", "--stack", "SessionStopper-qa", "--no-follow"])

    captured = capsys.readouterr()
    assert code == Exit.OK, captured.err
    assert captured.out.split()[1:] == ["STOPPED", ARN]


def test_an_endpoint_has_no_log_group(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tail", "--endpoint", "http://127.0.0.1:3000"]) == Exit.USAGE
    assert "tail reads a deployed stack's log group" in capsys.readouterr().err
