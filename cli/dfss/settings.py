"""Where the API is and as whom to call it: the flags, else DFSS_* environment variables.

`export DFSS_ENDPOINT=http://127.0.0.1:3000` once, instead of `--endpoint` on every call; a flag
always wins over its variable, and an empty variable counts as unset.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass

from dfss.errors import CliError, Exit

ENDPOINT_VARIABLE = "DFSS_ENDPOINT"
STACK_VARIABLE = "DFSS_STACK"
REGION_VARIABLE = "DFSS_REGION"


@dataclass(frozen=True)
class Where:
    endpoint: str | None
    stack: str | None
    region: str | None
    profile: str | None


def where_of(args: argparse.Namespace, environ: Mapping[str, str]) -> Where:
    """--endpoint or --stack from the flags when either is given, else from the environment;
    naming both at the same level is a usage error (which one was meant?)."""
    if args.endpoint is not None and args.stack is not None:
        raise CliError(Exit.USAGE, "give --endpoint or --stack, not both")
    endpoint, stack = args.endpoint, args.stack
    if endpoint is None and stack is None:
        endpoint = environ.get(ENDPOINT_VARIABLE) or None
        stack = environ.get(STACK_VARIABLE) or None
        if endpoint is not None and stack is not None:
            raise CliError(
                Exit.USAGE,
                f"both {ENDPOINT_VARIABLE} and {STACK_VARIABLE} are set: unset one, or pass "
                "--endpoint or --stack",
            )
    region = args.region if args.region is not None else environ.get(REGION_VARIABLE) or None
    return Where(endpoint=endpoint, stack=stack, region=region, profile=args.profile)
