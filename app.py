#!/usr/bin/env python3
"""CDK entry point: read the context, build the stack, check it with cdk-nag (AwsSolutions).

`python app.py` and `cdk synth` work offline: nothing is looked up in an AWS account at synth
time. A bad context value, an unknown context key or an unacknowledged cdk-nag finding fails the
synth.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import infra.node  # noqa: F401  (first: jsii must start on the pinned Node, before aws_cdk)

# isort: split
from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import load_config
from infra.context_keys import check_context_keys, read_context_defaults
from infra.context_values import ConfigError
from infra.powertools import PowertoolsPinError
from infra.stack import SessionStopperStack

ROOT = Path(__file__).resolve().parent


def create_app(
    context: Mapping[str, Any] | None = None, outdir: str | None = None
) -> tuple[App, SessionStopperStack]:
    """The app with cdk.json's context, overridden by `context` (tests) or `-c` (CLI)."""
    # The CLI passes cdk.json itself, but `python app.py` does not: read it here so both
    # synthesize the same stack. Values from the CLI (-c) still win over these.
    defaults = read_context_defaults(ROOT / "cdk.json")
    app = App(context={**defaults, **(context or {})}, outdir=outdir)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    # Every key the app was given (cdk.json, -c, tests), so a misspelled one cannot pass unseen.
    check_context_keys(app.node.get_all_context(), known=defaults)
    config = load_config(app.node.try_get_context, ROOT / "requirements.txt")
    stack = SessionStopperStack(
        app,
        f"SessionStopper-{config.stage}",
        config=config,
        code_path=ROOT / "lambda_src",
        description="Stops AWS Device Farm remote access sessions (devicefarm-session-stopper)",
    )
    return app, stack


def main() -> None:
    try:
        app, _ = create_app()
    except (ConfigError, PowertoolsPinError) as error:
        sys.exit(f"error: {error}")
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        sys.exit("error: cdk-nag reported findings (listed above); fix or acknowledge them")


if __name__ == "__main__":
    main()
