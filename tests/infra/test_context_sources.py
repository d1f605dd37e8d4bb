"""A bad context value names where it came from: cdk.json, or -c on top of it (issue 11).

No synth: every case fails before any construct is built. `logLevel` is read in any case.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import app
from infra.config import StackConfig, load_config
from infra.context_keys import context_source, read_cached_context, read_context_defaults
from infra.context_values import CDK_CONTEXT_JSON, CDK_JSON, COMMAND_LINE, ConfigError

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = read_context_defaults(ROOT / "cdk.json")


def load(**overrides: Any) -> StackConfig:
    context = {**DEFAULTS, **overrides}
    return load_config(context.get)


@pytest.mark.parametrize(
    ("given", "level"),
    [("debug", "DEBUG"), ("Info", "INFO"), (" warn ", "WARN"), ("ERROR", "ERROR")],
)
def test_log_level_is_read_in_any_case(given: str, level: str) -> None:
    assert load(logLevel=given).log_level == level


@pytest.mark.parametrize("given", ["verbose", "WARNING", "", 10])
def test_an_unknown_log_level_still_fails_naming_the_levels(given: object) -> None:
    with pytest.raises(ConfigError, match="'logLevel': must be one of DEBUG, ERROR, INFO, WARN"):
        load(logLevel=given)


@pytest.fixture
def project_with_cdk_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The app reading its cdk.json from a copy of the project's files that the test may edit."""
    shutil.copy(ROOT / "cdk.json", tmp_path / "cdk.json")
    monkeypatch.setattr(app, "ROOT", tmp_path)
    return tmp_path


def _set_in_cdk_json(project: Path, **values: Any) -> None:
    path = project / "cdk.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    document["context"].update(values)
    path.write_text(json.dumps(document), encoding="utf-8")


def test_a_bad_value_in_cdk_json_is_named_as_cdk_json(project_with_cdk_json: Path) -> None:
    _set_in_cdk_json(project_with_cdk_json, memorySize=64)
    with pytest.raises(ConfigError) as raised:
        app.create_app()
    assert raised.value.source == CDK_JSON
    assert str(raised.value) == (
        "cdk.json context 'memorySize': must be a whole number from 128 to 10240 (got 64)"
    )


def test_a_bad_value_given_with_c_is_named_as_the_command_line(
    project_with_cdk_json: Path,
) -> None:
    with pytest.raises(ConfigError) as raised:
        app.create_app(context={"memorySize": "lots"})
    assert raised.value.source == COMMAND_LINE
    assert str(raised.value) == (
        "command-line (-c) context 'memorySize': must be a whole number from 128 to 10240 "
        "(got 'lots', overriding cdk.json's 256)"
    )


def test_the_same_value_on_both_is_cdk_json_s(project_with_cdk_json: Path) -> None:
    """The CLI passes cdk.json's values along with -c: equal to cdk.json's means from there."""
    _set_in_cdk_json(project_with_cdk_json, logLevel="VERBOSE")
    with pytest.raises(ConfigError, match=r"^cdk.json context 'logLevel': must be one of"):
        app.create_app(context={"logLevel": "VERBOSE"})


def test_a_value_from_cdk_context_json_is_named_as_that_file(project_with_cdk_json: Path) -> None:
    (project_with_cdk_json / "cdk.context.json").write_text(
        json.dumps({"sweepWorkers": 99}), encoding="utf-8"
    )
    with pytest.raises(ConfigError) as raised:
        app.create_app(context={"sweepWorkers": 99})
    assert str(raised.value).startswith(
        "cdk.context.json context 'sweepWorkers': must be a whole number from 1 to 32"
    )


def test_a_misspelled_key_given_with_c_is_named_as_the_command_line(
    project_with_cdk_json: Path,
) -> None:
    with pytest.raises(ConfigError) as raised:
        app.create_app(context={"sweepDryrun": "false"})
    assert str(raised.value) == (
        "command-line (-c) context 'sweepDryrun': is not a setting of this app; "
        "did you mean 'sweepDryRun'?"
    )


def test_a_cross_check_names_the_source_of_the_value_it_refuses(
    project_with_cdk_json: Path,
) -> None:
    """`-c maxSessionMinutes=5` makes cdk.json's warningLeadMinutes (5) come too late: the value
    refused is cdk.json's, and the message says what it must be less than."""
    with pytest.raises(ConfigError) as raised:
        app.create_app(context={"maxSessionMinutes": "5", "sweepMinAgeMinutes": "0"})
    assert str(raised.value).startswith(
        "cdk.json context 'warningLeadMinutes': must be less than maxSessionMinutes (5)"
    )


@pytest.mark.parametrize(
    ("context", "cached", "source"),
    [
        ({"stage": "dev"}, {}, CDK_JSON),
        ({}, {}, CDK_JSON),  # missing: cdk.json is where it belongs
        ({"stage": "Prod"}, {}, COMMAND_LINE),
        ({"stage": "Prod"}, {"stage": "Prod"}, CDK_CONTEXT_JSON),
        ({"stage": "Prod"}, {"stage": "other"}, COMMAND_LINE),
        ({"colour": "red"}, {}, COMMAND_LINE),  # a key cdk.json does not have
        ({"memorySize": "256"}, {}, COMMAND_LINE),  # -c gives text, cdk.json a number
    ],
)
def test_context_source(context: dict[str, Any], cached: dict[str, Any], source: str) -> None:
    key = next(iter(context), "stage")
    assert context_source(key, context, DEFAULTS, cached) == source


def test_cached_context_that_is_absent_or_unreadable_is_empty(tmp_path: Path) -> None:
    assert read_cached_context(tmp_path / "cdk.context.json") == {}
    (tmp_path / "cdk.context.json").write_text("not json", encoding="utf-8")
    assert read_cached_context(tmp_path / "cdk.context.json") == {}


def test_the_entry_point_names_the_command_line_for_a_c_value(tmp_path: Path) -> None:
    """What `cdk deploy -c logLevel=loud` prints: the CLI hands the app cdk.json's context
    with the -c values on top, as CDK_CONTEXT_JSON."""
    environment = {
        **os.environ,
        "CDK_OUTDIR": str(tmp_path),
        "CDK_CONTEXT_JSON": json.dumps({**DEFAULTS, "logLevel": "loud"}),
    }
    result = subprocess.run(
        [sys.executable, "app.py"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "error: command-line (-c) context 'logLevel': must be one of DEBUG, ERROR, INFO, WARN "
        "(got 'loud', overriding cdk.json's 'INFO')"
    )
