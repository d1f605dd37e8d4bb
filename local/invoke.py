"""`make invoke EVENT=path.json`: the real handler, once, against a fresh local stack, as
`sam local invoke` runs a function once.

`python -m local.invoke PATH` (`-` reads standard input) seeds `make local`'s sessions, starts
the local stack (Device Farm emulator + moto), invokes the handler with the event, prints its
answer as JSON on standard output and the messages it published to the outcome topic on
standard error, then stops the stack. It exits 0 whenever the handler answered, whatever the
outcome; 1 when the handler raised; 2 when the event file is missing, unreadable or not JSON
(the tool's error: any JSON value, junk included, reaches the handler as it is).

Events that name a session need the emulator's ARNs, which change with every run: a string in
the event may hold placeholders, replaced before the invocation (local/events/ uses them):

    {{session:NAME}}   the ARN of the seeded session NAME (`make local` prints them)
    {{project:NAME}}   the ARN of the seeded project NAME (android-app, ios-app)
    {{device:NAME}}    the ARN of the device session NAME runs on
    {{created:NAME}}   when session NAME was created (2026-11-27T06:00:00Z)
    {{now}}            the time now, as EventBridge and CloudTrail write it; {{now+5m}},
                       {{now-30s}}: that much later or earlier; {{now:millis}}: as CloudWatch
                       writes an alarm's time (2026-11-27T06:00:00.000+0000), {{now-20m:millis}}

Any other `{{word}}` or `{{word:text}}` is refused as an unknown placeholder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from local.devicefarm_emulator.trail_record import iso_seconds
from local.outcomes import Delivered, describe, drain
from local.stack import LocalStack, LocalStackConfig, require_running
from local.stack_cli import aim_local_alarm, local_function_env, seeded_local_world
from local.world import SeededWorld

EVENTS_DIR = Path(__file__).resolve().parent / "events"
STDIN = "-"
CLI_ERROR = 2
HANDLER_RAISED = 1
PLACEHOLDER = re.compile(r"\{\{([a-z]+)([+-][0-9]+[sm])?(?::([^{}]*))?\}\}")
KNOWN_PLACEHOLDERS = (
    "{{session:NAME}}, {{project:NAME}}, {{device:NAME}}, {{created:NAME}}, "
    "{{now}}, {{now+5m}}, {{now-30s}}, {{now:millis}}"
)
Write = Callable[[str], None]


class EventError(Exception):
    """The event cannot be sent: the tool's one-line error, never the handler's."""


@dataclass(frozen=True)
class Invocation:
    """The handler's answer, or what it raised (Lambda's errorType and errorMessage), and the
    messages it published either way."""

    answer: Any
    published: list[Delivered]
    error: dict[str, str] | None = None


# -- reading the event ---------------------------------------------------------------------


def read_event(path: str) -> Any:
    """The JSON value in the file (standard input for `-`), as Lambda's Invoke accepts it."""
    if not path:
        raise EventError("no event: make invoke EVENT=local/events/api-stop.json")
    source = "standard input" if path == STDIN else path
    try:
        raw = sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()
    except OSError as error:
        raise EventError(f"cannot read the event {source}: {error.strerror or error}") from None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except (UnicodeDecodeError, ValueError) as error:
        raise EventError(f"the event {source} is not JSON: {error}") from None


def _refuse_constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON: Lambda's Invoke refuses them.
    raise ValueError(f"{name} is not a JSON value")


# -- placeholders --------------------------------------------------------------------------


def fill_placeholders(event: Any, world: SeededWorld, now: float) -> Any:
    """The event with every placeholder in its strings replaced (keys are left alone)."""
    if isinstance(event, dict):
        return {key: fill_placeholders(value, world, now) for key, value in event.items()}
    if isinstance(event, list):
        return [fill_placeholders(value, world, now) for value in event]
    if isinstance(event, str):
        return PLACEHOLDER.sub(lambda match: _placeholder_value(match, world, now), event)
    return event


def _placeholder_value(match: re.Match[str], world: SeededWorld, now: float) -> str:
    kind, offset, argument = match.groups()
    if kind == "now":
        return _time_now(now, offset, argument, match[0])
    named = _NAMED.get(kind)
    if named is None or offset is not None or argument is None:
        raise EventError(f"unknown placeholder {match[0]}; known: {KNOWN_PLACEHOLDERS}")
    return named(world, argument)


def _time_now(now: float, offset: str | None, style: str | None, text: str) -> str:
    if style not in (None, "millis"):
        raise EventError(f"unknown placeholder {text}; known: {KNOWN_PLACEHOLDERS}")
    seconds = int(offset[:-1]) * (60 if offset.endswith("m") else 1) if offset else 0
    moment = datetime.fromtimestamp(now, UTC) + timedelta(seconds=seconds)
    if style == "millis":
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"
    return iso_seconds(moment.timestamp())


def _seeded(arns: dict[str, str], kind: str, name: str) -> str:
    if name not in arns:
        placeholder = "{{" + f"{kind}:{name}" + "}}"
        seeded = ", ".join(sorted(arns))
        raise EventError(f"{placeholder}: no seeded {kind} {name!r} (seeded: {seeded})")
    return arns[name]


def _session(world: SeededWorld, name: str) -> dict[str, Any]:
    session: dict[str, Any] = world.emulator.get_session(_seeded(world.sessions, "session", name))
    return session


# The placeholders that name a seeded session or project: {{kind:NAME}}.
_NAMED: dict[str, Callable[[SeededWorld, str], str]] = {
    "session": lambda world, name: _seeded(world.sessions, "session", name),
    "project": lambda world, name: _seeded(world.projects, "project", name),
    "device": lambda world, name: str(_session(world, name)["device"]["arn"]),
    "created": lambda world, name: iso_seconds(float(_session(world, name)["created"])),
}


# -- one invocation ------------------------------------------------------------------------


def invoke_once(template: Any) -> Invocation:
    """Seed `make local`'s world, fill the placeholders, start the stack, invoke the handler
    once and read back what it published; the stack is stopped on return."""
    emulator, world = seeded_local_world()
    event = fill_placeholders(template, world, emulator.clock.now())
    # No command lane pollers: this one event is the only invocation (a sample of the lane's
    # SQS batch is handed to the handler as it is), and the stack stops without waiting on them.
    config = LocalStackConfig(function_env=local_function_env(), lane_max_concurrency=0)
    with LocalStack(config, emulator) as stack:
        aim_local_alarm(stack, world)
        answer, error = _answer_or_error(stack, event)
        # moto hands SNS messages to the tap queue during Publish: all are there now.
        published = drain(stack.sqs(), require_running(stack.resources).tap_queue_url)
    return Invocation(answer, published, error)


def _answer_or_error(stack: LocalStack, event: Any) -> tuple[Any, dict[str, str] | None]:
    try:
        return stack.invoke(event), None
    except Exception as error:  # what Lambda's runtime does with an unhandled error
        return None, {"errorType": type(error).__name__, "errorMessage": str(error)}


def report_published(published: list[Delivered], write: Write) -> None:
    """Each message the topic received: one line to read, then the message itself."""
    write(f"published {len(published)} message(s) to the outcome topic:")
    for delivered in published:
        write(f"  {describe(delivered)}")
        write(f"  {json.dumps(delivered.body, sort_keys=True)}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m local.invoke",
        description="Invoke the real handler once against a fresh local stack.",
        epilog=f"Samples: {EVENTS_DIR}. Placeholders: {KNOWN_PLACEHOLDERS}.",
    )
    parser.add_argument("event", help="a JSON event file; - reads standard input")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    path = parse_args(argv).event
    try:
        template = read_event(path)
        # The function's logs go where sam's do, to standard error: the answer alone on
        # standard output can be piped to jq.
        with contextlib.redirect_stdout(sys.stderr):
            invocation = invoke_once(template)
    except EventError as error:
        print(f"error: {error}", file=sys.stderr)
        return CLI_ERROR
    report_published(invocation.published, lambda line: print(line, file=sys.stderr))
    if invocation.error is not None:
        # As Lambda answers an unhandled error: its type and message instead of an answer.
        print(json.dumps(invocation.error, indent=2))
        print(f"invoke: the handler raised {invocation.error['errorType']}", file=sys.stderr)
        return HANDLER_RAISED
    print(json.dumps(invocation.answer, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
