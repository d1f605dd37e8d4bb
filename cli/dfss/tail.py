"""`dfss tail`: the outcomes a deployed stack publishes, as they happen, from its function's log
group (CloudWatch Logs FilterLogEvents).

Read-only and leaves nothing behind: the function logs each outcome it publishes
(`outcome published`, with the outcome, the session's ARN and the error) and each one it had to
park in the dead-letter queue, so reading its log group needs only `logs:FilterLogEvents` on
it. (Following the outcome topic instead would need a queue created, subscribed and deleted:
more permissions, and a subscription left behind when the command is killed.)

The log group is the function's own (Lambda GetFunctionConfiguration's LoggingConfig), the
function the stack's `FunctionName` output; or `--log-group`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dfss.errors import CliError, Exit
from dfss.render import text

FUNCTION_NAME_OUTPUT = "FunctionName"
OUTCOME_PUBLISHED = "outcome published"
OUTCOME_PARKED = "outcome parked in the dead-letter queue"
# CloudWatch Logs' filter syntax: either phrase. The lines are checked again here, exactly.
FILTER_PATTERN = '?"outcome published" ?"outcome parked"'
POLL_SECONDS = 2.0
# Events reach CloudWatch Logs a few seconds after their timestamp: each poll looks this far
# back again, and what it has already shown is recognised by its event id.
LATE_ARRIVAL_MS = 60_000


def log_group_of_function(lambda_client: Any, function_name: str) -> str:
    """The log group the function writes to (its LoggingConfig), by Lambda
    GetFunctionConfiguration."""
    try:
        configuration = lambda_client.get_function_configuration(FunctionName=function_name)
    except (ClientError, BotoCoreError) as error:
        raise CliError(
            Exit.UNREACHABLE,
            f"cannot read function {function_name!r}'s configuration ({error}): "
            "give its log group with --log-group",
        ) from error
    group = (configuration.get("LoggingConfig") or {}).get("LogGroup")
    if not group:
        # Lambda's default when the function names none.
        return f"/aws/lambda/{function_name.split(':', maxsplit=1)[0]}"
    return str(group)


@dataclass
class LogReader:
    """FilterLogEvents on one group, from `since_ms`, each event once."""

    logs: Any
    group: str
    since_ms: int
    _seen: dict[str, int] = field(default_factory=dict)  # event id -> timestamp

    def new_events(self) -> list[Mapping[str, Any]]:
        start = max(0, self.since_ms - LATE_ARRIVAL_MS)
        fresh = [e for e in self._pages(start) if e.get("eventId") not in self._seen]
        fresh.sort(key=lambda e: (e.get("timestamp", 0), e.get("eventId", "")))
        for event in fresh:
            self._seen[str(event.get("eventId"))] = int(event.get("timestamp", 0))
            self.since_ms = max(self.since_ms, int(event.get("timestamp", 0)))
        horizon = self.since_ms - LATE_ARRIVAL_MS
        self._seen = {key: ts for key, ts in self._seen.items() if ts >= horizon}
        return fresh

    def _pages(self, start_ms: int) -> Iterator[Mapping[str, Any]]:
        request = {
            "logGroupName": self.group,
            "startTime": start_ms,
            "filterPattern": FILTER_PATTERN,
        }
        try:
            while True:
                page = self.logs.filter_log_events(**request)
                yield from page.get("events") or []
                token = page.get("nextToken")
                if not token:
                    return
                request["nextToken"] = token
        except ClientError as error:
            details = error.response.get("Error", {})
            raise CliError(
                Exit.UNREACHABLE,
                f"cannot read log group {self.group!r} ({details.get('Code', '?')}: "
                f"{details.get('Message', error)})",
            ) from error
        except BotoCoreError as error:
            message = f"cannot read log group {self.group!r}: {error}"
            raise CliError(Exit.UNREACHABLE, message) from error


def outcome_record(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The function's JSON log line, when it is about an outcome; None for any other line."""
    try:
        record = json.loads(str(event.get("message", "")))
    except ValueError:
        return None
    if not isinstance(record, Mapping) or record.get("message") not in (
        OUTCOME_PUBLISHED,
        OUTCOME_PARKED,
    ):
        return None
    return record


def outcome_line(event: Mapping[str, Any], record: Mapping[str, Any]) -> str:
    """`2026-12-06T20:01:02Z  STOPPED  <session ARN>  [error code: message]`"""
    stamp = datetime.fromtimestamp(int(event.get("timestamp", 0)) / 1000, UTC)
    outcome = text(record.get("outcome"))
    if record.get("message") == OUTCOME_PARKED:
        outcome = "PARKED (not published; in the outcome dead-letter queue)"
    cells = [stamp.strftime("%Y-%m-%dT%H:%M:%SZ"), outcome, text(record.get("session_arn"))]
    error = record.get("error")
    if isinstance(error, Mapping) and error.get("code"):
        cells.append(f"{text(error.get('code'))}: {text(error.get('message'))}")
    return "  ".join(cells)


def follow(
    reader: LogReader,
    emit: Callable[[Mapping[str, Any], Mapping[str, Any]], None],
    *,
    keep_following: bool,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Emit each outcome record as it arrives; until Ctrl-C, or once when not following."""
    while True:
        for event in reader.new_events():
            record = outcome_record(event)
            if record is not None:
                emit(event, record)
        if not keep_following:
            return
        sleep(POLL_SECONDS)
