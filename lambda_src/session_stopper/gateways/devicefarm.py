"""Device Farm gateway: the one place that calls Device Farm and validates what it answers.

Every answer is validated with the models; a call that fails after botocore's retries becomes a
DeviceFarmError carrying the service's error code, and an answer that does not validate becomes
InvalidResponseError, so callers never see botocore or pydantic exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools.utilities.parser import parse
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from session_stopper.config import settings
from session_stopper.gateways.account_clients import MemberClients, client_with
from session_stopper.gateways.budgets import BATCH_PACING_SECONDS, INTERACTIVE_PACING_SECONDS
from session_stopper.gateways.pacing import Pacer, PaceRefusedError, devicefarm_pacer
from session_stopper.gateways.spoke_access import ACCOUNT_NOT_REACHED, AssumeRoleRefusedError
from session_stopper.models.arn import arn_parts
from session_stopper.models.session import (
    Project,
    ProjectPage,
    RemoteAccessSession,
    SessionPage,
    SessionResponse,
    TagsResponse,
    strip_response_metadata,
)
from session_stopper.observability import traced

if TYPE_CHECKING:
    from mypy_boto3_devicefarm import DeviceFarmClient

ResponseModel = TypeVar("ResponseModel", bound=BaseModel)
Page = TypeVar("Page", ProjectPage, SessionPage)

INVALID_RESPONSE = "INVALID_RESPONSE"
THROTTLED = "LimitExceededException"  # the service's code, so callers treat both alike
CONNECTION_ERROR = "CONNECTION_ERROR"


class DeviceFarmError(Exception):
    """Device Farm refused or failed the call; `code` is the service's error code."""

    def __init__(self, code: str, message: str, operation: str) -> None:
        super().__init__(f"{operation}: {code}: {message}")
        self.code = code
        self.message = message
        self.operation = operation


class InvalidResponseError(DeviceFarmError):
    """Device Farm answered, but not in the shape the models accept."""

    def __init__(self, operation: str, error: ValidationError) -> None:
        summary = "; ".join(
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()[:5]
        )
        super().__init__(INVALID_RESPONSE, f"response failed validation: {summary}", operation)


class PacedOutError(DeviceFarmError):
    """The pacer refused to wait for the operation's next token (gateways/pacing.py): nothing
    was sent. A single API stop answers it as throttling (429); a sweep leaves the session to
    its continuation instead of reporting it FAILED."""

    def __init__(self, refused: PaceRefusedError) -> None:
        super().__init__(THROTTLED, str(refused), refused.operation)
        self.retry_after = refused.retry_after


class AccountNotReachedError(DeviceFarmError):
    """The account's spoke role could not be assumed (gateways/spoke_access.py): nothing was
    sent to Device Farm, and nothing is sent with other credentials instead."""

    def __init__(self, refused: AssumeRoleRefusedError, operation: str) -> None:
        super().__init__(ACCOUNT_NOT_REACHED, refused.reason, operation)
        self.account = refused.account


@functools.cache
def devicefarm_client(interactive: bool = False) -> DeviceFarmClient:
    """The hub account's client, one per process and profile (API requests, or events and
    sweeps; see budgets)."""
    return client_with(interactive, None)


class DeviceFarmGateway:
    """Every call acts in the account its ARN names, with that account's credentials (the
    function's own for the hub's account, the spoke role's for a member's: `purpose` names the
    role's session), and first takes a token from that account's pacer (gateways/pacing.py),
    waiting at most its budget's `pacing_seconds`; a longer wait is refused as the service's own
    throttling (LimitExceededException), which the API answers 429 with Retry-After."""

    def __init__(
        self,
        client: DeviceFarmClient | None = None,
        interactive: bool = False,
        pacer: Pacer | None = None,
        *,
        purpose: str = "stop",
        members: MemberClients | None = None,
        hub_account: str | None = None,
    ) -> None:
        self._client = client or devicefarm_client(interactive)
        self._hub_account = hub_account
        self._interactive = interactive
        self._pacer = pacer
        self._members = members or MemberClients(interactive, purpose)

    @traced
    def get_session(self, arn: str) -> RemoteAccessSession:
        response = self._call("GetRemoteAccessSession", arn, "get_remote_access_session", arn=arn)
        return _validate("GetRemoteAccessSession", SessionResponse, response).remote_access_session

    @traced
    def stop_session(self, arn: str) -> RemoteAccessSession:
        response = self._call("StopRemoteAccessSession", arn, "stop_remote_access_session", arn=arn)
        return _validate("StopRemoteAccessSession", SessionResponse, response).remote_access_session

    @traced
    def tags_of(self, arn: str) -> dict[str, str]:
        """A project's (or session's) tags, by key."""
        response = self._call("ListTagsForResource", arn, "list_tags_for_resource", ResourceARN=arn)
        tags = _validate("ListTagsForResource", TagsResponse, response).tags
        return {tag.key: tag.value for tag in tags}

    def list_projects(self, account: str | None = None) -> Iterator[Project]:
        """The projects of `account` (default: the hub's)."""
        account = account or self._hub()
        for page in self._pages("ListProjects", account, "list_projects", ProjectPage):
            yield from page.projects

    def session_pages(self, project_arn: str) -> Iterator[list[RemoteAccessSession]]:
        """The project's sessions, one page at a time: the caller may stop between pages."""
        account = arn_parts(project_arn).account
        call = "list_remote_access_sessions"
        pages = self._pages("ListRemoteAccessSessions", account, call, SessionPage, arn=project_arn)
        for page in pages:
            yield page.remote_access_sessions

    def _pages(
        self, operation: str, account: str, method: str, model: type[Page], **params: str
    ) -> Iterator[Page]:
        token: str | None = None
        while True:
            extra = {"nextToken": token} if token else {}
            answer = self._call_in(operation, account, method, **params, **extra)
            page = _validate(operation, model, answer)
            yield page
            token = page.next_token
            if not token:
                return

    def _call(self, operation: str, resource: str, method: str, **params: str) -> dict[str, Any]:
        """Call in the account of the `resource` ARN."""
        return self._call_in(operation, arn_parts(resource).account, method, **params)

    def _hub(self) -> str:
        return self._hub_account or settings().devicefarm_account_id

    def _client_for(self, account: str, operation: str) -> DeviceFarmClient:
        if account == self._hub():
            return self._client
        try:
            return self._members.client_for(account)
        except AssumeRoleRefusedError as refused:
            raise AccountNotReachedError(refused, operation) from refused

    def _call_in(self, operation: str, account: str, method: str, **params: str) -> dict[str, Any]:
        call: Callable[..., Any] = getattr(self._client_for(account, operation), method)
        self._pace(operation, account)
        try:
            response: dict[str, Any] = call(**params)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code") or "Unknown"
            raise DeviceFarmError(code, details.get("Message") or str(error), operation) from error
        except BotoCoreError as error:
            raise DeviceFarmError(CONNECTION_ERROR, str(error), operation) from error
        return strip_response_metadata(response)

    def _pace(self, operation: str, account: str) -> None:
        pacer = self._pacer or devicefarm_pacer(account)
        max_wait = INTERACTIVE_PACING_SECONDS if self._interactive else BATCH_PACING_SECONDS
        try:
            pacer.acquire(operation, max_wait)
        except PaceRefusedError as refused:
            raise PacedOutError(refused) from refused


def _validate(
    operation: str, model: type[ResponseModel], response: dict[str, Any]
) -> ResponseModel:
    """Every answer goes through Powertools' parser with the response model."""
    try:
        return parse(event=response, model=model)
    except ValidationError as error:
        raise InvalidResponseError(operation, error) from error
