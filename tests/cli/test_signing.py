"""Every request `dfss` sends is SigV4-signed for execute-api, over exactly what went on the wire.

The check re-signs the request as the fake API received it (its headers, path and body bytes)
with botocore's SigV4 at the request's own X-Amz-Date: API Gateway does the same computation.
The fake API serves https (trusted through AWS_CA_BUNDLE), as a real endpoint does: plain http
on loopback is the local stack, which gets the local stack's dummy identity instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from dfss.api import region_of, signed_request, signing_region
from dfss.cli import main
from dfss.errors import CliError, Exit
from tests.cli.fake_api import Canned, FakeApi, Recorded, TlsFakeApi

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
STOPPED = {"outcome": "STOPPED", "session": {"arn": ARN, "name": "checkout"}, "sessionArn": ARN}
AUTHORIZATION = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[^,]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
CREDENTIALS = ReadOnlyCredentials("testing", "testing", None)


@pytest.fixture
def api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    server = TlsFakeApi(tmp_path, Canned(200, STOPPED))
    monkeypatch.setenv("AWS_CA_BUNDLE", str(server.certificate))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def local_api() -> Iterator[FakeApi]:
    """Plain http on loopback, where `make local` serves."""
    server = FakeApi(Canned(200, STOPPED))
    server.start()
    yield server
    server.stop()


def resign(received: Recorded, credentials: ReadOnlyCredentials, region: str, body: bytes) -> str:
    """The signature API Gateway would compute for this request (with `body` as its body)."""
    fields = AUTHORIZATION.match(received.headers["Authorization"])
    assert fields is not None
    signed = fields["signed"].split(";")
    headers = {name: received.headers[name] for name in signed if name != "host"}
    request = AWSRequest(
        method=received.method,
        url=f"http://{received.headers['Host']}{received.path}",
        data=body,
        headers=headers,
    )
    request.context["timestamp"] = received.headers["X-Amz-Date"]
    signer = SigV4Auth(credentials, "execute-api", region)
    return signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )


def test_a_stop_is_signed_for_execute_api_in_the_region_over_its_body(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--endpoint", api.url, "--region", "eu-central-1", "stop", ARN])

    assert code == Exit.OK, capsys.readouterr().err
    received = api.only_request
    assert (received.method, received.path) == ("POST", "/sessions/stop")
    assert json.loads(received.body) == {"arn": ARN}
    fields = AUTHORIZATION.match(received.headers["Authorization"])
    assert fields is not None, received.headers["Authorization"]
    assert (fields["key"], fields["region"], fields["service"]) == (
        "testing",
        "eu-central-1",
        "execute-api",
    )
    assert fields["date"] == received.headers["X-Amz-Date"][:8]
    assert {"host", "x-amz-date", "content-type"} <= set(fields["signed"].split(";"))
    assert fields["signature"] == resign(received, CREDENTIALS, "eu-central-1", received.body)
    # The body is part of the signature: another body would not pass.
    tampered = json.dumps({"arn": ARN.replace("/s/", "/t/")}).encode()
    assert fields["signature"] != resign(received, CREDENTIALS, "eu-central-1", tampered)
    assert fields["signature"] != resign(received, CREDENTIALS, "us-east-1", received.body)


def test_a_get_has_no_body_and_is_signed_all_the_same(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answer("GET", "/sessions", Canned(200, {"sessions": [], "count": 0}))

    assert main(["sessions", "--endpoint", api.url]) == Exit.OK, capsys.readouterr().err

    received = api.only_request
    assert (received.method, received.body) == ("GET", b"")
    fields = AUTHORIZATION.match(received.headers["Authorization"])
    assert fields is not None
    assert fields["region"] == "eu-west-1"  # the environment's (tests/conftest.py)
    assert fields["signature"] == resign(received, CREDENTIALS, "eu-west-1", b"")


def test_temporary_credentials_send_and_sign_their_session_token(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "token-of-an-assumed-role")

    assert main(["stop", ARN, "--endpoint", api.url]) == Exit.OK, capsys.readouterr().err

    received = api.only_request
    assert received.headers["X-Amz-Security-Token"] == "token-of-an-assumed-role"
    fields = AUTHORIZATION.match(received.headers["Authorization"])
    assert fields is not None
    assert "x-amz-security-token" in fields["signed"].split(";")
    credentials = ReadOnlyCredentials("testing", "testing", "token-of-an-assumed-role")
    assert fields["signature"] == resign(received, credentials, "eu-west-1", received.body)


@pytest.mark.parametrize(
    ("url", "region"),
    [
        ("https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/dev/", "ap-southeast-2"),
        ("https://a1b2c3d4e5.execute-api.us-gov-west-1.amazonaws.com/prod", "us-gov-west-1"),
        ("https://a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn/dev/", "cn-north-1"),
        ("https://stopper.example.com/", None),
        ("http://127.0.0.1:3000", None),
    ],
)
def test_the_region_is_read_from_an_execute_api_url(url: str, region: str | None) -> None:
    assert region_of(url) == region


def test_the_apis_own_region_is_the_one_signed_for() -> None:
    url = "https://a1b2c3d4e5.execute-api.ap-southeast-2.amazonaws.com/dev/sessions/stop"
    region = signing_region(url, asked=None, configured="eu-west-1")
    request = signed_request("POST", url, {"arn": ARN}, CREDENTIALS, region)
    authorization = request.headers["Authorization"]
    assert "/ap-southeast-2/execute-api/aws4_request" in authorization
    # A custom domain names no region: --region (else the configured one) says it.
    assert signing_region("https://stopper.example.com/x", "us-east-2", "eu-west-1") == "us-east-2"
    assert signing_region("https://stopper.example.com/x", None, "eu-west-1") == "eu-west-1"


def test_a_region_that_contradicts_the_url_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/dev/"
    with pytest.raises(CliError) as refused:
        signing_region(url, "eu-west-1", None)
    assert refused.value.exit_code == Exit.USAGE

    assert main(["stop", ARN, "--endpoint", url, "--region", "eu-west-1"]) == Exit.USAGE
    err = capsys.readouterr().err
    assert err == f"dfss: --region eu-west-1, but the API at {url}sessions/stop is in us-east-1\n"


def test_the_local_stack_is_signed_for_with_its_own_dummy_identity_without_any_setup(
    local_api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new user's shell: no credentials, no region, no profile; `make local` just works."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")

    assert main(["stop", ARN, "--endpoint", local_api.url]) == Exit.OK, capsys.readouterr().err

    received = local_api.only_request
    fields = AUTHORIZATION.match(received.headers["Authorization"])
    assert fields is not None
    assert (fields["key"], fields["region"]) == ("testing", "eu-west-1")
    assert fields["signature"] == resign(received, CREDENTIALS, "eu-west-1", received.body)


def test_real_credentials_are_never_sent_to_the_local_stack(
    local_api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYOFTHEUSER")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "a-real-session-token")
    monkeypatch.setenv("AWS_PROFILE", "a-profile-this-machine-does-not-have")
    local_api.answer("GET", "/sessions", Canned(200, {"sessions": [], "count": 0}))

    assert main(["sessions", "--endpoint", local_api.url, "--region", "us-east-2"]) == Exit.OK, (
        capsys.readouterr().err
    )

    received = local_api.only_request
    assert "AKIAREAL" not in str(received.headers)
    assert "X-Amz-Security-Token" not in received.headers
    assert "/us-east-2/execute-api/" in received.headers["Authorization"]  # --region still counts


def test_no_region_anywhere_is_a_usage_error(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)

    assert main(["stop", ARN, "--endpoint", api.url]) == Exit.USAGE
    assert "pass --region" in capsys.readouterr().err
    assert api.requests == []


def test_aws_region_is_read_as_the_other_sdks_read_it(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.setenv("AWS_REGION", "sa-east-1")

    assert main(["stop", ARN, "--endpoint", api.url]) == Exit.OK, capsys.readouterr().err
    assert "/sa-east-1/execute-api/" in api.only_request.headers["Authorization"]
