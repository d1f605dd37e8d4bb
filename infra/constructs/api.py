"""The REST API: POST /sessions/stop, POST /sessions/extend (with timers), POST /sweeps and
GET /sessions, and with member accounts POST /operator/sessions/stop|extend; AWS_IAM on every
method, bodies checked."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.checkov_skips import skip_check
from infra.config import SESSION_HARD_LIMIT_MINUTES, StackConfig
from infra.constructs.api_policy import resource_policy
from infra.constructs.log_groups import retained_log_group
from infra.nag import acknowledge

# The gateway only bounds the body's size and shape; the function validates the values and
# answers with a precise error (a gateway rejection would only say "Invalid request body").
# Bounds mirror the function's own models (docs/openapi.json).
ARN_MAX_LENGTH = 1011  # Device Farm's ARN limit (botocore model)
MAX_PROJECTS_PER_SWEEP = 50  # the function's SweepCommand.projectArns max_length
MAX_AGE_MINUTES = 100_000
# ExtendSession.minutes: a session never runs longer than Device Farm's 150 minutes.
EXTEND_MINUTES = (1, SESSION_HARD_LIMIT_MINUTES)
CLIENT_TOKEN_MAX_LENGTH = 64  # ExtendCommand.clientToken (its characters: the function checks)
ARN_SCHEMA = apigw.JsonSchema(type=apigw.JsonSchemaType.STRING, max_length=ARN_MAX_LENGTH)
# "To use the same model regardless of the content type, set the content type for your data
# model to $default" (API Gateway developer guide): without it, a body sent as `text/plain` or
# `application/merge-patch+json` would reach the function unchecked.
BODY_CONTENT_TYPES = ("application/json", "$default")
# Execution logs: errors only. Request bodies hold only ARNs, but full request logging stays off.
EXECUTION_LOG_LEVEL = apigw.MethodLoggingLevel.ERROR

# Gateway responses are not rendered by VTL: API Gateway only substitutes $context and
# $stageVariables values into them (developer guide, "Set up gateway responses"), so $util
# functions are not available and nothing can be escaped there. Each template therefore uses
# only values that are JSON-safe as substituted: $context.error.messageString (the message as a
# quoted, escaped JSON string), $context.error.responseType (an upper-case enum name) and
# $context.requestId (a UUID). Free text such as $context.error.validationErrorString, which
# quotes the offending JSON, would break the document and is left out.
INVALID_BODY_TEMPLATE = (
    '{"error": {"code": "INVALID_BODY", "message": $context.error.messageString}, '
    '"requestId": "$context.requestId"}'
)
GATEWAY_ERROR_TEMPLATE = (
    '{"error": {"code": "$context.error.responseType", "message": $context.error.messageString}, '
    '"requestId": "$context.requestId"}'
)

# The access log names who called: the caller's ARN and account next to the standard fields.
ACCESS_LOG_FIELDS = {
    "requestId": apigw.AccessLogField.context_request_id(),
    "ip": apigw.AccessLogField.context_identity_source_ip(),
    "caller": apigw.AccessLogField.context_identity_caller(),
    "user": apigw.AccessLogField.context_identity_user(),
    "userArn": apigw.AccessLogField.context_identity_user_arn(),
    "accountId": apigw.AccessLogField.context_identity_account_id(),
    "requestTime": apigw.AccessLogField.context_request_time(),
    "httpMethod": apigw.AccessLogField.context_http_method(),
    "resourcePath": apigw.AccessLogField.context_resource_path(),
    "status": apigw.AccessLogField.context_status(),
    "protocol": apigw.AccessLogField.context_protocol(),
    "responseLength": apigw.AccessLogField.context_response_length(),
    "errorType": apigw.AccessLogField.context_error_response_type(),
}


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
        self._resource_policy = resource_policy(config)
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
        # Resources, models and methods in the order they always had (a path's resource, then
        # its model): the deployment's logical id hashes them in order, and a new id would
        # redeploy the stage for nothing.
        stop_resource = sessions.add_resource("stop")
        stop_model = self._stop_model()
        self.stop_method = self._post(stop_resource, integration, validator, stop_model)
        # Moves a session's expiry timer: without timers there is nothing to extend.
        self.extend_method: apigw.Method | None = None
        extend_model: apigw.Model | None = None
        if config.session_timers:
            extend_resource = sessions.add_resource("extend")
            extend_model = self._extend_model()
            self.extend_method = self._post(extend_resource, integration, validator, extend_model)
        # Hub and spoke: a caller stops or extends sessions of their own account only; these
        # routes take the same bodies for any account in scope, and only the operator policy
        # grants them (infra/constructs/access.py).
        self.operator_stop_method: apigw.Method | None = None
        self.operator_extend_method: apigw.Method | None = None
        if config.is_multi_account:
            operator = self.api.root.add_resource("operator").add_resource("sessions")
            self.operator_stop_method = self._post(
                operator.add_resource("stop"), integration, validator, stop_model
            )
            if extend_model is not None:
                self.operator_extend_method = self._post(
                    operator.add_resource("extend"), integration, validator, extend_model
                )
        self.sweep_method = self._post(
            self.api.root.add_resource("sweeps"), integration, validator, self._sweep_model()
        )
        # Read-only: the active sessions and what a sweep would do to them. No body to check.
        self.list_method = sessions.add_method(
            "GET",
            integration,
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
        )
        self._answer_like_the_function()
        self.execution_logs = self._execution_log_group(config)
        self._redeploy_when_the_policy_changes()
        self._acknowledge_findings()
        skip_check(
            self.api.deployment_stage,
            "CKV_AWS_120",
            "Every POST stops sessions or moves a deadline, and GET /sessions must show them as "
            "they are now: an answer from a cache would skip the action or show a stale state, "
            "and a cache cluster is billed by the hour.",
        )

    def _redeploy_when_the_policy_changes(self) -> None:
        """A resource policy takes effect only with a new deployment, and CDK hashes methods,
        models and gateway responses into the deployment's logical id but not the policy."""
        deployment = self.api.latest_deployment
        assert deployment is not None  # deploy=True (the default) always creates one
        deployment.add_to_logical_id({"policy": self._resource_policy.to_json()})

    def _answer_like_the_function(self) -> None:
        """What API Gateway refuses itself gets the function's error shape, so callers parse one
        format whichever layer said no."""
        self.api.add_gateway_response(
            "InvalidBody",
            type=apigw.ResponseType.BAD_REQUEST_BODY,
            status_code="400",
            templates={"application/json": INVALID_BODY_TEMPLATE},
        )
        # No status code: each keeps the one API Gateway chose (403, 429, 502, ...).
        for construct_id, response_type in (
            ("Default4xx", apigw.ResponseType.DEFAULT_4_XX),
            ("Default5xx", apigw.ResponseType.DEFAULT_5_XX),
        ):
            self.api.add_gateway_response(
                construct_id,
                type=response_type,
                templates={"application/json": GATEWAY_ERROR_TEMPLATE},
            )

    def _rest_api(self, config: StackConfig) -> apigw.RestApi:
        return apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"{config.name_prefix}-api",
            description="Stops Device Farm remote access sessions (SigV4 callers only)",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            policy=self._resource_policy,
            # Access and execution logs need the account-wide API Gateway logging role; by
            # default the stack leaves that account setting alone (docs/deploy.md).
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
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS)),
                logging_level=EXECUTION_LOG_LEVEL,
                data_trace_enabled=False,
                metrics_enabled=True,
                tracing_enabled=True,
            ),
        )

    def _execution_log_group(self, config: StackConfig) -> logs.LogGroup | None:
        """API Gateway writes execution logs to a group it names and creates itself, without a
        retention. Creating that group first, in the stack, gives it the configured one."""
        if EXECUTION_LOG_LEVEL == apigw.MethodLoggingLevel.OFF:
            return None
        log_group = retained_log_group(
            self,
            "ExecutionLogs",
            config=config,
            name=f"API-Gateway-Execution-Logs_{self.api.rest_api_id}/{config.stage}",
        )
        # The stage must not log before the group exists, or API Gateway creates it first.
        self.api.deployment_stage.node.add_dependency(log_group)
        return log_group

    def _post(
        self,
        resource: apigw.Resource,
        integration: apigw.Integration,
        validator: apigw.RequestValidator,
        model: apigw.Model,
    ) -> apigw.Method:
        return resource.add_method(
            "POST",
            integration,
            authorization_type=apigw.AuthorizationType.IAM,
            request_validator=validator,
            request_models=dict.fromkeys(BODY_CONTENT_TYPES, model),
        )

    def _body_model(
        self,
        name: str,
        properties: dict[str, apigw.JsonSchema],
        required: list[str] | None = None,
    ) -> apigw.Model:
        """A closed JSON object model named `name` (its model name and schema title alike)."""
        return self.api.add_model(
            name,
            content_type="application/json",
            model_name=name,
            schema=apigw.JsonSchema(
                schema=apigw.JsonSchemaVersion.DRAFT4,
                title=name,
                type=apigw.JsonSchemaType.OBJECT,
                required=required,
                additional_properties=False,
                properties=properties,
            ),
        )

    def _stop_model(self) -> apigw.Model:
        # REST APIs have no body-size limit of their own: a closed schema with bounded strings
        # keeps every body that reaches the function small.
        return self._body_model("StopSessionBody", {"arn": ARN_SCHEMA}, required=["arn"])

    def _extend_model(self) -> apigw.Model:
        low, high = EXTEND_MINUTES
        minutes = apigw.JsonSchema(type=apigw.JsonSchemaType.INTEGER, minimum=low, maximum=high)
        token = nullable(apigw.JsonSchemaType.STRING, max_length=CLIENT_TOKEN_MAX_LENGTH)
        return self._body_model(
            "ExtendSessionBody",
            {"arn": ARN_SCHEMA, "minutes": minutes, "clientToken": token},
            required=["arn", "minutes"],
        )

    def _sweep_model(self) -> apigw.Model:
        return self._body_model(
            "SweepBody",
            {
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
