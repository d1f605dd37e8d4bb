"""The REST API: POST /sessions/stop and POST /sweeps, AWS_IAM on every method, bodies checked."""

from __future__ import annotations

from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.log_groups import retained_log_group
from infra.nag import acknowledge

# The gateway only bounds the body's size and shape; the function validates the values and
# answers with a precise error (a gateway rejection would only say "Invalid request body").
# Bounds mirror the function's own models (docs/openapi.json).
ARN_MAX_LENGTH = 1011  # Device Farm's ARN limit (botocore model)
MAX_PROJECTS_PER_SWEEP = 1000
MAX_AGE_MINUTES = 100_000
ARN_SCHEMA = apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=ARN_MAX_LENGTH)


def nullable(json_type: apigw.JsonSchemaType, **bounds: Any) -> apigw.JsonSchema:
    """An optional sweep setting: the function treats null like a missing key."""
    return apigw.JsonSchema(type=[json_type, apigw.JsonSchemaType.NULL], **bounds)


class StopperApi(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = retained_log_group(self, "AccessLogs", config=config)
        self.api = self._rest_api(config)
        validator = self.api.add_request_validator(
            "BodyValidator",
            request_validator_name=f"{config.name_prefix}-body",
            validate_request_body=True,
            # No method declares required parameters, so this only satisfies AwsSolutions-APIG2.
            validate_request_parameters=True,
        )
        # Proxy integration; no test-invoke permission, the console's test button is not needed.
        integration = apigw.LambdaIntegration(function, allow_test_invoke=False)
        sessions = self.api.root.add_resource("sessions")
        self._post(sessions.add_resource("stop"), integration, validator, self._stop_model())
        self._post(
            self.api.root.add_resource("sweeps"), integration, validator, self._sweep_model()
        )
        self._answer_like_the_function()
        self._acknowledge_findings()

    def _answer_like_the_function(self) -> None:
        """A body the gateway's validator refuses gets the function's error shape, so callers
        parse one format whichever layer said no."""
        body = (
            '{"error": {"code": "INVALID_BODY", '
            '"message": "$util.escapeJavaScript($context.error.validationErrorString)"}, '
            '"requestId": "$context.requestId"}'
        )
        self.api.add_gateway_response(
            "InvalidBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            status_code="400",
            templates={"application/json": body},
        )

    def _rest_api(self, config: StackConfig) -> apigw.RestApi:
        return apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{config.name_prefix}-api",
            description="Stops Device Farm remote access sessions (SigV4 callers only)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Access and execution logs need the account-wide API Gateway logging role.
            cloud_watch_role=config.create_api_gateway_logs_role,
            # That role is account-wide: other APIs may rely on it after this stack is gone.
            cloud_watch_role_removal_policy=(
                RemovalPolicy.RETAIN if config.create_api_gateway_logs_role else None
            ),
            default_method_options=apigw.MethodOptions(
                authorization_type=apigw.AuthorizationType.IAM
            ),
            deploy_options=apigw.StageOptions(
                stage_name=config.stage,
                throttling_rate_limit=config.api_throttle_rate_limit,
                throttling_burst_limit=config.api_throttle_burst_limit,
                access_log_destination=apigw.LogGroupLogDestination(self.access_logs),
                access_log_format=apigw.AccessLogFormat.json_with_standard_fields(
                    caller=True,
                    http_method=True,
                    ip=True,
                    protocol=True,
                    request_time=True,
                    resource_path=True,
                    response_length=True,
                    status=True,
                    user=True,
                ),
                logging_level=apigw.MethodLoggingLevel.ERROR,
                # Request bodies hold only ARNs, but keep full request logging off anyway.
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )

    def _post(
        self,
        resource: apigw.Resource,
        integration: apigw.Integration,
        validator: apigw.RequestValidator,
        model: apigw.Model,
    ) -> None:
        resource.add_method(
            "POST",
            integration,
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
            request_models={"application/json": model},
        )

    def _stop_model(self) -> apigw.Model:
        # REST APIs have no body-size limit of their own: a closed schema with bounded strings
        # keeps every body that reaches the function small.
        return self.api.add_model(
            "StopSessionBody",
            content_type="application/json",
            model_name="StopSessionBody",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                title="StopSessionBody",
                type=apigw.JsonSchemaType.OBJECT,
                required=["arn"],
                additional_properties=False,
                properties={"arn": ARN_SCHEMA},
            ),
        )

    def _sweep_model(self) -> apigw.Model:
        return self.api.add_model(
            "SweepBody",
            content_type="application/json",
            model_name="SweepBody",
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                title="SweepBody",
                type=apigw.JsonSchemaType.OBJECT,
                additional_properties=False,
                properties={
                    "action": apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, enum=["sweep"]),
                    "maxAgeMinutes": nullable(
                        apigw.JsonSchemaType.NUMBER, minimum=0, maximum=MAX_AGE_MINUTES
                    ),
                    "projectArns": nullable(
                        apigw.JsonSchemaType.ARRAY,
                        max_items=MAX_PROJECTS_PER_SWEEP,
                        items=ARN_SCHEMA,
                    ),
                    "dryRun": nullable(apigw.JsonSchemaType.BOOLEAN),
                },
            ),
        )

    def _acknowledge_findings(self) -> None:
        acknowledge(
            self.api,
            "AwsSolutions-APIG3",
            "No WAF web ACL: every method requires SigV4 (AWS_IAM), so anonymous traffic is "
            "rejected before it costs anything, stage throttling caps the rest, and a web ACL "
            "would add about $6/month to a tool that is idle most of the time.",
        )
        if self.api.node.try_find_child("CloudWatchRole") is not None:
            acknowledge(
                self.api,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "The account-wide API Gateway logging role must write to the log groups of any "
                "API in the account; AWS documents this managed policy for exactly that role.",
            )
        acknowledge(
            self.api,
            "AwsSolutions-COG4",
            "Callers are AWS principals (people, CI roles, other services), authorized with "
            "AWS_IAM on every method; there is no Cognito user pool to authorize against.",
        )
