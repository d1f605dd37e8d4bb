"""The `dfss` command line: parse, call the API, print a table (or the JSON), exit with a code.

Exit codes: 0 done; 1 the service refused or failed (the API answered: 4xx/5xx, an outcome other
than STOPPED/ALREADY_ENDED/SKIPPED, a sweep or listing that could not list everything); 2 usage;
3 no answer (stack or output not found, API not reachable, no credentials); 130 interrupted.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn, TextIO
from urllib.parse import urlsplit

from dfss import __version__, render
from dfss.api import DEFAULT_STACK, Answer, Caller, call, locate_api
from dfss.errors import CliError, Exit
from dfss.safe_text import safe_json, safe_lines, sanitize
from dfss.settings import where_of

OK_OUTCOMES = frozenset({"STOPPED", "ALREADY_ENDED", "SKIPPED"})
EPILOG = f"""\
The API is the stack's ApiUrl output (--stack or DFSS_STACK, default {DEFAULT_STACK}) or
--endpoint (DFSS_ENDPOINT); flags win over the variables. Requests are signed with SigV4 for
execute-api with the credentials boto3 finds (--profile, environment, SSO, role), and go over
https; plain http only to loopback, which is the local stack (make local): it is signed for
with the local stack's dummy credentials, no setup needed. stop and extend need the stack's
caller policy (CallerPolicyArn); sweep and sessions the operator policy (OperatorPolicyArn).

exit codes:
  0  done (STOPPED, ALREADY_ENDED, SKIPPED; extended; swept or listed everything)
  1  the service refused or failed: HTTP 4xx/5xx, NOT_FOUND, REJECTED, FAILED, or a sweep or
     listing that could not list every project (HTTP 207/429/502)
  2  usage error
  3  no answer: the stack or its output not found, the API not reachable, no credentials
"""


class _Parser(argparse.ArgumentParser):
    """Usage errors end as one line on stderr and exit 2, like every other error here."""

    def error(self, message: str) -> NoReturn:
        raise CliError(Exit.USAGE, f"{message} (see `{self.prog} --help`)")


def _add_common_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """On the main parser with defaults, again on each command without, so that both
    `dfss --json stop ARN` and `dfss stop ARN --json` work."""

    def default(value: Any) -> Any:
        return value if defaults else argparse.SUPPRESS

    where = parser.add_argument_group("where the API is, and as whom to call it")
    where.add_argument(
        "--endpoint",
        metavar="URL",
        default=default(None),
        help="the API's base URL, e.g. http://127.0.0.1:3000 (make local); skips the stack "
        "(default: DFSS_ENDPOINT)",
    )
    where.add_argument(
        "--stack",
        metavar="NAME",
        default=default(None),
        help=f"the stack whose ApiUrl output to call (default: DFSS_STACK, else {DEFAULT_STACK})",
    )
    where.add_argument(
        "--region",
        default=default(None),
        help="the stack's region (default: DFSS_REGION, else the profile's or AWS_REGION); an "
        "execute-api URL's own region is always the one signed for",
    )
    where.add_argument(
        "--profile", default=default(None), help="the AWS profile whose credentials sign"
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=default(False),
        help="print the API's answer as JSON instead of a table",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="dfss",
        description="Stop, extend and sweep AWS Device Farm remote access sessions through the "
        "Device Farm Session Stopper's API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"dfss {__version__}")
    _add_common_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=summary, description=summary, epilog=EPILOG)
        sub.formatter_class = argparse.RawDescriptionHelpFormatter
        return sub

    stop = command("stop", "stop a remote access session (POST /sessions/stop)")
    stop.add_argument("arn", help="the session's ARN")
    _add_common_options(stop, defaults=False)

    extend = command("extend", "move a session's expiry deadline later (POST /sessions/extend)")
    extend.add_argument("arn", help="the session's ARN")
    extend.add_argument(
        "--minutes", type=int, required=True, metavar="N", help="how many minutes later"
    )
    _add_common_options(extend, defaults=False)

    sweep = command("sweep", "stop every session past its deadline, or preview it (POST /sweeps)")
    sweep.add_argument(
        "--dry-run", action="store_true", help="say what it would stop; stop nothing"
    )
    sweep.add_argument(
        "--max-age",
        type=_minutes,
        metavar="MINUTES",
        help="select sessions older than this instead of those past their deadline",
    )
    sweep.add_argument(
        "--project",
        dest="projects",
        action="extend",
        nargs="+",
        metavar="ARN",
        help="sweep only these projects (repeatable)",
    )
    _add_common_options(sweep, defaults=False)

    sessions = command(
        "sessions", "list active sessions and what a sweep would do to each (GET /sessions)"
    )
    _add_common_options(sessions, defaults=False)
    return parser


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        minutes = math.nan
    if not math.isfinite(minutes) or minutes < 0:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {value!r}")
    return minutes


# -- what each command sends, and how its answer is judged --------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any
    # A field every answer of this route has: a 2xx without it did not come from the API.
    shape_key: str
    render: Callable[[Mapping[str, Any]], list[str]]
    judge: Callable[[Answer, Mapping[str, Any]], str | None]


def request_of(args: argparse.Namespace) -> Request:
    if args.command == "stop":
        return Request(
            "POST", "/sessions/stop", {"arn": args.arn}, "outcome", render.stop_lines, _judge_stop
        )
    if args.command == "extend":
        body = {"arn": args.arn, "minutes": args.minutes}
        return Request(
            "POST", "/sessions/extend", body, "deadline", render.extend_lines, _judge_extend
        )
    if args.command == "sweep":
        return Request(
            "POST", "/sweeps", sweep_body(args), "sweepId", render.sweep_lines, _judge_sweep
        )
    return Request("GET", "/sessions", None, "sessions", render.sessions_lines, _judge_sessions)


def sweep_body(args: argparse.Namespace) -> dict[str, Any]:
    """Only what was asked: the rest is the deployment's default."""
    body: dict[str, Any] = {}
    if args.dry_run:
        body["dryRun"] = True
    if args.max_age is not None:
        age = args.max_age
        body["maxAgeMinutes"] = int(age) if float(age).is_integer() else age
    if args.projects:
        body["projectArns"] = list(args.projects)
    return body


def _judge_stop(answer: Answer, body: Mapping[str, Any]) -> str | None:
    outcome = body.get("outcome")
    if not isinstance(outcome, str):
        return refusal(answer)
    if answer.status == 200 and outcome in OK_OUTCOMES:
        return None
    if answer.status == 503:
        return (
            f"HTTP 503: the outcome ({outcome}) could not be published and was parked in the "
            "outcome dead-letter queue"
        )
    error: Mapping[str, Any] = body["error"] if isinstance(body.get("error"), Mapping) else {}
    why = error.get("message") or body.get("reason") or "no reason given"
    code = f"{error['code']}, " if error.get("code") else ""
    return f"{outcome}: {why} ({code}HTTP {answer.status}){_retry_after(answer)}"


def _judge_extend(answer: Answer, body: Mapping[str, Any]) -> str | None:
    if answer.status == 200 and "deadline" in body:
        return None
    return refusal(answer)


def _judge_listing(what: str) -> Callable[[Answer, Mapping[str, Any]], str | None]:
    def judge(answer: Answer, body: Mapping[str, Any]) -> str | None:
        if answer.status == 200:
            return None
        failures = body.get("listingFailures")
        if answer.status not in (207, 429, 502) or not isinstance(failures, list):
            return refusal(answer)
        first = failures[0] if failures and isinstance(failures[0], Mapping) else {}
        cause = f"{first.get('code', '?')}: {first.get('message', '')}".rstrip(": ")
        others = f" (and {len(failures) - 1} more)" if len(failures) > 1 else ""
        if answer.status == 207:
            scope = f"some projects could not be listed, the others were {what}"
        elif answer.status == 429:
            scope = "Device Farm throttled every listing: nothing was seen"
        else:
            scope = "nothing could be listed"
        return f"HTTP {answer.status}: {scope}; {cause}{others}{_retry_after(answer)}"

    return judge


_judge_sweep = _judge_listing("swept")
_judge_sessions = _judge_listing("listed")


def _retry_after(answer: Answer) -> str:
    seconds = answer.headers.get("retry-after")
    return f"; retry after {seconds} s" if seconds else ""


def refusal(answer: Answer) -> str:
    """One line for an answer that is not the route's success: ours, or API Gateway's own."""
    return _refusal(answer) or f"HTTP {answer.status}: {_excerpt(answer.text)}"


def _refusal(answer: Answer) -> str | None:
    """None when the body is in neither shape: then it did not come from the API."""
    body = answer.body if isinstance(answer.body, Mapping) else {}
    route = f"{answer.method} {_path_of(answer.url)}"
    error = body.get("error")
    if isinstance(error, Mapping) and error.get("code"):
        code = str(error["code"])
        message = str(error.get("message") or "")
        line = f"HTTP {answer.status} {code}: {message}".rstrip(": ")
        details = [
            f"{detail.get('field', '?')}: {detail.get('message', detail.get('code', ''))}"
            for detail in error.get("details") or []
            if isinstance(detail, Mapping) and str(detail.get("message")) not in message
        ]
        if details:
            line += f" ({'; '.join(details[:3])})"
        if code in ("NO_ROUTE", "MISSING_AUTHENTICATION_TOKEN"):
            line += f"; {_no_route(route)}"
        if body.get("requestId"):
            line += f" [request {body['requestId']}]"
        return line + _retry_after(answer)
    message = body.get("message", body.get("Message"))
    if isinstance(message, str):
        line = f"HTTP {answer.status} from API Gateway: {message}"
        if message == "Missing Authentication Token":
            line += f"; {_no_route(route)}"
        return line + _retry_after(answer)
    return None


def _path_of(url: str) -> str:
    return urlsplit(url).path


def _no_route(route: str) -> str:
    if route.startswith("GET ") and route.endswith("/sessions"):
        return (
            f"{route} is not a route of this API: this deployment predates `dfss sessions` "
            "(deploy a newer stack)"
        )
    return f"{route} is not a route of this API (is the URL the stage's base URL?)"


# -- running -----------------------------------------------------------------------------------


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> Exit:
    where = where_of(args, os.environ)
    request = request_of(args)
    caller = Caller(where.profile, where.region)
    base_url = locate_api(caller, where.endpoint, where.stack)
    answer = call(caller, base_url, request.method, request.path, request.body)
    body = answer.body if isinstance(answer.body, Mapping) else None
    ours = body is not None and request.shape_key in body
    if not ours and (200 <= answer.status < 300 or _refusal(answer) is None):
        raise CliError(
            Exit.UNREACHABLE,
            f"{answer.url} answered HTTP {answer.status}, but not as the Session Stopper's API "
            f"does ({_excerpt(answer.text)}): check --endpoint or the stack",
        )
    if args.json:
        print(safe_json(answer.body), file=out)
    elif ours and body is not None:
        print(safe_lines("\n".join(request.render(body)).rstrip()), file=out)
    problem = request.judge(answer, body) if body is not None and ours else refusal(answer)
    if problem is None:
        return Exit.OK
    complain(err, problem)
    return Exit.REFUSED


def complain(err: TextIO, message: str) -> None:
    """The one line on stderr: it quotes what others wrote (the API's messages, a stack's
    status, a botocore error), so it is sanitized like a table."""
    print(f"dfss: {sanitize(message)}", file=err)


def _excerpt(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        return "no body"
    return flat if len(flat) <= 80 else flat[:77] + "..."


def main(argv: Sequence[str] | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        args = build_parser().parse_args(argv)
        return int(run(args, out, err))
    except CliError as error:
        complain(err, error.message)
        return int(error.exit_code)
    except SystemExit as done:  # --help, --version
        return done.code if isinstance(done.code, int) else 0
    except KeyboardInterrupt:
        print("dfss: interrupted", file=err)
        return int(Exit.INTERRUPTED)
    except BrokenPipeError:  # `dfss sessions | head`: the reader has what it wanted
        # Python flushes stdout again at exit: point it at /dev/null so that flush is silent.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(Exit.OK)
