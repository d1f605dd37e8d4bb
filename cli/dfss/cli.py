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
from collections.abc import Sequence
from typing import Any, NoReturn, TextIO

from dfss import __version__, completion
from dfss.api import DEFAULT_STACK
from dfss.commands import Terminal, complain, run
from dfss.errors import CliError, Exit

SESSION_HELP = "the session's ARN, or its name or short id (as `dfss sessions` shows them)"
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
    stop.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    _operator_option(stop, "stop")
    _add_common_options(stop, defaults=False)

    extend = command("extend", "move a session's expiry deadline later (POST /sessions/extend)")
    extend.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    extend.add_argument(
        "--minutes", type=int, required=True, metavar="N", help="how many minutes later"
    )
    _operator_option(extend, "extend")
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
    sweep.add_argument(
        "--yes",
        "-y",
        action="store_true",
        help="run a live sweep without showing the dry run and asking first (needed when "
        "stdin is not a terminal)",
    )
    _add_common_options(sweep, defaults=False)

    sessions = command(
        "sessions",
        "list active sessions, their ids, deadlines and what a sweep would do (GET /sessions)",
    )
    _add_common_options(sessions, defaults=False)

    status = command(
        "status",
        "one active session: budget, deadline, time left, warning time, extensions, timer "
        "(GET /sessions)",
    )
    status.add_argument("session", metavar="SESSION", help=SESSION_HELP)
    _add_common_options(status, defaults=False)

    follow = command(
        "tail", "follow a deployed stack's outcomes in its function's log group (CloudWatch Logs)"
    )
    follow.add_argument(
        "--log-group", metavar="NAME", help="the log group (default: the stack's function's)"
    )
    follow.add_argument(
        "--since",
        type=_minutes,
        default=10.0,
        metavar="MINUTES",
        help="show the outcomes of the last MINUTES first (default 10)",
    )
    follow.add_argument("--no-follow", action="store_true", help="show what is there, then stop")
    _add_common_options(follow, defaults=False)

    shells = command("completion", "print a shell completion script (bash or zsh)")
    shells.add_argument("shell", choices=completion.SHELLS, help='eval "$(dfss completion bash)"')
    return parser


def _operator_option(parser: argparse.ArgumentParser, verb: str) -> None:
    parser.add_argument(
        "--operator",
        action="store_true",
        help=f"{verb} a session of any account in scope (POST /operator/sessions/{verb}; needs "
        "the operator policy); without it, only your own account's",
    )


def _minutes(value: str) -> float:
    try:
        minutes = float(value)
    except ValueError:
        minutes = math.nan
    if not math.isfinite(minutes) or minutes < 0:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {value!r}")
    return minutes


def main(argv: Sequence[str] | None = None, stdin: TextIO | None = None) -> int:
    out, err = sys.stdout, sys.stderr
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command == "completion":  # the parser itself is the answer: no API
            print(completion.script(args.shell, parser), end="", file=out)
            return int(Exit.OK)
        return int(run(args, Terminal(out, err, stdin or sys.stdin, args.json)))
    except CliError as error:
        complain(err, error.message, error.details)
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
