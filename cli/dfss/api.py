"""Finding the API, signing a request with SigV4 for `execute-api`, and sending it.

Signing is botocore's own (SigV4Auth over an AWSRequest), with the credentials a boto3 Session
finds (environment, profile, SSO, instance role, ...); sending is botocore's urllib3 session, so
proxies (HTTPS_PROXY, NO_PROXY) and AWS_CA_BUNDLE work as they do for the AWS CLI.
"""

from __future__ import annotations

import json
import os
import re
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSPreparedRequest, AWSRequest
from botocore.credentials import ReadOnlyCredentials
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    NoRegionError,
    ProfileNotFound,
    ReadTimeoutError,
)
from botocore.httpsession import URLLib3Session
from botocore.utils import get_environ_proxies

from dfss import __version__
from dfss.errors import CliError, Exit, Unanswered
from dfss.loopback import (
    LOCAL_CREDENTIALS,
    LOCAL_REGION,
    is_local_stack,
    require_private_transport,
)

DEFAULT_STACK = "SessionStopper-dev"
API_URL_OUTPUT = "ApiUrl"
SERVICE = "execute-api"
# API Gateway answers within 29 s; a little more for the network.
TIMEOUT_SECONDS = 40
# https://{rest-api-id}.execute-api.{region}.amazonaws.com[.cn]/{stage}/
_EXECUTE_API_HOST = re.compile(
    r"^[a-z0-9]+\.execute-api\.(?P<region>[a-z]{2}(-[a-z]+)+-\d+)\.amazonaws\.com(\.cn)?$"
)


@dataclass(frozen=True)
class Answer:
    """What the API answered: `body` is the parsed JSON, None when the body is not JSON."""

    method: str
    url: str
    status: int
    headers: dict[str, str]
    body: Any
    text: str


class Caller:
    """Whose credentials, in which region (boto3's resolution: arguments, environment, profile).

    Nothing is read until a real endpoint needs it: a loopback endpoint signs with the local
    stack's dummy credentials, so a profile that cannot load does not stand in the way there.
    """

    def __init__(self, profile: str | None, region: str | None) -> None:
        self.profile = profile
        self.region = region  # --region or DFSS_REGION, as asked
        self._session: boto3.Session | None = None
        self._core: botocore.session.Session | None = None

    @property
    def core(self) -> botocore.session.Session:
        if self._core is None:
            self._core = botocore.session.Session(profile=self.profile)
        return self._core

    @property
    def session(self) -> boto3.Session:
        """boto3's region (AWS_DEFAULT_REGION, the profile's) or else AWS_REGION, which the AWS
        SDKs other than boto3 read and Lambda and CloudShell set."""
        if self._session is None:
            try:
                configured = self.core.get_config_variable("region")
                self._session = boto3.Session(
                    botocore_session=self.core,
                    region_name=self.region or configured or os.environ.get("AWS_REGION") or None,
                )
            except ProfileNotFound as error:
                raise CliError(
                    Exit.UNREACHABLE, f"{error}: check --profile or AWS_PROFILE"
                ) from error
        return self._session

    def ca_bundle(self) -> Any:
        """AWS_CA_BUNDLE or the profile's ca_bundle, else the default trust store."""
        return self.core.get_config_variable("ca_bundle") or True


def region_of(url: str) -> str | None:
    """The region in an execute-api host name; None for any other host (a custom domain,
    loopback)."""
    host = urllib.parse.urlsplit(url).hostname or ""
    match = _EXECUTE_API_HOST.match(host)
    return match.group("region") if match else None


def checked_endpoint(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise CliError(Exit.USAGE, f"--endpoint {url!r} is not an http(s) URL")
    if parts.query or parts.fragment:
        raise CliError(Exit.USAGE, f"--endpoint {url!r}: the API's base URL has no query")
    return url


def api_url_from_stack(cloudformation: Any, stack_name: str) -> str:
    """The stack's `ApiUrl` output (the stage's base URL), by CloudFormation DescribeStacks."""
    return stack_output(cloudformation, stack_name, API_URL_OUTPUT, "Give the API with --endpoint")


def stack_output(cloudformation: Any, stack_name: str, key: str, instead: str) -> str:
    """One output of the stack; `instead` says how to do without it."""
    try:
        answer = cloudformation.describe_stacks(StackName=stack_name)
    except ClientError as error:
        details = error.response.get("Error", {})
        code, message = details.get("Code", "?"), details.get("Message", str(error))
        if "does not exist" in message:
            raise CliError(
                Exit.UNREACHABLE,
                f"stack {stack_name!r} not found in {_region_label(cloudformation)}: "
                f"name it with --stack and --region, or {instead[0].lower()}{instead[1:]}",
            ) from error
        raise CliError(
            Exit.UNREACHABLE,
            f"cannot read stack {stack_name!r} ({code}: {message}): "
            f"{instead[0].lower()}{instead[1:]} instead",
        ) from error
    except NoCredentialsError as error:
        raise CliError(Exit.UNREACHABLE, _NO_CREDENTIALS) from error
    except BotoCoreError as error:
        raise CliError(
            Exit.UNREACHABLE, f"cannot read stack {stack_name!r} from CloudFormation: {error}"
        ) from error
    stacks = answer.get("Stacks") or [{}]
    stack = stacks[0]
    for output in stack.get("Outputs") or []:
        if output.get("OutputKey") == key and output.get("OutputValue"):
            return str(output["OutputValue"])
    status = stack.get("StackStatus", "unknown status")
    raise CliError(
        Exit.UNREACHABLE,
        f"stack {stack_name!r} ({status}) has no {key} output: "
        f"is it the Session Stopper's stack? {instead}",
    )


def aws_client(caller: Caller, service: str, purpose: str) -> Any:
    """A boto3 client in the caller's region; no region at all is said plainly."""
    try:
        return caller.session.client(service)  # type: ignore[call-overload]
    except NoRegionError as error:
        raise CliError(
            Exit.UNREACHABLE, f"no region to {purpose} in: pass --region or set AWS_REGION"
        ) from error


def _region_label(client: Any) -> str:
    region = getattr(getattr(client, "meta", None), "region_name", None)
    return str(region) if region else "the default region"


def locate_api(caller: Caller, endpoint: str | None, stack: str | None) -> str:
    """--endpoint as given, else the stack's ApiUrl output."""
    if endpoint is not None:
        return checked_endpoint(endpoint)
    name = stack or DEFAULT_STACK
    cloudformation = aws_client(caller, "cloudformation", f"look up stack {name!r}")
    return api_url_from_stack(cloudformation, name)


_NO_CREDENTIALS = (
    "no AWS credentials found: set AWS_PROFILE (or --profile), or AWS_ACCESS_KEY_ID and "
    "AWS_SECRET_ACCESS_KEY, or run where a role is attached"
)


def credentials_of(session: boto3.Session) -> ReadOnlyCredentials:
    try:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except BotoCoreError as error:  # an SSO token expired, a credential_process failed, ...
        raise CliError(Exit.UNREACHABLE, f"cannot load AWS credentials: {error}") from error
    if frozen is None or not frozen.access_key or not frozen.secret_key:
        raise CliError(Exit.UNREACHABLE, _NO_CREDENTIALS)
    return frozen


def signing_region(url: str, asked: str | None, configured: str | None) -> str:
    """The region the signature is for: the API's own (its host name), else --region, else the
    profile's or environment's region."""
    own = region_of(url)
    if own and asked and own != asked:
        raise CliError(Exit.USAGE, f"--region {asked}, but the API at {url} is in {own}")
    region = own or asked or configured
    if not region:
        raise CliError(
            Exit.USAGE,
            f"cannot tell which region to sign for ({url} names none): "
            "pass --region or set AWS_REGION",
        )
    return region


def route_url(base: str, path: str) -> str:
    """`ApiUrl` ends in `/` (the stage); --endpoint may or may not."""
    return base.rstrip("/") + path


def signed_request(
    method: str, url: str, body: Any, credentials: ReadOnlyCredentials, region: str
) -> AWSPreparedRequest:
    """A request signed with SigV4 for execute-api: Authorization, X-Amz-Date and, for
    temporary credentials, X-Amz-Security-Token; the body's SHA-256 is part of the signature."""
    headers = {"Accept": "application/json", "User-Agent": f"dfss/{__version__}"}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    request = AWSRequest(method=method, url=url, data=data, headers=headers)
    SigV4Auth(credentials, SERVICE, region).add_auth(request)
    return request.prepare()


def send(request: AWSPreparedRequest, verify: Any = True) -> Answer:
    http = URLLib3Session(
        verify=verify, proxies=get_environ_proxies(request.url), timeout=TIMEOUT_SECONDS
    )
    try:
        response = http.send(request)
    except ReadTimeoutError as error:
        raise Unanswered(
            f"no answer from {request.url} within {TIMEOUT_SECONDS} s: the call may still have "
            "happened (stops are idempotent: running it again is safe)",
        ) from error
    except BotoCoreError as error:
        raise Unanswered(f"cannot reach the API at {request.url}: {error}") from error
    finally:
        http.close()
    text = response.content.decode("utf-8", errors="replace")
    try:
        body = json.loads(text) if text else None
    except ValueError:
        body = None
    return Answer(
        method=request.method,
        url=request.url,
        status=response.status_code,
        headers={str(k).lower(): str(v) for k, v in response.headers.items()},
        body=body,
        text=text,
    )


def call(caller: Caller, base_url: str, method: str, path: str, body: Any = None) -> Answer:
    """Sign with the caller's credentials and send; raises CliError when nothing answered."""
    url = route_url(base_url, path)
    require_private_transport(url)
    if is_local_stack(url):
        region = caller.region or LOCAL_REGION
        return send(signed_request(method, url, body, LOCAL_CREDENTIALS, region))
    credentials = credentials_of(caller.session)
    region = signing_region(url, caller.region, caller.session.region_name)
    return send(signed_request(method, url, body, credentials, region), caller.ca_bundle())


# Answers after which nothing changed, or a retry with the same client token is answered with
# the first result: throttled, and API Gateway's or the function's own 5xx.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
RETRY_DELAYS_SECONDS = (1.0, 3.0)  # two retries: 3 attempts, 4 s of waiting at most


def call_with_retries(
    caller: Caller,
    base_url: str,
    method: str,
    path: str,
    body: Any,
    *,
    sleep: Callable[[float], None] = time.sleep,
) -> Answer:
    """`call`, again with the very same body after a failure that a retry may fix: only for a
    request whose body makes a repeat harmless (a client token)."""
    for delay in RETRY_DELAYS_SECONDS:
        try:
            answer = call(caller, base_url, method, path, body)
        except Unanswered:
            sleep(delay)
            continue
        if answer.status not in RETRYABLE_STATUSES:
            return answer
        sleep(delay)
    return call(caller, base_url, method, path, body)
