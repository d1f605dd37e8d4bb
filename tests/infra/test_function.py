"""The function: runtime, code asset, dependencies layer, environment, logs and async config."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk.assertions import Match

from infra import function_asset
from infra.bytecode import find_compiler
from infra.lambda_deps import BUILD_DIR, input_key
from session_stopper.config import SETTING_VARIABLES
from tests.infra.conftest import NARROW_CONTEXT, Synthesized

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.synth


def test_runtime_architecture_and_sizing(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "FunctionName": "session-stopper-dev-function",
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "session_stopper.handler.lambda_handler",
            "MemorySize": 256,
            "Timeout": 300,
            "TracingConfig": {"Mode": "Active"},
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "WARN",
                "LogGroup": {"Ref": Match.string_like_regexp("^StopperLogGroup")},
            },
        },
    )


def test_environment_matches_the_contract(default_stack: Synthesized) -> None:
    variables = default_stack.only("AWS::Lambda::Function")["Properties"]["Environment"][
        "Variables"
    ]
    assert variables == {
        "OUTCOME_TOPIC_ARN": {"Ref": default_stack.logical_id("AWS::SNS::Topic", "outcomes")},
        "OUTCOME_DLQ_URL": {"Ref": default_stack.queue_id("session-stopper-dev-outcome-dlq")},
        "IDEMPOTENCY_TABLE_NAME": {"Ref": default_stack.only_id("AWS::DynamoDB::Table")},
        "IDEMPOTENCY_WINDOW_SECONDS": "300",
        "DEVICE_FARM_ACCOUNT_ID": {"Ref": "AWS::AccountId"},
        "DEVICE_FARM_REGION": "us-west-2",
        "DEVICE_FARM_MAX_ATTEMPTS": "5",
        "SWEEP_MAX_AGE_MINUTES": "60",
        "SWEEP_MIN_AGE_MINUTES": "30",
        # A project's tag sets at most the default budget.
        "MAX_TAG_BUDGET_MINUTES": "60",
        "SWEEP_PROJECT_ARNS": "",
        "SWEEP_WORKERS": "8",
        # A first deploy reports what sweeps would stop and stops nothing on its own.
        "SWEEP_DRY_RUN": "true",
        "PROTECTED_NAME_PATTERN": "",
        # No alarm may stop sessions until one is named.
        "SESSION_ALARM_NAMES": "",
        "SESSION_ALARM_NAME_PREFIX": "",
        "KILL_SWITCH_ALARM_NAMES": "",
        # A kill switch stops protected names and exempt projects too.
        "KILL_SWITCH_SPARES_EXEMPT": "false",
        "ALARM_MAX_AGE_MINUTES": "10",
        "PRICE_PER_DEVICE_MINUTE": "0.17",
        "POWERTOOLS_SERVICE_NAME": "session-stopper",
        "POWERTOOLS_METRICS_NAMESPACE": "DeviceFarmSessionStopper",
        # X-Ray SDK subsegments are opt-in (sdkTracing): the SDK is never imported.
        "POWERTOOLS_TRACE_DISABLED": "true",
        # No chat channel by default: no chat topic to tell.
        "CHAT_TOPIC_ARN": "",
        "CHAT_OUTCOMES": "STOPPED,FAILED,SKIPPED",
        # A sweep that runs out of time continues by invoking this: the `live` alias.
        "CONTINUATION_TARGET_ARN": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":lambda:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":function:session-stopper-dev-function:live",
                ],
            ]
        },
        # Timers are on by default; the target is the function's own ARN, spelled out from its
        # fixed name (its Arn attribute here would make the function reference itself).
        "TIMER_SCHEDULE_GROUP": "session-stopper-dev-timers",
        "TIMER_ROLE_ARN": {
            "Fn::GetAtt": [default_stack.logical_id("AWS::IAM::Role", "Timers"), "Arn"]
        },
        "TIMER_TARGET_ARN": {
            "Fn::Join": [
                "",
                [
                    "arn:",
                    {"Ref": "AWS::Partition"},
                    ":lambda:",
                    {"Ref": "AWS::Region"},
                    ":",
                    {"Ref": "AWS::AccountId"},
                    ":function:session-stopper-dev-function:live",
                ],
            ]
        },
        "WARNING_LEAD_MINUTES": "5",
        "MAX_EXTENSION_MINUTES": "60",
    }


def test_narrowed_environment(narrow_stack: Synthesized) -> None:
    function = narrow_stack.only("AWS::Lambda::Function")["Properties"]
    variables = function["Environment"]["Variables"]
    assert variables["SWEEP_PROJECT_ARNS"] == ",".join(NARROW_CONTEXT["projectArns"])
    assert variables["PROTECTED_NAME_PATTERN"] == "keep-.*"
    assert variables["SWEEP_DRY_RUN"] == "false"
    assert variables["SWEEP_MIN_AGE_MINUTES"] == "0"
    assert variables["SESSION_ALARM_NAMES"] == "qa-lab-budget,qa-lab-runaway"
    assert variables["SESSION_ALARM_NAME_PREFIX"] == "qa-stop-"
    assert variables["KILL_SWITCH_ALARM_NAMES"] == "qa-lab-kill-switch"
    assert variables["KILL_SWITCH_SPARES_EXEMPT"] == "true"
    assert variables["MAX_TAG_BUDGET_MINUTES"] == "120"
    assert variables["ALARM_MAX_AGE_MINUTES"] == "5"
    assert function["MemorySize"] == 512
    assert variables["POWERTOOLS_TRACE_DISABLED"] == "false"  # sdkTracing=true
    # sessionTimers=false: the function runs without timers (no group, no variables).
    assert not {name for name in variables if name.startswith("TIMER_")}
    assert "WARNING_LEAD_MINUTES" not in variables
    assert "MAX_EXTENSION_MINUTES" not in variables


def test_lambda_active_tracing_stays_on_without_the_sdk(default_stack: Synthesized) -> None:
    """sdkTracing=false drops the SDK's subsegments only: Lambda still traces every invoke."""
    function = default_stack.only("AWS::Lambda::Function")["Properties"]
    assert function["TracingConfig"] == {"Mode": "Active"}
    assert function["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == "true"


def test_reserved_concurrency_caps_the_function_unless_set_to_zero(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    default = default_stack.only("AWS::Lambda::Function")["Properties"]
    assert default["ReservedConcurrentExecutions"] == 10
    # 0 means "no reservation" (Lambda would read a reservation of 0 as "never run").
    narrow = narrow_stack.only("AWS::Lambda::Function")["Properties"]
    assert "ReservedConcurrentExecutions" not in narrow


def test_dependencies_are_the_functions_own_layer_not_a_public_one(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    """One layer, built by this stack from the pins (arm64, Python 3.13); no SSM lookup, no
    public Powertools layer ARN, in every configuration."""
    for stack in (default_stack, narrow_stack):
        layers = stack.only("AWS::Lambda::Function")["Properties"]["Layers"]
        assert layers == [{"Ref": stack.only_id("AWS::Lambda::LayerVersion")}]
        # The CDK's own bootstrap-version check is the only parameter (it is an SSM one too).
        assert set(stack.raw.get("Parameters", {})) <= {"BootstrapVersion"}
        assert ":layer:" not in str(stack.raw["Resources"])
    layer = default_stack.only("AWS::Lambda::LayerVersion")["Properties"]
    assert layer["CompatibleRuntimes"] == ["python3.13"]
    assert layer["CompatibleArchitectures"] == ["arm64"]
    # The key of the pins it was built from, so a deployed layer says what it holds (with
    # bytecode where this machine has a CPython 3.13 to compile it, as make lambda-deps builds).
    assert input_key(bytecode=find_compiler() is not None)[:12] in layer["Description"]


def files(root: Path) -> dict[str, int]:
    """Every file under `root`: its path relative to it and its size."""
    return {
        path.relative_to(root).as_posix(): path.stat().st_size
        for path in root.rglob("*")
        if path.is_file()
    }


def test_layer_asset_is_the_built_directory(default_stack: Synthesized) -> None:
    """The staged asset is build/lambda-deps file for file: python/ and nothing else."""
    content = default_stack.only("AWS::Lambda::LayerVersion")["Properties"]["Content"]
    asset_dir = default_stack.outdir / f"asset.{content['S3Key'].removesuffix('.zip')}"
    assert sorted(path.name for path in asset_dir.iterdir()) == ["python"]
    assert files(asset_dir) == files(BUILD_DIR)
    assert (asset_dir / "python" / "boto3" / "__init__.py").is_file()


def test_code_asset_is_the_staged_package(default_stack: Synthesized) -> None:
    """Issue 17: the function's Code is build/function-asset/<key> file for file (the package,
    with its CPython 3.13 bytecode where a 3.13 compiled it), not lambda_src itself."""
    code = default_stack.only("AWS::Lambda::Function")["Properties"]["Code"]
    asset_dir = default_stack.outdir / f"asset.{code['S3Key'].removesuffix('.zip')}"
    staged = function_asset.build()
    assert sorted(path.name for path in asset_dir.iterdir()) == ["session_stopper"]
    assert files(asset_dir) == files(staged.path)
    handler = asset_dir / "session_stopper" / "handler.py"
    assert handler.is_file()
    compiled = handler.parent / "__pycache__" / "handler.cpython-313.pyc"
    assert staged.bytecode is (find_compiler() is not None)
    assert compiled.is_file() is staged.bytecode


def test_own_log_group_with_retention_is_kept(default_stack: Synthesized) -> None:
    log_group = default_stack.resources("AWS::Logs::LogGroup")[
        default_stack.logical_id("AWS::Logs::LogGroup", "StopperLogGroup")
    ]
    assert log_group["Properties"]["RetentionInDays"] == 30
    assert log_group["DeletionPolicy"] == "Retain"


def test_async_invoke_retries_then_parks_in_an_encrypted_queue(default_stack: Synthesized) -> None:
    default_stack.template.has_resource_properties(
        "AWS::Lambda::EventInvokeConfig",
        {
            "Qualifier": "live",
            "MaximumRetryAttempts": 2,
            "DestinationConfig": {
                "OnFailure": {
                    "Destination": {
                        "Fn::GetAtt": [
                            default_stack.queue_id("session-stopper-dev-async-failures"),
                            "Arn",
                        ]
                    }
                }
            },
        },
    )
    default_stack.template.has_resource_properties(
        "AWS::SQS::Queue",
        {"QueueName": "session-stopper-dev-async-failures", "SqsManagedSseEnabled": True},
    )


MULTI_ACCOUNT_VARIABLES = {
    "MEMBER_ACCOUNTS",
    "ORGANIZATION_UNIT_IDS",
    "HUB_ACCOUNT_IN_SCOPE",
    "SPOKE_ROLE_NAME",
    "SPOKE_EXTERNAL_ID",
}


def _variables(stack: Synthesized) -> set[str]:
    variables = stack.only("AWS::Lambda::Function")["Properties"]["Environment"]["Variables"]
    return {name for name in variables if not name.startswith("POWERTOOLS_")}


def test_stack_sets_exactly_the_variables_the_function_reads(
    default_stack: Synthesized, multi_account_stack: Synthesized
) -> None:
    """The stack and session_stopper/config.py agree on every setting's name: the hub's own
    settings always, the member accounts' in multi-account mode only."""
    assert _variables(default_stack) == set(SETTING_VARIABLES) - MULTI_ACCOUNT_VARIABLES
    assert _variables(multi_account_stack) == set(SETTING_VARIABLES)
