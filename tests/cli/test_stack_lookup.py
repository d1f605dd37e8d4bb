"""Finding the API from the stack's outputs (CloudFormation DescribeStacks, output ApiUrl).

Stubber checks the request and each canned answer against CloudFormation's own model; moto's
CloudFormation runs the whole command line, from DescribeStacks to the signed request.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from dfss.api import DEFAULT_STACK, api_url_from_stack
from dfss.cli import main
from dfss.errors import CliError, Exit
from tests.cli.fake_api import Canned, FakeApi

API_URL = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com/dev/"


def described(outputs: list[dict[str, str]], status: str = "CREATE_COMPLETE") -> dict[str, Any]:
    return {
        "Stacks": [
            {
                "StackName": DEFAULT_STACK,
                "StackId": f"arn:aws:cloudformation:eu-west-1:123456789012:stack/{DEFAULT_STACK}/1",
                "CreationTime": datetime(2026, 11, 27, tzinfo=UTC),
                "StackStatus": status,
                "Outputs": outputs,
            }
        ]
    }


@pytest.fixture
def cloudformation() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("cloudformation", region_name="eu-west-1")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def test_the_api_url_is_the_stacks_api_url_output(
    cloudformation: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudformation
    outputs = [
        {"OutputKey": "StopSessionUrl", "OutputValue": f"{API_URL}sessions/stop"},
        {"OutputKey": "ApiUrl", "OutputValue": API_URL, "Description": "the stage's base URL"},
        {"OutputKey": "CallerPolicyArn", "OutputValue": "arn:aws:iam::123456789012:policy/c"},
    ]
    stubber.add_response("describe_stacks", described(outputs), {"StackName": DEFAULT_STACK})

    assert api_url_from_stack(client, DEFAULT_STACK) == API_URL


def test_a_stack_that_does_not_exist_says_where_it_looked(
    cloudformation: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudformation
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="ValidationError",
        service_message="Stack with id SessionStopper-prod does not exist",
        http_status_code=400,
        expected_params={"StackName": "SessionStopper-prod"},
    )

    with pytest.raises(CliError) as failed:
        api_url_from_stack(client, "SessionStopper-prod")

    assert failed.value.exit_code == Exit.UNREACHABLE
    assert failed.value.message == (
        "stack 'SessionStopper-prod' not found in eu-west-1: name it with --stack and --region, "
        "or give the API with --endpoint"
    )


def test_a_caller_who_may_not_describe_stacks_is_told_so(
    cloudformation: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudformation
    stubber.add_client_error(
        "describe_stacks",
        service_error_code="AccessDenied",
        service_message="User: arn:aws:iam::123456789012:user/tester is not authorized",
        http_status_code=403,
    )

    with pytest.raises(CliError) as failed:
        api_url_from_stack(client, DEFAULT_STACK)

    assert failed.value.exit_code == Exit.UNREACHABLE
    assert "AccessDenied" in failed.value.message
    assert "--endpoint" in failed.value.message


def test_a_stack_without_the_output_is_not_taken_for_the_api(
    cloudformation: tuple[Any, Stubber],
) -> None:
    client, stubber = cloudformation
    stubber.add_response("describe_stacks", described([], status="ROLLBACK_COMPLETE"))

    with pytest.raises(CliError) as failed:
        api_url_from_stack(client, DEFAULT_STACK)

    assert failed.value.exit_code == Exit.UNREACHABLE
    assert "(ROLLBACK_COMPLETE) has no ApiUrl output" in failed.value.message


# -- the whole command line, on moto's CloudFormation ------------------------------------------


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi(Canned(200, {"sessions": [], "count": 0}))
    server.start()
    yield server
    server.stop()


def create_stack(name: str, outputs: dict[str, str]) -> None:
    template = {
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {key: {"Value": value} for key, value in outputs.items()},
    }
    boto3.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_dfss_calls_the_api_the_default_stack_names(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        create_stack(DEFAULT_STACK, {"ApiUrl": f"{api.url}/dev/"})
        code = main(["sessions"])

    assert code == Exit.OK, capsys.readouterr().err
    assert (api.only_request.method, api.only_request.path) == ("GET", "/dev/sessions")
    assert "/eu-west-1/execute-api/aws4_request" in api.only_request.headers["Authorization"]


def test_dfss_calls_the_api_of_the_stack_it_is_told(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        create_stack(DEFAULT_STACK, {"ApiUrl": "http://127.0.0.1:9/wrong/"})
        create_stack("SessionStopper-qa", {"ApiUrl": f"{api.url}/qa/"})
        code = main(["sweep", "--dry-run", "--stack", "SessionStopper-qa", "--json"])

    # The fake answers {"sessions": ...} to a sweep too: not a sweep summary, so not the API.
    assert code == Exit.UNREACHABLE
    assert (api.only_request.method, api.only_request.path) == ("POST", "/qa/sweeps")
    assert json.loads(api.only_request.body) == {"dryRun": True}
    assert "not as the Session Stopper's API does" in capsys.readouterr().err


def test_no_such_stack_is_exit_3_with_a_message(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        code = main(["stop", "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"])

    assert code == Exit.UNREACHABLE
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"dfss: stack '{DEFAULT_STACK}' not found in eu-west-1: name it with --stack and "
        "--region, or give the API with --endpoint\n"
    )


def test_the_stack_is_looked_up_in_the_region_asked(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    with mock_aws():
        boto3.client("cloudformation", region_name="ap-south-1").create_stack(
            StackName=DEFAULT_STACK,
            TemplateBody=json.dumps(
                {
                    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                    "Outputs": {"ApiUrl": {"Value": f"{api.url}/dev/"}},
                }
            ),
        )
        assert main(["sessions"]) == Exit.UNREACHABLE  # not in eu-west-1
        assert main(["sessions", "--region", "ap-south-1"]) == Exit.OK

    assert "/ap-south-1/execute-api/" in api.only_request.headers["Authorization"]
    assert "not found in eu-west-1" in capsys.readouterr().err


# -- DFSS_STACK / DFSS_REGION / DFSS_ENDPOINT: set once, flags win -----------------------------


def test_the_environment_names_the_stack_and_its_region(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DFSS_STACK", "SessionStopper-qa")
    monkeypatch.setenv("DFSS_REGION", "ap-south-1")
    with mock_aws():
        boto3.client("cloudformation", region_name="ap-south-1").create_stack(
            StackName="SessionStopper-qa",
            TemplateBody=json.dumps(
                {
                    "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
                    "Outputs": {"ApiUrl": {"Value": f"{api.url}/qa/"}},
                }
            ),
        )
        assert main(["sessions"]) == Exit.OK, capsys.readouterr().err
        # Flags win over the variables.
        assert main(["sessions", "--stack", "SessionStopper-dev"]) == Exit.UNREACHABLE
        assert main(["sessions", "--region", "eu-west-1"]) == Exit.UNREACHABLE

    assert api.only_request.path == "/qa/sessions"
    assert "/ap-south-1/execute-api/" in api.only_request.headers["Authorization"]
    err = capsys.readouterr().err
    assert "stack 'SessionStopper-dev' not found in ap-south-1" in err
    assert "stack 'SessionStopper-qa' not found in eu-west-1" in err


def test_the_environment_names_the_endpoint_and_a_flag_overrides_it(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DFSS_ENDPOINT", f"{api.url}/local/")
    assert main(["sessions"]) == Exit.OK, capsys.readouterr().err
    assert api.only_request.path == "/local/sessions"

    with mock_aws():
        create_stack(DEFAULT_STACK, {"ApiUrl": f"{api.url}/dev/"})
        assert main(["sessions", "--stack", DEFAULT_STACK]) == Exit.OK  # --stack beats it
    assert main(["sessions", "--endpoint", f"{api.url}/flag/"]) == Exit.OK
    assert [r.path for r in api.requests] == ["/local/sessions", "/dev/sessions", "/flag/sessions"]


def test_both_variables_set_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DFSS_ENDPOINT", "http://127.0.0.1:3000")
    monkeypatch.setenv("DFSS_STACK", "SessionStopper-qa")

    assert main(["sessions"]) == Exit.USAGE
    assert capsys.readouterr().err == (
        "dfss: both DFSS_ENDPOINT and DFSS_STACK are set: unset one, or pass --endpoint or "
        "--stack\n"
    )
