"""Exit codes (docs/cli.md) and the one error the command line turns into a message."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum


class Exit(IntEnum):
    OK = 0
    # The API answered, and the answer is a refusal or a failure: 4xx/5xx, an outcome other than
    # STOPPED/ALREADY_ENDED/SKIPPED, a sweep or listing that could not list everything.
    REFUSED = 1
    # The command line itself is wrong (argparse uses 2 as well).
    USAGE = 2
    # No answer from the API: it cannot be found (stack, output), reached, or called at all
    # (no credentials, no profile), or what answered is not the API.
    UNREACHABLE = 3
    INTERRUPTED = 130


class CliError(Exception):
    """Ends the command with `exit_code` and `message` (one line on stderr), then `details`
    (one line each: the candidates a name could mean)."""

    def __init__(self, exit_code: Exit, message: str, details: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.message = message
        self.details = tuple(details)


class Unanswered(CliError):
    """Nothing answered: the API could not be reached, or did not answer in time. The request
    may or may not have been carried out; a command with an idempotency token may retry it."""

    def __init__(self, message: str) -> None:
        super().__init__(Exit.UNREACHABLE, message)
