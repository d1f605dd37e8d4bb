"""What invokes the function besides the API: command events, the sweep schedule, alarms, and
Device Farm's own API calls (CloudTrail), which arm and disarm the expiry timers."""

from __future__ import annotations

from aws_cdk import Annotations, Aws, CfnCondition, Duration, Fn, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.call_route import CallRoute, device_farm_call_route, unresolved_region_warning
from infra.config import StackConfig
from infra.constructs.command_lane import CommandLane
from infra.constructs.permissions import (
    OTHER_ACCOUNTS,
    alarm_arns,
    deny_everyone,
    member_principals,
    scoped_accounts_condition,
)
from infra.constructs.queues import dead_letter_queue

COMMAND_SOURCE = "devicefarm.session-stopper"
STOP_DETAIL_TYPE = "Stop Remote Access Session"
SWEEP_DETAIL_TYPE = "Sweep Remote Access Sessions"
ALARM_DETAIL_TYPE = "CloudWatch Alarm State Change"
ALARM_INVOKER = "lambda.alarms.cloudwatch.amazonaws.com"
# Device Farm's API calls as EventBridge sees them (CloudTrail management events): creating a
# session arms its timers, stopping one disarms them.
DEVICE_FARM_CALL_SOURCE = "aws.devicefarm"
CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail"
DEVICE_FARM_EVENT_SOURCE = "devicefarm.amazonaws.com"
DEVICE_FARM_CALLS = ("CreateRemoteAccessSession", "StopRemoteAccessSession")
# A command older than this is stale: the session it names has ended (150-minute limit).
MAX_EVENT_AGE = Duration.hours(2)


class Triggers(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StackConfig,
        function: lambda_.IFunction,
    ) -> None:
        super().__init__(scope, construct_id)
        self._config = config
        self._function = function
        prefix = config.name_prefix
        self.dead_letter_queue: sqs.Queue = dead_letter_queue(
            self,
            "RuleTargetDeadLetterQueue",
            name=f"{prefix}-event-dlq",
            holds="EventBridge events that could not be delivered to the function",
        )
        self.command_bus = self._command_bus()
        # Caller commands queue for a lane of their own (infra/constructs/command_lane.py).
        self.command_lane = CommandLane(self, "CommandLane", config=config, function=function)
        self.rules: dict[str, events.Rule] = {
            "command-rule": self._command_rule(),
            "sweep-schedule-rule": self._schedule_rule(),
        }
        if config.session_timers:
            self.rules["device-farm-calls-rule"] = self._device_farm_call_rule()
        if config.is_multi_account:
            self.rules["member-command-rule"] = self._member_command_rule()
            if config.session_timers:
                self.rules["member-device-farm-calls-rule"] = self._member_device_farm_call_rule()
        alarm_rule = self._alarm_rule()
        if alarm_rule is not None:
            self.rules["alarm-rule"] = alarm_rule
        self._allow_alarm_actions()

    def _target(self, event: events.RuleTargetInput | None = None) -> targets.LambdaFunction:
        return targets.LambdaFunction(
            self._function,
            event=event,
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=self._config.event_retry_attempts,
            max_event_age=MAX_EVENT_AGE,
        )

    def _command_bus(self) -> events.EventBus:
        """A bus of its own for stop and sweep commands, so `events:PutEvents` on it is a
        permission to grant on purpose (the caller and operator policies), never a side effect
        of someone's rights on the default bus."""
        name = self._config.command_bus_name
        bus = events.EventBus(
            self,
            "CommandBus",
            event_bus_name=name,
            description="Stop and sweep commands for the Device Farm session stopper",
        )
        # Without an Allow no other account could put events here anyway; the Deny keeps it
        # that way even if someone adds a cross-account Allow to the bus later. Set on the bus
        # itself (AWS::Events::EventBus Policy), so the bus never exists without it.
        # Spelled out: the bus's own Arn attribute would reference itself.
        arn = f"arn:{Aws.PARTITION}:events:{Aws.REGION}:{Aws.ACCOUNT_ID}:event-bus/{name}"
        policy = iam.PolicyDocument(statements=command_bus_statements(self._config, arn))
        cfn_bus = bus.node.default_child
        assert isinstance(cfn_bus, events.CfnEventBus)
        cfn_bus.policy = policy.to_json()
        return bus

    def _command_rule(self) -> events.Rule:
        return events.Rule(
            self,
            "CommandRule",
            rule_name=f"{self._config.name_prefix}-commands",
            description="Stop and sweep commands sent to the stack's command bus",
            event_bus=self.command_bus,
            event_pattern=events.EventPattern(
                account=[Aws.ACCOUNT_ID],
                source=[COMMAND_SOURCE],
                detail_type=[STOP_DETAIL_TYPE, SWEEP_DETAIL_TYPE],
                # A stop command names one of this deployment's sessions, or it never invokes
                # the function (whose checks still refuse the rest): junk in `arn` costs no
                # invocation and reaches no subscriber. Sweep commands carry no `arn`.
                detail={
                    "arn": events.Match.any_of(
                        events.Match.prefix(
                            f"arn:aws:devicefarm:{self._config.device_farm_region}:"
                            f"{Aws.ACCOUNT_ID}:session:"
                        ),
                        events.Match.does_not_exist(),
                    )
                },
            ),
            targets=[self._command_lane_target()],
        )

    def _member_command_rule(self) -> events.Rule:
        """Member accounts' stop commands (the bus policy admits no other command from them).
        The function acts only in the event's own account: the ARN's account must match it."""
        config = self._config
        return events.Rule(
            self,
            "MemberCommandRule",
            rule_name=f"{config.name_prefix}-member-commands",
            description="Stop commands sent by member accounts to the stack's command bus",
            event_bus=self.command_bus,
            event_pattern=events.EventPattern(
                account=member_accounts_match(config),
                source=[COMMAND_SOURCE],
                detail_type=[STOP_DETAIL_TYPE],
                detail={"arn": member_session_arn_match(config)},
            ),
            targets=[self._command_lane_target()],
        )

    def _member_device_farm_call_rule(self) -> events.Rule:
        """Member accounts' session creations and stops, forwarded by their spokes' rules
        (infra/spoke_stack.py) to the command bus, whose policy admits only these and stops."""
        config = self._config
        pattern = device_farm_call_pattern(config)
        return events.Rule(
            self,
            "MemberDeviceFarmCallRule",
            rule_name=f"{config.name_prefix}-member-device-farm-calls",
            description="Member accounts' Device Farm sessions created or stopped: arm or disarm "
            "timers",
            event_bus=self.command_bus,
            event_pattern=events.EventPattern(
                account=member_accounts_match(config),
                region=pattern.region,
                source=pattern.source,
                detail_type=pattern.detail_type,
                detail=pattern.detail,
            ),
            targets=[self._target()],
        )

    def _command_lane_target(self) -> events.IRuleTarget:
        return self.command_lane.rule_target(
            dead_letter_queue=self.dead_letter_queue,
            retry_attempts=self._config.event_retry_attempts,
            max_event_age=MAX_EVENT_AGE,
        )

    def _device_farm_call_rule(self) -> events.Rule:
        """Session creations and stops, on the bus they reach this stack's region on
        (infra/call_route.py). Only AWS puts `aws.*` sources (PutEvents refuses them from
        callers), so a matching event on either bus really is Device Farm's."""
        config = self._config
        route = device_farm_call_route(Stack.of(self).region, config.device_farm_region)
        rule = events.Rule(
            self,
            "DeviceFarmCallRule",
            rule_name=f"{config.name_prefix}-device-farm-calls",
            description="Device Farm session created or stopped (CloudTrail): arm or disarm timers",
            event_bus=self.command_bus if route is CallRoute.FORWARDED else None,
            event_pattern=device_farm_call_pattern(config),
            targets=[self._target()],
        )
        if route is CallRoute.UNRESOLVED:
            self._enable_only_in(rule, config.device_farm_region)
            Annotations.of(rule).add_warning_v2(
                "session-stopper:region-unresolved",
                unresolved_region_warning(config.device_farm_region),
            )
        return rule

    def _enable_only_in(self, rule: events.Rule, region: str) -> None:
        """The rule exists everywhere (its permission, dead-letter grant and alarm reference
        it), but is enabled only where the events arrive: a condition on the rule itself would
        have to spread to each of those."""
        in_region = CfnCondition(
            self, "InDeviceFarmRegion", expression=Fn.condition_equals(Aws.REGION, region)
        )
        cfn_rule = rule.node.default_child
        assert isinstance(cfn_rule, events.CfnRule)
        cfn_rule.state = Fn.condition_if(in_region.logical_id, "ENABLED", "DISABLED").to_string()

    def _schedule_rule(self) -> events.Rule:
        # Schedules run only on the default bus.
        return events.Rule(
            self,
            "SweepScheduleRule",
            rule_name=f"{self._config.name_prefix}-sweep-schedule",
            description="Periodic sweep: stops sessions running longer than the policy allows",
            schedule=events.Schedule.expression(self._config.sweep_schedule),
            enabled=self._config.sweep_enabled,
            # No input: the "Scheduled Event" envelope names the rule, which the outcome
            # messages then carry as their trigger id.
            targets=[self._target()],
        )

    def _alarm_rule(self) -> events.Rule | None:
        """State changes of the configured alarms (session alarms and kill switches). None
        configured means no rule: matching every alarm would let any alarm stop sessions.
        AWS service events reach only the default bus, so the rule lives there."""
        names: list[object] = [*self._config.alarm_names, *self._config.kill_switch_alarm_names]
        if self._config.alarm_name_prefix:
            names.append({"prefix": self._config.alarm_name_prefix})
        if not names:
            return None
        return events.Rule(
            self,
            "AlarmRule",
            rule_name=f"{self._config.name_prefix}-alarms",
            description="Configured alarms entering ALARM stop sessions",
            event_pattern=events.EventPattern(
                account=[Aws.ACCOUNT_ID],
                region=[Aws.REGION],
                source=["aws.cloudwatch"],
                detail_type=[ALARM_DETAIL_TYPE],
                detail={"alarmName": names, "state": {"value": ["ALARM"]}},
            ),
            targets=[self._target()],
        )

    def _allow_alarm_actions(self) -> None:
        """Let exactly the configured alarms (this account, the stack's region) use the
        function as their alarm action; none configured grants nothing."""
        for index, source_arn in enumerate(alarm_arns(self._config)):
            self._function.add_permission(
                f"AlarmActionInvoke{index}",
                principal=iam.ServicePrincipal(ALARM_INVOKER),
                action="lambda:InvokeFunction",
                source_account=Aws.ACCOUNT_ID,
                source_arn=source_arn,
            )


def device_farm_call_pattern(config: StackConfig) -> events.EventPattern:
    """This account's session creations and stops, in the Device Farm region. The same pattern
    on the default bus there, on the companion stack's forwarding rule, and on the command bus
    (a forwarded event keeps its account, region and source)."""
    return events.EventPattern(
        account=[Aws.ACCOUNT_ID],
        region=[config.device_farm_region],
        source=[DEVICE_FARM_CALL_SOURCE],
        detail_type=[CLOUDTRAIL_DETAIL_TYPE],
        detail={
            "eventSource": [DEVICE_FARM_EVENT_SOURCE],
            "eventName": list(DEVICE_FARM_CALLS),
        },
    )


def member_accounts_match(config: StackConfig) -> list[str]:
    """An event pattern's `account` for the member accounts: the listed ones, or, when an
    organization's OUs are in scope (their accounts are known only at run time), any account
    but the hub's, which its own rules already match; the bus policy admits no other."""
    scope = config.account_scope
    if scope.organization_unit_ids:
        return events.Match.anything_but(Aws.ACCOUNT_ID)
    return list(scope.member_ids)


def member_session_arn_match(config: StackConfig) -> list[str]:
    """A member's stop command names a session of a member account (the listed ones, else any
    account of the Device Farm region); the function then requires the event's own account."""
    base = f"arn:aws:devicefarm:{config.device_farm_region}:"
    scope = config.account_scope
    if scope.organization_unit_ids:
        return events.Match.prefix(base)
    return events.Match.any_of(
        *(events.Match.prefix(f"{base}{account}:session:") for account in scope.member_ids)
    )


def command_bus_statements(config: StackConfig, bus_arn: str) -> list[iam.PolicyStatement]:
    """The command bus's policy. One account: every other account is denied. Hub and spoke:
    accounts out of scope are denied, and the member accounts may put exactly two kinds of
    event: a caller's stop command, and the CloudTrail records of Device Farm calls their
    spoke's rule forwards. EventBridge evaluates events:source and events:detail-type for
    PutEvents, from a caller or from another account's rule target alike."""
    if not config.is_multi_account:
        return [deny_everyone("ThisAccountOnly", "events:PutEvents", bus_arn, OTHER_ACCOUNTS)]
    principals, principal_condition = member_principals(config)

    def allow(sid: str, source: str, detail_type: str) -> iam.PolicyStatement:
        conditions = dict(principal_condition.get("StringEquals", {}))
        conditions.update({"events:source": source, "events:detail-type": detail_type})
        return iam.PolicyStatement(
            sid=sid,
            principals=principals,
            actions=["events:PutEvents"],
            resources=[bus_arn],
            conditions={"StringEquals": conditions},
        )

    return [
        deny_everyone(
            "ScopedAccountsOnly", "events:PutEvents", bus_arn, scoped_accounts_condition(config)
        ),
        allow("MemberAccountsSendStopCommands", COMMAND_SOURCE, STOP_DETAIL_TYPE),
        allow(
            "MemberAccountsForwardDeviceFarmCalls", DEVICE_FARM_CALL_SOURCE, CLOUDTRAIL_DETAIL_TYPE
        ),
    ]
