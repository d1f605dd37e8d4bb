"""Which session a CloudTrail `CreateRemoteAccessSession` record created.

The record's `responseElements` may carry the new session (no public sample confirms that it
does), so it is used when present and well formed; otherwise the session is found among its
project's sessions by what the request named: device, name, and a creation time near the call.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from session_stopper.models.arn import arn_problem
from session_stopper.models.cloudtrail import CloudTrailRecord
from session_stopper.models.session import RemoteAccessSession

# CloudTrail's eventTime is the call's; Device Farm's `created` is within seconds of it.
MATCH_WINDOW = timedelta(minutes=5)


def arn_in_response(response_elements: dict[str, Any] | None) -> str | None:
    session = (response_elements or {}).get("remoteAccessSession")
    arn = session.get("arn") if isinstance(session, dict) else None
    if isinstance(arn, str) and arn_problem(arn, "session") is None:
        return arn
    return None


def named_arns(record: CloudTrailRecord) -> list[str]:
    """The session and project ARNs the record names where the timers read them: the created
    session in the response, the project and the stopped session in the request."""
    request = record.request_parameters or {}
    named = [arn_in_response(record.response_elements), requested_project(request)]
    stopped = request.get("arn")
    if isinstance(stopped, str) and not arn_problem(stopped, "session"):
        named.append(stopped)
    return [arn for arn in named if arn is not None]


def requested_project(request_parameters: dict[str, Any] | None) -> str | None:
    arn = (request_parameters or {}).get("projectArn")
    if isinstance(arn, str) and arn_problem(arn, "project") is None:
        return arn
    return None


def best_match(
    sessions: Iterable[RemoteAccessSession],
    request_parameters: dict[str, Any],
    event_time: datetime,
) -> RemoteAccessSession | None:
    """The session created nearest the call among those the request describes."""
    device_arn = request_parameters.get("deviceArn")
    name = request_parameters.get("name")

    def distance(session: RemoteAccessSession) -> timedelta | None:
        if session.created is None:
            return None
        if device_arn and not (session.device and session.device.arn == device_arn):
            return None
        if name is not None and session.name != name:
            return None
        gap = abs(session.created - event_time)
        return gap if gap <= MATCH_WINDOW else None

    scored = [(gap, session) for session in sessions if (gap := distance(session)) is not None]
    return min(scored, key=lambda item: item[0])[1] if scored else None
