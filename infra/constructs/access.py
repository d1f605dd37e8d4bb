"""Who may ask for a stop: two managed policies to attach to people and roles of this account.

Callers stop one session (and, with timers, extend one); operators start sweeps, which can stop
every active session. Both policies name exact resources, and the API and the command bus refuse
other accounts outright. Hub and spoke (docs/multi-account.md): a caller acts only on sessions of
their own account, an operator on any account in scope (POST /operator/sessions/stop|extend),
and the member accounts reach only the caller routes and stop commands, through the API's and
the bus's resource policies.
"""

from __future__ import annotations

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.config import StackConfig
from infra.constructs.events import COMMAND_SOURCE, STOP_DETAIL_TYPE, SWEEP_DETAIL_TYPE


class AccessPolicies(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        stop_method: apigw.Method,
        extend_method: apigw.Method | None,
        sweep_method: apigw.Method,
        list_method: apigw.Method,
        operator_stop_method: apigw.Method | None = None,
        operator_extend_method: apigw.Method | None = None,
        command_bus: events.IEventBus,
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = config.name_prefix
        self.caller_policy = iam.ManagedPolicy(
            self,
            "CallerPolicy",
            managed_policy_name=f"{prefix}-caller",
            description=(
                "Stop one Device Farm session (POST /sessions/stop, or a stop command)"
                + (" or extend its deadline (POST /sessions/extend)" if extend_method else "")
            ),
            statements=[
                _invoke(stop_method, "StopOneSessionOverHttp"),
                # Whoever may stop a session may also let it run longer, up to the cap.
                *([_invoke(extend_method, "ExtendOneSessionOverHttp")] if extend_method else []),
                _put_command(command_bus, STOP_DETAIL_TYPE, "SendStopCommands"),
            ],
        )
        self.operator_policy = iam.ManagedPolicy(
            self,
            "OperatorPolicy",
            managed_policy_name=f"{prefix}-operator",
            description="Sweep Device Farm sessions: POST /sweeps, a sweep command, or an invoke; "
            "see them first: GET /sessions",
            statements=[
                _invoke(sweep_method, "SweepOverHttp"),
                _invoke(list_method, "ListSessionsOverHttp"),
                # Hub and spoke: stop or extend a session of any account in scope (callers are
                # held to their own account's sessions).
                *(
                    [_invoke(operator_stop_method, "StopAnySessionOverHttp")]
                    if operator_stop_method
                    else []
                ),
                *(
                    [_invoke(operator_extend_method, "ExtendAnySessionOverHttp")]
                    if operator_extend_method
                    else []
                ),
                _put_command(command_bus, SWEEP_DETAIL_TYPE, "SendSweepCommands"),
                # A direct invoke takes any event the function understands, sweeps included.
                iam.PolicyStatement(
                    sid="InvokeTheFunction",
                    actions=["lambda:InvokeFunction"],
                    resources=[function.function_arn],
                ),
            ],
        )


def _invoke(method: apigw.Method, sid: str) -> iam.PolicyStatement:
    # The method ARN names the stage, the verb and the path: nothing else on the API.
    return iam.PolicyStatement(
        sid=sid, actions=["execute-api:Invoke"], resources=[method.method_arn]
    )


def _put_command(bus: events.IEventBus, detail_type: str, sid: str) -> iam.PolicyStatement:
    # PutEvents supplies events:source and events:detail-type for each entry, so the grant
    # covers exactly one kind of command, on the command bus only.
    return iam.PolicyStatement(
        sid=sid,
        actions=["events:PutEvents"],
        resources=[bus.event_bus_arn],
        conditions={
            "StringEquals": {"events:source": COMMAND_SOURCE, "events:detail-type": detail_type}
        },
    )
