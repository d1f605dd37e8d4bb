"""Device Farm gateway: the one place that calls Device Farm and validates what it answers.

Every answer is validated with the models; a call that fails after botocore's retries becomes a
DeviceFarmError carrying the service's error code, and an answer that does not validate becomes
InvalidResponseError, so callers never see botocore or pydantic exceptions.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import boto3
from aws_lambda_powertools.utilities.parser import parse
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel, ValidationError

from session_stopper.config import settings
from session_stopper.gateways.budgets import (
    BATCH_PACING_SECONDS,
    INTERACTIVE_PACING_SECONDS,
    budgets_for,
)
from session_stopper.gateways.pacing import Pacer, PaceRefusedError, devicefarm_pacer
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


@functools.cache
def devicefarm_client(interactive: bool = False) -> DeviceFarmClient:
    """One client per process and profile (API requests, or events and sweeps; see budgets).

    Device Farm exists only in us-west-2, so the region is explicit whatever region runs us.
    """
    current = settings()
    budget = budgets_for(interactive).devicefarm
    config = budget.config(
        region_name=current.devicefarm_region,
        max_pool_connections=max(10, current.sweep_workers * 2),
    )
    return budget.guarded(boto3.client("devicefarm", config=config))


class DeviceFarmGateway:
    """Every call first takes a token from the process's pacer (gateways/pacing.py), waiting
    at most its budget's `pacing_seconds`; a longer wait is refused as the service's own
    throttling (LimitExceededException), which the API answers 429 with Retry-After."""

    def __init__(
        self,
        client: DeviceFarmClient | None = None,
        interactive: bool = False,
        pacer: Pacer | None = None,
    ) -> None:
        self._client = client or devicefarm_client(interactive)
        self._interactive = interactive
        self._pacer = pacer

    @traced
    def get_session(self, arn: str) -> RemoteAccessSession:
        response = self._call(
            "GetRemoteAccessSession", self._client.get_remote_access_session, arn=arn
        )
        return _validate("GetRemoteAccessSession", SessionResponse, response).remote_access_session

    @traced
    def stop_session(self, arn: str) -> RemoteAccessSession:
        response = self._call(
            "StopRemoteAccessSession", self._client.stop_remote_access_session, arn=arn
        )
        return _validate("StopRemoteAccessSession", SessionResponse, response).remote_access_session

    @traced
    def tags_of(self, arn: str) -> dict[str, str]:
        """A project's (or session's) tags, by key."""
        response = self._call(
            "ListTagsForResource", self._client.list_tags_for_resource, ResourceARN=arn
        )
        tags = _validate("ListTagsForResource", TagsResponse, response).tags
        return {tag.key: tag.value for tag in tags}

    def list_projects(self) -> Iterator[Project]:
        for page in self._pages("ListProjects", self._client.list_projects, ProjectPage):
            yield from page.projects

    def session_pages(self, project_arn: str) -> Iterator[list[RemoteAccessSession]]:
        """The project's sessions, one page at a time: the caller may stop between pages."""
        call = self._client.list_remote_access_sessions
        for page in self._pages("ListRemoteAccessSessions", call, SessionPage, arn=project_arn):
            yield page.remote_access_sessions

    def _pages(
        self,
        operation: str,
        call: Callable[..., Any],
        model: type[Page],
        **params: str,
    ) -> Iterator[Page]:
        token: str | None = None
        while True:
            extra = {"nextToken": token} if token else {}
            page = _validate(operation, model, self._call(operation, call, **params, **extra))
            yield page
            token = page.next_token
            if not token:
                return

    def _call(self, operation: str, call: Callable[..., Any], **params: str) -> dict[str, Any]:
        self._pace(operation)
        try:
            response: dict[str, Any] = call(**params)
        except ClientError as error:
            details = error.response.get("Error", {})
            code = details.get("Code") or "Unknown"
            raise DeviceFarmError(code, details.get("Message") or str(error), operation) from error
        except BotoCoreError as error:
            raise DeviceFarmError(CONNECTION_ERROR, str(error), operation) from error
        return strip_response_metadata(response)

    def _pace(self, operation: str) -> None:
        pacer = self._pacer or devicefarm_pacer()
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
