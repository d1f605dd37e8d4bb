"""Against a deployed stack: answers that cost nothing (no session is started)."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3
import pytest
import urllib3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

pytestmark = pytest.mark.e2e

UNKNOWN_SESSION = (
    "arn:aws:devicefarm:us-west-2:{account}:session:"
    "00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000/00000"
)


@pytest.fixture(autouse=True)
def _real_aws() -> None:
    """The root conftest fakes credentials for every test; undo that here."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_CONFIG_FILE",
        "AWS_SHARED_CREDENTIALS_FILE",
    ):
        if os.environ.get(name) in {"testing", "/dev/null"}:
            del os.environ[name]


def invoke(payload: dict[str, Any]) -> dict[str, Any]:
    response = boto3.client("lambda").invoke(
        FunctionName=os.environ["DFSS_E2E_FUNCTION_NAME"], Payload=json.dumps(payload).encode()
    )
    assert "FunctionError" not in response, response
    return dict(json.loads(response["Payload"].read()))


def signed_post(path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    url = os.environ["DFSS_E2E_API_URL"].rstrip("/") + path
    request = AWSRequest(
        "POST", url, data=json.dumps(body), headers={"content-type": "application/json"}
    )
    credentials = boto3.Session().get_credentials()
    SigV4Auth(credentials, "execute-api", os.environ["AWS_REGION"]).add_auth(request)
    answer = urllib3.request("POST", url, body=request.body, headers=dict(request.headers))
    return answer.status, dict(json.loads(answer.data))


def account() -> str:
    return str(boto3.client("sts").get_caller_identity()["Account"])


def test_an_unknown_session_is_not_found_by_direct_invoke() -> None:
    result = invoke({"arn": UNKNOWN_SESSION.format(account=account())})
    assert result["outcome"] == "NOT_FOUND"
    assert result["error"]["code"] == "NotFoundException"


def test_a_malformed_arn_is_refused_by_the_api() -> None:
    status, body = signed_post("/sessions/stop", {"arn": "arn:aws:devicefarm:nope"})
    assert status == 400
    assert body["error"]["code"] == "INVALID_ARN"


def test_an_unsigned_call_is_refused_by_api_gateway_in_the_functions_shape() -> None:
    url = os.environ["DFSS_E2E_API_URL"].rstrip("/") + "/sessions/stop"
    answer = urllib3.request("POST", url, json={"arn": UNKNOWN_SESSION.format(account="0" * 12)})
    assert answer.status == 403
    assert json.loads(answer.data)["error"]["code"] == "MISSING_AUTHENTICATION_TOKEN"


def test_another_accounts_session_is_out_of_scope() -> None:
    status, body = signed_post("/sessions/stop", {"arn": UNKNOWN_SESSION.format(account="0" * 12)})
    assert (status, body["error"]["code"]) == (403, "OUT_OF_SCOPE")


def test_a_sweep_below_the_floor_is_refused() -> None:
    status, body = signed_post("/sweeps", {"maxAgeMinutes": 0, "dryRun": True})
    assert (status, body["error"]["code"]) == (400, "INVALID_VALUE")


def test_a_dry_run_sweep_answers_with_a_summary() -> None:
    status, summary = signed_post("/sweeps", {"dryRun": True})
    assert status == 200
    assert summary["messageType"] == "sweepSummary"
    assert summary["dryRun"] is True


def test_extending_an_unknown_session_is_not_found() -> None:
    status, body = signed_post(
        "/sessions/extend", {"arn": UNKNOWN_SESSION.format(account=account()), "minutes": 5}
    )
    assert (status, body["error"]["code"]) == (404, "NOT_FOUND")


def test_a_timer_event_long_before_its_deadline_stops_nothing() -> None:
    result = invoke(
        {
            "action": "expire",
            "arn": UNKNOWN_SESSION.format(account=account()),
            "deadline": "2099-01-01T00:00:00Z",
            "budgetMinutes": 60,
        }
    )
    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", "TOO_EARLY")
