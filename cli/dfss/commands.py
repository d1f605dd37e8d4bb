"""Each command from its parsed arguments to its exit code: find the API, name the session,
send, print, judge.

Output written here goes through the sanitizer: tables and `--json` as safe text, every stderr
line through `complain`.
"""

from __future__ import annotations

import argparse
import os
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

from dfss import render_sessions, tail
from dfss.answers import (
    Request,
    extend_request,
    legacy_extend_request,
    mapping_body,
    problem_of,
    sessions_request,
    stop_request,
    sweep_request,
)
from dfss.api import (
    DEFAULT_STACK,
    Answer,
    Caller,
    aws_client,
    call,
    call_with_retries,
    locate_api,
    stack_output,
)
from dfss.errors import CliError, Exit
from dfss.safe_text import safe_json, safe_json_line, safe_lines, sanitize
from dfss.settings import Where, where_of
from dfss.targets import is_arn, matches, the_one


@dataclass(frozen=True)
class Api:
    caller: Caller
    base_url: str

    def send(self, request: Request, *, retried: bool = False) -> Answer:
        send = call_with_retries if retried else call
        return send(self.caller, self.base_url, request.method, request.path, request.body)


@dataclass(frozen=True)
class Terminal:
    out: TextIO
    err: TextIO
    stdin: TextIO
    as_json: bool

    def show(self, lines: list[str]) -> None:
        print(safe_lines("\n".join(lines).rstrip()), file=self.out)

    def show_json(self, value: Any) -> None:
        print(safe_json(value), file=self.out)


def complain(err: TextIO, message: str, details: tuple[str, ...] = ()) -> None:
    """The one line on stderr (then its details, one line each): they quote what others wrote
    (the API's messages, a stack's status, session names), so they are sanitized like a table."""
    print(f"dfss: {sanitize(message)}", file=err)
    for detail in details:
        print(f"  {sanitize(detail)}", file=err)


def run(args: argparse.Namespace, terminal: Terminal) -> Exit:
    where = where_of(args, os.environ)
    caller = Caller(where.profile, where.region)
    if args.command == "tail":
        return tail_outcomes(caller, where, args, terminal)
    api = Api(caller, locate_api(caller, where.endpoint, where.stack))
    if args.command == "stop":
        request = stop_request(session_arn(api, args.session), args.operator)
        return perform(api, request, terminal)
    if args.command == "extend":
        arn = session_arn(api, args.session)
        return extend(api, arn, args.minutes, terminal, operator=args.operator)
    if args.command == "sweep":
        return sweep(api, args, terminal)
    if args.command == "status":
        return status(api, args.session, terminal)
    return perform(api, sessions_request(), terminal)


def perform(api: Api, request: Request, terminal: Terminal, *, retried: bool = False) -> Exit:
    """Send one request; print its answer (a table, or the JSON); 0 or 1 by the judge."""
    return show_answer(api.send(request, retried=retried), request, terminal)


def show_answer(answer: Answer, request: Request, terminal: Terminal) -> Exit:
    body = mapping_body(answer, request)
    if terminal.as_json:
        terminal.show_json(answer.body)
    elif body:
        terminal.show(request.render(body))
    problem = problem_of(answer, request, body)
    if problem is None:
        return Exit.OK
    complain(terminal.err, problem)
    return Exit.REFUSED


def extend(api: Api, arn: str, minutes: int, terminal: Terminal, *, operator: bool = False) -> Exit:
    """With a client token, retried on a throttle, a 5xx or no answer: the API answers a repeat
    with the first result. A deployment that predates the token refuses the field (400, nothing
    done): it is asked once more without it, and not retried."""
    token = uuid.uuid4().hex  # one per command: its retries reuse it
    request = extend_request(arn, minutes, token, operator)
    answer = api.send(request, retried=True)
    if refuses_the_token(answer):
        return perform(api, legacy_extend_request(arn, minutes, operator), terminal)
    return show_answer(answer, request, terminal)


def refuses_the_token(answer: Answer) -> bool:
    body = answer.body if isinstance(answer.body, Mapping) else {}
    error = body.get("error")
    if answer.status != 400 or not isinstance(error, Mapping):
        return False
    return error.get("code") == "UNKNOWN_FIELD" and "'clientToken'" in str(error.get("message"))


# -- naming a session --------------------------------------------------------------------------


@dataclass(frozen=True)
class Listing:
    """GET /sessions: its body, its sessions, and why it is incomplete (None when every project
    was listed)."""

    body: Mapping[str, Any]
    sessions: list[Mapping[str, Any]]
    incomplete: str | None


def listing(api: Api) -> Listing:
    request = sessions_request()
    answer = api.send(request)
    body = mapping_body(answer, request)
    listed = body.get("sessions")
    sessions = [s for s in listed if isinstance(s, Mapping)] if isinstance(listed, list) else []
    return Listing(body, sessions, problem_of(answer, request, body))


def find_session(api: Api, target: str) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """The one active session `target` names (ARN, name or short id), and the whole listing."""
    listed = listing(api)
    return named_in(listed, target), listed.sessions


def named_in(listed: Listing, target: str) -> Mapping[str, Any]:
    """A name or id is resolved only on a complete listing: a same-named session may be in a
    project that could not be listed."""
    sessions, incomplete = listed.sessions, listed.incomplete
    if incomplete is not None and not (is_arn(target) and len(matches(target, sessions)) == 1):
        raise CliError(
            Exit.REFUSED,
            f"cannot tell which session {target!r} is: the listing is incomplete "
            f"({incomplete}); give its ARN",
        )
    return the_one(target, sessions)


def session_arn(api: Api, target: str) -> str:
    """An ARN as given (no listing: the caller policy may not list); a name or short id through
    the listing (which needs the operator policy)."""
    if is_arn(target):
        return target
    session, _ = find_session(api, target)
    return str(session.get("arn"))


def status(api: Api, target: str, terminal: Terminal) -> Exit:
    listed = listing(api)
    session = named_in(listed, target)
    if terminal.as_json:
        terminal.show_json(session)
    else:
        lines = render_sessions.status_lines(session, listed.sessions, datetime.now(UTC))
        terminal.show(lines + render_sessions.extensions_unread_lines(listed.body))
    return Exit.OK


# -- a live sweep asks first -------------------------------------------------------------------


def sweep(api: Api, args: argparse.Namespace, terminal: Terminal) -> Exit:
    live = sweep_request(args.dry_run, args.max_age, args.projects)
    if args.dry_run or args.yes:
        return perform(api, live, terminal)
    if not terminal.stdin.isatty():
        raise CliError(
            Exit.USAGE,
            "a live sweep stops sessions: run it on a terminal to confirm, or pass --yes "
            "(`dfss sweep --dry-run` shows what it would stop)",
        )
    preview = perform(api, sweep_request(True, args.max_age, args.projects), terminal)
    if preview != Exit.OK:
        return preview
    print(
        "Stop what this dry run selected (reason DRY_RUN above)? [y/N] ",
        end="",
        file=terminal.err,
        flush=True,
    )
    if terminal.stdin.readline().strip().lower() not in ("y", "yes"):
        complain(terminal.err, "not confirmed: nothing stopped")
        return Exit.REFUSED
    return perform(api, live, terminal)


# -- tail: the outcomes, from the function's log group -----------------------------------------


def tail_outcomes(
    caller: Caller, where: Where, args: argparse.Namespace, terminal: Terminal
) -> Exit:
    group = args.log_group or _function_log_group(caller, where)
    since_ms = int((time.time() - args.since * 60) * 1000)
    reader = tail.LogReader(aws_client(caller, "logs", "read the logs"), group, since_ms)

    def emit(event: Mapping[str, Any], record: Mapping[str, Any]) -> None:
        if terminal.as_json:
            print(safe_json_line(record), file=terminal.out, flush=True)
        else:
            print(sanitize(tail.outcome_line(event, record)), file=terminal.out, flush=True)

    if not terminal.as_json:
        print(f"outcomes in {sanitize(group)} since {args.since:g} min ago", file=terminal.err)
    try:
        tail.follow(reader, emit, keep_following=not args.no_follow)
    except KeyboardInterrupt:  # the way to stop following
        return Exit.OK
    return Exit.OK


def _function_log_group(caller: Caller, where: Where) -> str:
    if where.endpoint is not None:
        raise CliError(
            Exit.USAGE,
            "tail reads a deployed stack's log group, not an endpoint: pass --stack (or "
            "DFSS_STACK) or --log-group",
        )
    name = where.stack or DEFAULT_STACK
    cloudformation = aws_client(caller, "cloudformation", f"look up stack {name!r}")
    function = stack_output(
        cloudformation, name, tail.FUNCTION_NAME_OUTPUT, "Give the log group with --log-group"
    )
    return tail.log_group_of_function(aws_client(caller, "lambda", "read the function"), function)
