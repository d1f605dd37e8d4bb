"""A local STS in front of moto's: it refuses the AssumeRole calls IAM would refuse.

moto's AssumeRole lets anyone assume any role, missing or not, whatever its trust policy and
external id. The function reaches STS only through AWS_ENDPOINT_URL_STS, so pointing that at
this gate makes a missing spoke role, a wrong external id or an untrusted caller fail locally
as they fail in AWS. An AssumeRole the gate lets through is forwarded to moto, and the access
key moto issues is registered with the Device Farm emulator as the role's account, so those
credentials act in the member account there. Every other STS call goes to moto unchanged.

Who calls is the access key's principal in the emulator's credentials registry: the base keys
are the hub function's role session.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from botocore.exceptions import ClientError

from local.accounts.trust_policy import AssumeRequest, allows
from local.aws_resources import aws_client_in
from local.background_http import BackgroundHTTPServer, OwnedHTTPServer
from local.devicefarm_emulator.accounts import CredentialsRegistry, Principal, signing_key_id

_ROLE_ARN = re.compile(r"arn:aws:iam::([0-9]{12}):role/(?:[\w+=,.@-]+/)*([\w+=,.@-]{1,64})")
_STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
# Request headers that describe this hop, not the call: urllib sets its own.
_HOP_HEADERS = frozenset({"host", "content-length", "connection", "accept-encoding"})
IAM_REGION = "us-east-1"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Refusal:
    """An STS error answer: HTTP status, code and message."""

    status: int
    code: str
    message: str

    def xml(self) -> bytes:
        """STS's error shape (query protocol), as botocore parses it into a ClientError."""
        return (
            f'<ErrorResponse xmlns="{_STS_NAMESPACE}"><Error><Type>Sender</Type>'
            f"<Code>{escape(self.code)}</Code><Message>{escape(self.message)}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>"
        ).encode()


INVALID_TOKEN = Refusal(
    403, "InvalidClientTokenId", "The security token included in the request is invalid."
)


class MotoRoles:
    """The roles moto's IAM holds, in any account (read through moto's account header)."""

    def __init__(self, moto_url: str) -> None:
        self._moto_url = moto_url
        self._clients: dict[str, Any] = {}

    def trust_policy(self, role_arn: str) -> Mapping[str, Any] | None:
        """The role's trust policy; None when no role has this ARN."""
        parsed = _ROLE_ARN.fullmatch(role_arn)
        if parsed is None:
            return None
        account_id, name = parsed.groups()
        try:
            role = self._iam(account_id).get_role(RoleName=name)["Role"]
        except ClientError as error:
            if error.response["Error"]["Code"] == "NoSuchEntity":
                return None
            raise
        if role["Arn"] != role_arn:
            return None  # same name, another path
        document = role["AssumeRolePolicyDocument"]
        if isinstance(document, str):  # botocore decodes it; moto's raw form is URL-encoded
            document = json.loads(urllib.parse.unquote(document))
        return dict(document)

    def _iam(self, account_id: str) -> Any:
        if account_id not in self._clients:
            self._clients[account_id] = aws_client_in("iam", self._moto_url, IAM_REGION, account_id)
        return self._clients[account_id]


class StsGate(BackgroundHTTPServer):
    """STS on loopback: checks AssumeRole as IAM would, forwards to moto, registers the keys."""

    def __init__(
        self,
        moto_url: str,
        credentials: CredentialsRegistry,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.moto_url = moto_url
        self.credentials = credentials
        self.roles = MotoRoles(moto_url)
        super().__init__(_Handler, host, port)

    def start(self) -> StsGate:
        super().start()
        return self

    def refusal(self, access_key_id: str, params: Mapping[str, str]) -> Refusal | None:
        """Why IAM would refuse this AssumeRole (None: it would not)."""
        principal = self.credentials.principal_of(access_key_id)
        if principal is None:
            return INVALID_TOKEN
        role_arn = params.get("RoleArn", "")
        policy = self.roles.trust_policy(role_arn)
        request = AssumeRequest(principal.arn, principal.account_id, params.get("ExternalId"))
        if policy is None or not allows(policy, request):
            # IAM says the same whether the role is missing or does not trust the caller.
            return _access_denied(principal, role_arn)
        return None

    def register_issued(self, answer: bytes) -> None:
        """Make the key moto issued act in the role's account at the emulator."""
        root = ElementTree.fromstring(answer)  # noqa: S314 (moto's answer, on loopback)
        namespace = {"sts": _STS_NAMESPACE}
        key = root.findtext(".//sts:Credentials/sts:AccessKeyId", namespaces=namespace)
        arn = root.findtext(".//sts:AssumedRoleUser/sts:Arn", namespaces=namespace)
        if not key or not arn:
            raise ValueError("moto's AssumeRole answer has no credentials")
        self.credentials.register(key, arn.split(":")[4], arn)


def _access_denied(principal: Principal, role_arn: str) -> Refusal:
    return Refusal(
        403,
        "AccessDenied",
        f"User: {principal.arn} is not authorized to perform: sts:AssumeRole on resource: "
        f"{role_arn}",
    )


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: OwnedHTTPServer

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        gate: StsGate = self.server.owner
        params = {key: values[-1] for key, values in urllib.parse.parse_qs(body.decode()).items()}
        if params.get("Action") == "AssumeRole":
            refusal = gate.refusal(signing_key_id(self.headers.get("Authorization", "")), params)
            if refusal is not None:
                self._send(refusal.status, refusal.xml())
                return
        status, answer = self._forward(gate.moto_url, body)
        if params.get("Action") == "AssumeRole" and status == 200:
            gate.register_issued(answer)
        self._send(status, answer)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s - " + format, self.address_string(), *args)

    def _forward(self, moto_url: str, body: bytes) -> tuple[int, bytes]:
        request = urllib.request.Request(moto_url + self.path, data=body, method="POST")  # noqa: S310
        for name, value in self.headers.items():
            if name.lower() not in _HOP_HEADERS:
                request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310
                return answer.status, answer.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    def _send(self, status: int, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)
