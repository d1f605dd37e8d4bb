"""What `make synth | diff | deploy | destroy | bootstrap` hand the CDK CLI (issue 17): every
option is one the pinned CLI's own `--help` lists for that command (`cdk diff --all` was not),
and STAGE= / CONTEXT= reach synth, diff and deploy alike.

The Makefile's command lines are read with `make -n` (nothing runs), then turned into the CLI's
argument lists by infra/cdk_cli.py's own functions. The CLI's help comes from the pinned
aws-cdk package, installed from the npm registry by the first command that needs it.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from infra import cdk_cli

ROOT = Path(__file__).resolve().parents[2]
# The setup's stamps: the venv is taken as it is, no layer is installed again.
KEEP_VENV = [
    "-o",
    ".venv/.installed-local",
    "-o",
    ".venv/.installed-cdk",
    "-o",
    ".venv/.installed-dev",
]
STAGE = "prod"
CONTEXT = "-c sweepDryRun=false -c notificationEmails=qa@example.com"
# An option at the start of a help line, with its aliases: "  --context, -c   Add ...".
OPTION_LINE = re.compile(r"^ {2}(-{1,2}[\w-]+(?:, -{1,2}[\w-]+)*)")


def make_dry_run(target: str) -> list[str]:
    """The `python -m infra.cdk_cli ...` words `make <target> STAGE= CONTEXT=` would run."""
    ran = subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-n",
            *KEEP_VENV,
            target,
            f"STAGE={STAGE}",
            f"CONTEXT={CONTEXT}",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    (line,) = [line for line in ran.stdout.splitlines() if "-m infra.cdk_cli" in line]
    words = shlex.split(line)
    return words[words.index("infra.cdk_cli") + 1 :]


def cli_arguments(target: str) -> list[str]:
    """What infra/cdk_cli.py passes the CDK CLI for the Makefile's command line."""
    parsed = cdk_cli.parse_args(make_dry_run(target))
    stage, extra = parsed.stage or None, parsed.cdk_args
    if target == "diff":
        return cdk_cli.diff_arguments(stage, extra)
    if target == "deploy":
        return cdk_cli.deploy_arguments(stage, extra, cdk_cli.outputs_path(stage, extra))
    if target == "destroy":
        return cdk_cli.destroy_arguments(stage, extra)
    return cdk_cli.bootstrap_arguments(["aws://123456789012/eu-west-1"], extra)


def options_in(help_text: str) -> set[str]:
    found: set[str] = set()
    for line in help_text.splitlines():
        match = OPTION_LINE.match(line)
        if match:
            found |= set(match[1].split(", "))
    return found


@pytest.fixture(scope="module")
def cli_options() -> Callable[[str], set[str]]:
    """The options the pinned CLI documents for a command (`cdk <command> --help`)."""
    script = cdk_cli.ensure_cli()

    def options(command: str) -> set[str]:
        shown = subprocess.run(
            [str(cdk_cli.bundled_node()), str(script), command, "--help"],
            cwd=ROOT,
            env=cdk_cli.node_environment(),
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
        return options_in(shown.stdout)

    return options


def test_the_help_parser_reads_options_and_their_aliases() -> None:
    text = (
        "cdk diff [STACKS..]\n\nOptions:\n"
        "  --context, -c                     Add contextual string parameter (KEY=VALUE)\n"
        "  --version-reporting, --telemetry  Disable CLI telemetry\n"
        "                                    --not-an-option in a description\n"
    )
    assert options_in(text) == {"--context", "-c", "--version-reporting", "--telemetry"}


@pytest.mark.parametrize("target", ["diff", "deploy", "destroy", "bootstrap"])
def test_every_option_the_makefile_passes_is_one_the_cli_takes(
    target: str, cli_options: Callable[[str], set[str]]
) -> None:
    args = cli_arguments(target)
    assert args[0] == target
    known = cli_options(target)
    assert len(known) > 20, "the help listed no options: has its layout changed?"
    passed = {arg.split("=", 1)[0] for arg in args if arg.startswith("-")}
    assert passed - known == set(), f"cdk {target} does not take these"


def test_synth_diff_and_deploy_get_the_same_stage_and_context() -> None:
    """`make synth STAGE=prod CONTEXT=...` synthesizes what `make deploy` would deploy."""
    seen = {
        target: cdk_cli.parse_args(make_dry_run(target)) for target in ("synth", "diff", "deploy")
    }
    for target, parsed in seen.items():
        assert (parsed.command, parsed.stage, parsed.cdk_args) == (
            target,
            STAGE,
            shlex.split(CONTEXT),
        )


# -- make synth: the same context, offline ---------------------------------------------------


@pytest.mark.synth
def test_synth_takes_the_stage_and_context_and_shows_the_cdk_warnings(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "cdk.out"
    assert cdk_cli.synth("prod", ["-c", "sweepDryRun=false"], outdir=out) == 0
    template = (out / "SessionStopper-prod.template.json").read_text(encoding="utf-8")
    assert '"SWEEP_DRY_RUN":"false"' in template.replace(" ", "").replace("\n", "")
    printed = capsys.readouterr().out
    # The CDK's own warnings, as the CLI would print them (this synth has no region).
    assert "[Warning at /SessionStopper-prod/" in printed
    assert "SnapStart only supports published Lambda versions" in printed
    assert "region is unknown at synth" in printed


@pytest.mark.parametrize(
    ("context", "suggestion"),
    [("sweepDryrun=false", "sweepDryRun"), ("sweepMaxAgeMinutes=90", "maxSessionMinutes")],
)
def test_synth_refuses_a_misspelled_key_naming_the_closest(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], context: str, suggestion: str
) -> None:
    key = context.split("=", maxsplit=1)[0]
    assert cdk_cli.synth(None, ["-c", context], outdir=tmp_path / "out") == 1
    assert (
        f"error: command-line (-c) context '{key}': is not a setting of this app; "
        f"did you mean '{suggestion}'?"
    ) in capfd.readouterr().err


def test_synth_refuses_cli_options_it_cannot_honour(tmp_path: Path) -> None:
    with pytest.raises(cdk_cli.CliError, match="make synth takes only `-c key=value`"):
        cdk_cli.synth(None, ["--require-approval", "never"], outdir=tmp_path)
