"""Build the spoke's CloudFormation template: `python -m infra.spoke_template` (`make
spoke-template`) writes build/spoke/session-stopper-spoke.template.json, offline.

That file is what a member account runs (infra/spoke_stack.py): a StackSet rolls it out to an
organization's OUs and `make deploy-spoke` deploys it into one account, without the CDK, a
bootstrap or assets. The app holds the spoke alone (the hub's `cdk deploy --all` never sees it)
and checks it with cdk-nag like the hub: a finding fails the build.

    python -m infra.spoke_template [--stage prod] [--output path.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import infra.node  # noqa: F401  (first: jsii must start on the pinned Node, before aws_cdk)

# isort: split
from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.config import load_config
from infra.context_keys import read_context_defaults
from infra.context_values import ConfigError
from infra.spoke_names import ROOT, TEMPLATE_PATH, spoke_stack_name
from infra.spoke_stack import SessionStopperSpokeStack

DESCRIPTION = (
    "Session stopper spoke: the role the hub assumes in this account, and the forwarding of "
    "Device Farm calls to the hub (devicefarm-session-stopper)"
)


def create_spoke_app(
    stage: str | None = None, outdir: str | None = None
) -> tuple[App, SessionStopperSpokeStack]:
    """The spoke alone, with cdk.json's context (its stage names the default role and the
    resources, like the hub's); `stage` overrides cdk.json's."""
    defaults = read_context_defaults(ROOT / "cdk.json")
    context = {**defaults, **({"stage": stage} if stage else {})}
    app = App(context=context, outdir=outdir)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    config = load_config(app.node.try_get_context)
    stack = SessionStopperSpokeStack(
        app, spoke_stack_name(config.stage), config=config, description=DESCRIPTION
    )
    return app, stack


def synthesize_spoke(stage: str | None = None, outdir: str | None = None) -> dict[str, Any]:
    """The spoke's template; cdk-nag findings raise (RuntimeError, like the hub's synth)."""
    app, stack = create_spoke_app(stage, outdir)
    template: dict[str, Any] = app.synth().get_stack_by_name(stack.stack_name).template
    return template


def write_template(template: dict[str, Any], path: Path = TEMPLATE_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(template, indent=1) + "\n", encoding="utf-8")
    return path


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Build the spoke's CloudFormation template")
    parser.add_argument("--stage", default="", help="the hub's stage (default: cdk.json's)")
    parser.add_argument("--output", type=Path, default=TEMPLATE_PATH)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spoke-synth-") as outdir:
        try:
            template = synthesize_spoke(args.stage or None, outdir)
        except ConfigError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        except RuntimeError as error:
            if "ValidationFailed" not in str(error):
                raise
            print("error: cdk-nag reported findings (listed above)", file=sys.stderr)
            return 1
    path = write_template(template, args.output)
    print(f"spoke-template: wrote {_shown(path)}")
    return 0


def _shown(path: Path) -> str:
    try:
        # Not resolved: build/ may be a link to a directory elsewhere.
        return str(path.absolute().relative_to(ROOT))
    except ValueError:
        return str(path)


if __name__ == "__main__":
    sys.exit(main())
