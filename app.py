#!/usr/bin/env python3
"""CDK entry point: read the context, build the stack, check it with cdk-nag (AwsSolutions).

`python app.py` and `cdk synth` work offline: nothing is looked up in an AWS account at synth
time. The function's dependencies layer must have been built (`make lambda-deps`,
infra/lambda_deps.py); a missing or stale one, a bad context value, an unknown context key or an
unacknowledged cdk-nag finding fails the synth. The function's own code is staged with its
CPython 3.13 bytecode, when a 3.13 is at hand, in build/function-asset (infra/function_asset.py),
again only when the sources changed.

The stack takes its region from CDK_DEFAULT_REGION when the CDK CLI sets it, and nothing else
from the environment: the region decides where Device Farm's API calls are heard, and outside
the Device Farm region a companion stack there forwards them (infra/call_route.py).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import infra.node  # noqa: F401  (first: jsii must start on the pinned Node, before aws_cdk)

# isort: split
from aws_cdk import App, Environment, Validations
from cdk_nag import AwsSolutionsChecks

from infra.call_route import CallRoute, device_farm_call_route
from infra.config import StackConfig, load_config
from infra.context_keys import (
    check_context_keys,
    read_cached_context,
    read_context_defaults,
    with_context_source,
)
from infra.context_values import ConfigError
from infra.forwarder_stack import DeviceFarmCallForwarderStack
from infra.function_asset import FunctionAssetError
from infra.function_asset import build as build_function_asset
from infra.lambda_deps import BuiltDependencies, DependenciesNotBuiltError, built
from infra.stack import SessionStopperStack

ROOT = Path(__file__).resolve().parent


def create_app(
    context: Mapping[str, Any] | None = None,
    outdir: str | None = None,
    region: str | None = None,
    dependencies: BuiltDependencies | None = None,
) -> tuple[App, SessionStopperStack]:
    """The app with cdk.json's context, overridden by `context` (tests) or `-c` (CLI).

    `region`: where the stack will be deployed, if known; None synthesizes a region-agnostic
    stack. The account is never fixed at synth (infra/call_route.py says why).
    `dependencies`: the function's layer; by default build/lambda-deps, which must match the
    pins (DependenciesNotBuiltError otherwise).
    """
    # The CLI passes cdk.json itself, but `python app.py` does not: read it here so both
    # synthesize the same stack. Values from the CLI (-c) still win over these.
    defaults = read_context_defaults(ROOT / "cdk.json")
    app = App(context={**defaults, **(context or {})}, outdir=outdir)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    final = app.node.get_all_context()
    try:
        # Every key the app was given (cdk.json, -c, tests), so a misspelled one cannot pass
        # unseen.
        check_context_keys(final, known=defaults)
        config = load_config(app.node.try_get_context)
    except ConfigError as error:
        # Name where the bad value came from: cdk.json, or -c on top of it (or cdk.context.json).
        cached = read_cached_context(ROOT / "cdk.context.json")
        raise with_context_source(error, final, defaults, cached) from None
    dependencies = dependencies or built()
    stack = SessionStopperStack(
        app,
        f"SessionStopper-{config.stage}",
        config=config,
        code_path=build_function_asset().path,
        dependencies=dependencies,
        env=Environment(region=region) if region else None,
        description="Stops AWS Device Farm remote access sessions (devicefarm-session-stopper)",
    )
    _add_forwarder_if_needed(app, stack, config)
    return app, stack


def _add_forwarder_if_needed(app: App, stack: SessionStopperStack, config: StackConfig) -> None:
    """Outside the Device Farm region the timers hear of new sessions only through a companion
    stack there; `cdk deploy --all` deploys it after the main stack, whose bus it targets."""
    route = device_farm_call_route(stack.region, config.device_farm_region)
    if not config.session_timers or route is not CallRoute.FORWARDED:
        return
    forwarder = DeviceFarmCallForwarderStack(
        app,
        f"{stack.stack_name}-DeviceFarmCalls",
        config=config,
        main_region=stack.region,
        env=Environment(region=config.device_farm_region),
        description=(
            f"Forwards Device Farm API calls to {stack.stack_name} in {stack.region} "
            "(devicefarm-session-stopper)"
        ),
    )
    forwarder.add_stack_dependency(stack, "forwards to the command bus the main stack creates")


def main() -> None:
    try:
        # Set by the CDK CLI from the deploying profile; absent for an offline `python app.py`.
        app, _ = create_app(region=os.environ.get("CDK_DEFAULT_REGION") or None)
    except (ConfigError, DependenciesNotBuiltError, FunctionAssetError) as error:
        sys.exit(f"error: {error}")
    try:
        app.synth()
    except RuntimeError as error:
        if "ValidationFailed" not in str(error):
            raise
        sys.exit("error: cdk-nag reported findings (listed above); fix or acknowledge them")


if __name__ == "__main__":
    main()
