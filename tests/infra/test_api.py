"""The REST API: POST stop, sweep (and extend with timers), GET /sessions, AWS_IAM everywhere,
bodies validated, logged and throttled."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template

from infra.constructs import api as api_module
from infra.constructs.api import GATEWAY_ERROR_TEMPLATE, INVALID_BODY_TEMPLATE, StopperApi
from tests.infra.conftest import Synthesized, placeholder_function
from tests.infra.test_config import load

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.synth


def methods(stack: Synthesized) -> list[dict[str, Any]]:
    return [method["Properties"] for method in stack.resources("AWS::ApiGateway::Method").values()]


@pytest.mark.parametrize(
    ("which", "paths"),
    [
        ("default_stack", {"sessions", "stop", "extend", "sweeps"}),
        # sessionTimers=false: no timer to move, so no /sessions/extend.
        ("narrow_stack", {"sessions", "stop", "sweeps"}),
    ],
)
def test_only_the_documented_methods_exist_and_cors_is_off(
    which: str, paths: set[str], request: pytest.FixtureRequest
) -> None:
    stack: Synthesized = request.getfixturevalue(which)
    found = {
        resource["Properties"]["PathPart"]
        for resource in stack.resources("AWS::ApiGateway::Resource").values()
    }
    assert found == paths
    verbs = sorted(method["HttpMethod"] for method in methods(stack))
    # Every resource but /sessions takes a POST; /sessions itself answers GET (read-only).
    assert verbs == ["GET"] + ["POST"] * (len(paths) - 1)
    assert all(method["AuthorizationType"] == "AWS_IAM" for method in methods(stack))


def test_extend_method_requires_aws_iam_and_a_valid_body(default_stack: Synthesized) -> None:
    (extend,) = [
        logical_id
        for logical_id, resource in default_stack.resources("AWS::ApiGateway::Resource").items()
        if resource["Properties"]["PathPart"] == "extend"
    ]
    (method,) = [m for m in methods(default_stack) if m["ResourceId"] == {"Ref": extend}]
    assert method["HttpMethod"] == "POST"
    assert method["AuthorizationType"] == "AWS_IAM"
    validator = default_stack.only_id("AWS::ApiGateway::RequestValidator")
    assert method["RequestValidatorId"] == {"Ref": validator}
    model = {"Ref": default_stack.logical_id("AWS::ApiGateway::Model", "ExtendSessionBody")}
    assert method["RequestModels"] == {"application/json": model, "$default": model}


def test_extend_body_schema_bounds_the_arn_and_the_minutes(default_stack: Synthesized) -> None:
    """Same bounds as the function's ExtendSession model: an ARN Device Farm accepts, whole
    minutes from 1 to Device Farm's 150-minute session limit, and an optional client token."""
    schema = _model_schema(default_stack, "ExtendSessionBody")
    assert schema["required"] == ["arn", "minutes"]
    assert schema["additionalProperties"] is False
    assert schema["properties"] == {
        "arn": {"type": "string", "maxLength": 1011},
        "minutes": {"type": "integer", "minimum": 1, "maximum": 150},
        "clientToken": {"type": ["string", "null"], "maxLength": 64},
    }
    function_side = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    command = function_side["components"]["schemas"]["ExtendCommand"]
    assert command["required"] == schema["required"]
    assert set(command["properties"]) == set(schema["properties"])
    minutes = command["properties"]["minutes"]
    assert (minutes["type"], minutes["minimum"], minutes["maximum"]) == ("integer", 1, 150)
    [token, _null] = command["properties"]["clientToken"]["anyOf"]
    assert token["maxLength"] == schema["properties"]["clientToken"]["maxLength"]


def test_every_method_requires_aws_iam(default_stack: Synthesized) -> None:
    assert methods(default_stack)
    for method in methods(default_stack):
        assert method["AuthorizationType"] == "AWS_IAM"


def test_every_method_validates_its_body_against_a_model(default_stack: Synthesized) -> None:
    validator_id = default_stack.only_id("AWS::ApiGateway::RequestValidator")
    default_stack.template.has_resource_properties(
        "AWS::ApiGateway::RequestValidator", {"ValidateRequestBody": True}
    )
    for method in methods(default_stack):
        assert method["RequestValidatorId"] == {"Ref": validator_id}
        assert method["Integration"]["Type"] == "AWS_PROXY"


def test_every_content_type_is_validated_not_only_application_json(
    default_stack: Synthesized,
) -> None:
    """`$default` applies the model to any other content type (`text/plain`,
    `application/merge-patch+json`, ...), so no content type bypasses the size and shape limit.
    GET /sessions reads no body (the function ignores one)."""
    for method in methods(default_stack):
        if method["HttpMethod"] == "GET":
            assert "RequestModels" not in method
            continue
        models = method["RequestModels"]
        assert set(models) == {"application/json", "$default"}
        assert models["$default"] == models["application/json"]


def test_stop_body_schema_bounds_the_arn(default_stack: Synthesized) -> None:
    schema = _model_schema(default_stack, "StopSessionBody")
    assert schema["required"] == ["arn"]
    assert schema["additionalProperties"] is False
    assert schema["properties"] == {"arn": {"type": "string", "maxLength": 1011}}


def test_sweep_body_schema_is_closed_and_bounded(default_stack: Synthesized) -> None:
    """Same bounds as the function's SweepCommand model (docs/openapi.json)."""
    schema = _model_schema(default_stack, "SweepBody")
    assert schema["additionalProperties"] is False
    properties = schema["properties"]
    assert set(properties) == {"action", "maxAgeMinutes", "projectArns", "dryRun"}
    assert properties["action"] == {"type": "string", "enum": ["sweep"]}
    assert properties["maxAgeMinutes"] == {
        "type": ["number", "null"],
        "minimum": 0,
        "maximum": 100000,
    }
    assert properties["projectArns"]["type"] == ["array", "null"]
    function_side = json.loads((ROOT / "docs" / "openapi.json").read_text(encoding="utf-8"))
    [projects] = [
        option
        for option in function_side["components"]["schemas"]["SweepCommand"]["properties"][
            "projectArns"
        ]["anyOf"]
        if option["type"] == "array"
    ]
    assert properties["projectArns"]["maxItems"] == projects["maxItems"] == 50
    assert properties["projectArns"]["items"] == {"type": "string", "maxLength": 1011}
    assert properties["dryRun"] == {"type": ["boolean", "null"]}


def gateway_responses(stack: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        response["Properties"]["ResponseType"]: response["Properties"]
        for response in stack.resources("AWS::ApiGateway::GatewayResponse").values()
    }


def test_gateway_errors_are_answered_in_the_functions_error_shape(
    default_stack: Synthesized,
) -> None:
    responses = gateway_responses(default_stack)
    assert set(responses) == {"BAD_REQUEST_BODY", "DEFAULT_4XX", "DEFAULT_5XX"}
    assert responses["BAD_REQUEST_BODY"]["StatusCode"] == "400"
    # The others keep the status API Gateway chose (403, 404, 413, 429, 502, 504, ...).
    assert "StatusCode" not in responses["DEFAULT_4XX"]
    assert "StatusCode" not in responses["DEFAULT_5XX"]
    for response in responses.values():
        assert set(response["ResponseTemplates"]) == {"application/json"}


def test_stage_is_throttled_traced_and_access_logged(default_stack: Synthesized) -> None:
    access_logs = default_stack.logical_id("AWS::Logs::LogGroup", "AccessLogs")
    default_stack.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": [access_logs, "Arn"]},
                "Format": Match.any_value(),
            },
            "MethodSettings": [
                Match.object_like(
                    {
                        "HttpMethod": "*",
                        "ResourcePath": "/*",
                        "LoggingLevel": "ERROR",
                        "DataTraceEnabled": False,
                        "ThrottlingRateLimit": 5,
                        "ThrottlingBurstLimit": 10,
                    }
                )
            ],
        },
    )


def test_access_log_names_the_caller(default_stack: Synthesized) -> None:
    stage = default_stack.only("AWS::ApiGateway::Stage")["Properties"]
    fields = json.loads(stage["AccessLogSetting"]["Format"])
    assert fields["userArn"] == "$context.identity.userArn"
    assert fields["accountId"] == "$context.identity.accountId"
    for standard in ("requestId", "ip", "caller", "user", "requestTime", "httpMethod"):
        assert standard in fields
    assert {"resourcePath", "status", "protocol", "responseLength"} <= set(fields)


def test_execution_log_group_exists_before_the_stage_with_retention(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    """API Gateway would create `API-Gateway-Execution-Logs_<api id>/<stage>` itself, with no
    retention; the stack creates it first, so every log group it causes has one."""
    for stack, stage, days in ((default_stack, "dev", 30), (narrow_stack, "prod", 90)):
        log_group_id = stack.logical_id("AWS::Logs::LogGroup", "API-Gateway-Execution-Logs_")
        log_group = stack.raw["Resources"][log_group_id]
        assert log_group["Properties"]["LogGroupName"] == {
            "Fn::Join": [
                "",
                [
                    "API-Gateway-Execution-Logs_",
                    {"Ref": stack.only_id("AWS::ApiGateway::RestApi")},
                    f"/{stage}",
                ],
            ]
        }
        assert log_group["Properties"]["RetentionInDays"] == days
        assert (
            log_group_id
            in stack.resources("AWS::ApiGateway::Stage")[stack.only_id("AWS::ApiGateway::Stage")][
                "DependsOn"
            ]
        )
    for stack in (default_stack, narrow_stack):
        for log_group in stack.resources("AWS::Logs::LogGroup").values():
            assert "RetentionInDays" in log_group["Properties"]


def test_resource_policy_refuses_other_accounts(default_stack: Synthesized) -> None:
    policy = default_stack.only("AWS::ApiGateway::RestApi")["Properties"]["Policy"]
    assert policy["Statement"] == [
        {
            "Sid": "DenyOtherAccounts",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
            "Condition": {"StringNotEquals": {"aws:PrincipalAccount": {"Ref": "AWS::AccountId"}}},
        }
    ]


def test_a_policy_change_makes_a_new_deployment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A REST API's resource policy applies only after a deployment: the deployment's logical
    id must change with it, or the stage would keep serving under the old policy."""

    def deployment_id() -> str:
        stack = Stack(App(), "ApiOnly")
        function = placeholder_function(stack)
        StopperApi(stack, "Api", config=load(), function=function)
        (logical_id,) = Template.from_stack(stack).find_resources("AWS::ApiGateway::Deployment")
        return logical_id

    before = deployment_id()
    assert deployment_id() == before  # deterministic

    def other_policy() -> iam.PolicyDocument:
        return iam.PolicyDocument(
            statements=[
                iam.PolicyStatement(
                    effect=iam.Effect.DENY,
                    principals=[iam.AnyPrincipal()],
                    actions=["execute-api:Invoke"],
                    resources=["execute-api:/*"],
                )
            ]
        )

    monkeypatch.setattr(api_module, "resource_policy", lambda _config: other_policy())
    assert deployment_id() != before


def test_account_logging_role_is_opt_in(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    """By default the stack changes no account-wide setting; `createApiGatewayLogsRole=true`
    creates the role and sets it on the account (retained: other APIs may use it)."""
    default_stack.template.resource_count_is("AWS::ApiGateway::Account", 0)
    narrow_stack.template.resource_count_is("AWS::ApiGateway::Account", 1)
    roles = narrow_stack.resources("AWS::IAM::Role")
    (logging_role,) = [
        role
        for role in roles.values()
        if role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "apigateway.amazonaws.com"}
    ]
    assert logging_role["DeletionPolicy"] == "Retain"


def test_invoke_url_is_an_output(default_stack: Synthesized) -> None:
    outputs = default_stack.raw["Outputs"]
    rest_api = default_stack.only_id("AWS::ApiGateway::RestApi")
    assert {"Ref": rest_api} in outputs["ApiUrl"]["Value"]["Fn::Join"][1]
    assert "StopSessionUrl" in outputs


def _model_schema(stack: Synthesized, name: str) -> dict[str, Any]:
    model = stack.resources("AWS::ApiGateway::Model")[
        stack.logical_id("AWS::ApiGateway::Model", name)
    ]
    assert model["Properties"]["ContentType"] == "application/json"
    schema: dict[str, Any] = model["Properties"]["Schema"]
    return schema


def test_gateway_response_templates_are_the_tested_ones(default_stack: Synthesized) -> None:
    """tests/infra/test_gateway_responses.py renders these templates over generated messages."""
    responses = gateway_responses(default_stack)
    assert responses["BAD_REQUEST_BODY"]["ResponseTemplates"] == {
        "application/json": INVALID_BODY_TEMPLATE
    }
    for response_type in ("DEFAULT_4XX", "DEFAULT_5XX"):
        assert responses[response_type]["ResponseTemplates"] == {
            "application/json": GATEWAY_ERROR_TEMPLATE
        }
