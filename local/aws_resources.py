"""moto in server mode and the AWS resources the function needs on it.

moto keeps its state in process-wide backends (shared with any in-process `mock_aws`), so the
server is reset when it starts: a second local stack in one process starts from nothing.
"""

from __future__ import annotations

import logging
import urllib.request
from collections.abc import Sequence
from typing import Any, Literal

import boto3
from moto.server import ThreadedMotoServer

from local.environment import Resources
from local.sample_events import ACCOUNT_ID, IDLE_ALARM_NAME, KILL_SWITCH_ALARM_NAME

PREFIX = "session-stopper-local"
TABLE_NAME = f"{PREFIX}-idempotency"
TIMER_GROUP = f"{PREFIX}-timers"
# Named for the contract only: moto's Scheduler assumes no role, so none is created.
TIMER_ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/{PREFIX}-timers"
Service = Literal[
    "sns", "sqs", "dynamodb", "cloudwatch", "scheduler", "iam", "sts", "organizations"
]
# moto's header for acting in another account than the credentials' (moto's server mode).
MOTO_ACCOUNT_HEADER = "x-moto-account-id"


class MotoServer:
    """moto's threaded server on a loopback port; `stop()` also releases the port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        # werkzeug logs every request at INFO; the local stack prints outcomes instead.
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)
        self._running = False

    def start(self) -> MotoServer:
        self._server.start()
        self._running = True
        self._reset()
        return self

    @property
    def url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"

    def stop(self) -> None:
        # werkzeug's serve_forever closes the listening socket when shutdown ends the loop.
        if self._running:
            self._server.stop()
            self._running = False

    def _reset(self) -> None:
        # moto's own admin endpoint, on the loopback URL we just bound.
        reset = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")  # noqa: S310
        with urllib.request.urlopen(reset, timeout=10) as answer:  # noqa: S310
            answer.read()


def aws_client(service: Service, endpoint_url: str, region: str) -> Any:
    """A client on moto with fake credentials, whatever the developer's environment holds."""
    session = boto3.session.Session(
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 (moto accepts any credentials)
        region_name=region,
    )
    return session.client(service, endpoint_url=endpoint_url)


def aws_client_in(service: Service, endpoint_url: str, region: str, account_id: str) -> Any:
    """A client on moto that acts in `account_id`, as an administrator of that account would
    (the local stack's way to arrange member accounts)."""
    client = aws_client(service, endpoint_url, region)

    def in_account(request: Any, **_: Any) -> None:
        request.headers[MOTO_ACCOUNT_HEADER] = account_id

    client.meta.events.register("before-sign", in_account)
    return client


def create_resources(endpoint_url: str, region: str) -> Resources:
    """The outcome topic, a queue subscribed to it (the tap), the outcome DLQ, the table, the
    alarms and the timers' schedule group."""
    sns = aws_client("sns", endpoint_url, region)
    sqs = aws_client("sqs", endpoint_url, region)
    topic_arn = sns.create_topic(Name=f"{PREFIX}-outcomes")["TopicArn"]
    tap_url = sqs.create_queue(QueueName=f"{PREFIX}-outcomes-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap_url, AttributeNames=["QueueArn"])
    sns.subscribe(TopicArn=topic_arn, Protocol="sqs", Endpoint=tap_arn["Attributes"]["QueueArn"])
    dlq_url = sqs.create_queue(QueueName=f"{PREFIX}-outcomes-dlq")["QueueUrl"]
    _create_table(aws_client("dynamodb", endpoint_url, region))
    cloudwatch = aws_client("cloudwatch", endpoint_url, region)
    for name in (IDLE_ALARM_NAME, KILL_SWITCH_ALARM_NAME):
        create_alarm(cloudwatch, name)
    aws_client("scheduler", endpoint_url, region).create_schedule_group(Name=TIMER_GROUP)
    return Resources(topic_arn, tap_url, dlq_url, TABLE_NAME, TIMER_GROUP, TIMER_ROLE_ARN)


def create_alarm(
    cloudwatch: Any, name: str, state: str = "ALARM", sessions: Sequence[str] = ()
) -> None:
    """An alarm in `state` whose metrics carry one `SessionArn` dimension per session, as the
    function's DescribeAlarms will find it (put again to point it at other sessions).

    moto has no PutCompositeAlarm, so a metric alarm stands in for a composite one: the function
    decides by name, not type."""
    metric = {"Namespace": "QA/DeviceFarm", "MetricName": "IdleMinutes"}
    queries = [
        {
            "Id": f"m{index}",
            "MetricStat": {
                "Metric": {**metric, "Dimensions": [{"Name": "SessionArn", "Value": arn}]},
                "Period": 60,
                "Stat": "Maximum",
            },
            "ReturnData": False,
        }
        for index, arn in enumerate(sessions)
    ]
    ids = ",".join(f"m{index}" for index in range(len(queries)))
    total = {"Id": "total", "Expression": f"SUM([{ids}])"}
    shape = (
        {"Metrics": [*queries, {**total, "ReturnData": True}]}
        if queries
        else {**metric, "Statistic": "Maximum", "Period": 60}
    )
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        EvaluationPeriods=1,
        Threshold=20,
        ComparisonOperator="GreaterThanThreshold",
        **shape,
    )
    cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="set by local stack")


def _create_table(dynamodb: Any) -> None:
    dynamodb.create_table(
        TableName=TABLE_NAME,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=TABLE_NAME,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"},
    )
