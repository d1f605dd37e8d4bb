"""The REST API: two POST methods, AWS_IAM everywhere, bodies validated, logged and throttled."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk.assertions import Match

from tests.infra.conftest import Synthesized

pytestmark = pytest.mark.synth


def methods(stack: Synthesized) -> list[dict[str, Any]]:
    return [method["Properties"] for method in stack.resources("AWS::ApiGateway::Method").values()]


def test_only_the_two_post_methods_exist_and_cors_is_off(default_stack: Synthesized) -> None:
    paths = {
        resource["Properties"]["PathPart"]
        for resource in default_stack.resources("AWS::ApiGateway::Resource").values()
    }
    assert paths == {"sessions", "stop", "sweeps"}
    assert sorted(method["HttpMethod"] for method in methods(default_stack)) == ["POST", "POST"]


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
        assert set(method["RequestModels"]) == {"application/json"}
        assert method["Integration"]["Type"] == "AWS_PROXY"


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
    assert properties["projectArns"]["maxItems"] == 1000
    assert properties["projectArns"]["items"] == {"type": "string", "maxLength": 1011}
    assert properties["dryRun"] == {"type": ["boolean", "null"]}


def test_a_refused_body_is_answered_in_the_functions_error_shape(
    default_stack: Synthesized,
) -> None:
    [response] = default_stack.resources("AWS::ApiGateway::GatewayResponse").values()
    properties = response["Properties"]
    assert (properties["ResponseType"], properties["StatusCode"]) == ("BAD_REQUEST_BODY", "400")
    template = properties["ResponseTemplates"]["application/json"]
    assert '"code": "INVALID_BODY"' in template
    assert "$context.error.validationErrorString" in template
    assert '"requestId": "$context.requestId"' in template


def test_stage_is_throttled_traced_and_access_logged(default_stack: Synthesized) -> None:
    access_logs = default_stack.logical_id("AWS::Logs::LogGroup", "AccessLogs")
    default_stack.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "StageName": "dev",
            "TracingEnabled": True,
            "AccessLogSetting": {
                "DestinationArn": {"Fn::GetAtt": [access_logs, "Arn"]},
                "Format": Match.string_like_regexp(r"\$context\.identity\.caller"),
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


def test_account_logging_role_is_optional(
    default_stack: Synthesized, narrow_stack: Synthesized
) -> None:
    default_stack.template.resource_count_is("AWS::ApiGateway::Account", 1)
    narrow_stack.template.resource_count_is("AWS::ApiGateway::Account", 0)


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
