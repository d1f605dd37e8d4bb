"""Priming before the SnapStart snapshot: what every first invocation would otherwise pay.

Lambda runs the function's init once per published version and snapshots it; every cold start
after that resumes from the snapshot. So, only when SnapStart is initialising (Lambda sets
AWS_LAMBDA_INITIALIZATION_TYPE=snap-start during that init; "on-demand" and
"provisioned-concurrency" otherwise), init also:

- imports every route's modules (the router imports them lazily otherwise);
- builds the process-wide services and their boto3 clients (creating a client loads the
  service model and endpoint rules and reads the credentials Lambda provides; it sends no
  request to any AWS service);
- resolves a synthetic API request that validation refuses before any handler runs: it builds
  the resolver's route table, the OpenAPI dependants and pydantic's validators for a body;
- validates and dumps sample models, so their validators and serializers are built;
- prepares (never sends) a botocore request, which fills Python's ABC caches for its types;
- resolves, on every client built, the request and response shapes of the operations the
  function calls (botocore resolves them lazily, per client, on the first call).

Nothing here calls AWS (tests/unit/test_priming.py runs it with every HTTP send failing and no
credentials). Without SnapStart nothing runs: a plain cold start pays only for the route it takes.

After a restore, what must differ between execution environments is refreshed (after_restore):
Python's `random` state (the snapshot would give every environment the same sequence; uuid4 and
`secrets` read os.urandom and need nothing). Connections need nothing: priming sends no request,
so the clients' pools are empty in the snapshot and the first call after a resume opens its own.
What priming does not reach: the first request's own work per client (endpoint resolution for
its parameters, a new connection) and the round trips themselves; warming them would need a
real or faked call (docs/performance.md gives what that leaves on the first invocation).
"""

from __future__ import annotations

import importlib
import os
import random
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

SNAP_START = "snap-start"
_PRIMED: list[str] = []


def snap_start_init() -> bool:
    return os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") == SNAP_START


def primed() -> tuple[str, ...]:
    """The steps the last prime() completed, for tests and the bench."""
    return tuple(_PRIMED)


class _PrimingContext:
    """The least of a LambdaContext the synthetic request touches."""

    function_name = "priming"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:us-east-1:000000000000:function:priming"
    memory_limit_in_mb = 128
    aws_request_id = "priming"
    log_group_name = "priming"
    log_stream_name = "priming"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _synthetic_api_request() -> dict[str, Any]:
    """POST /sessions/stop with an empty object: validation refuses it (no `arn`), so no
    handler, idempotency record or AWS call is reached."""
    return {
        "resource": "/sessions/stop",
        "path": "/sessions/stop",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "priming",
            "resourceId": "priming",
            "resourcePath": "/sessions/stop",
            "httpMethod": "POST",
            "requestId": "priming",
            "requestTime": "01/Jan/2026:00:00:00 +0000",
            "domainName": "priming.execute-api.us-east-1.amazonaws.com",
            "stage": "priming",
            "path": "/priming/sessions/stop",
            "protocol": "HTTP/1.1",
            "requestTimeEpoch": 0,
            "identity": {"sourceIp": "127.0.0.1"},
        },
        "body": "{}",
        "isBase64Encoded": False,
    }


def _import_routes() -> None:
    from session_stopper.entrypoints.router import ROUTE_MODULES  # noqa: PLC0415

    for module in ROUTE_MODULES:
        importlib.import_module(f"session_stopper.entrypoints.{module}")


def _build_services() -> None:
    from session_stopper.entrypoints import dependencies  # noqa: PLC0415

    for interactive in (False, True):
        dependencies.stop_service(interactive)
        dependencies.sweeper(interactive)
    dependencies.session_viewer()
    dependencies.alarm_gateway()


def _resolve_refused_request() -> None:
    from session_stopper.entrypoints import api  # noqa: PLC0415

    answer = api.handle(_synthetic_api_request(), _PrimingContext())
    if answer.get("statusCode") != HTTPStatus.BAD_REQUEST:  # the API's validation refusal
        raise RuntimeError(f"priming request was not refused by validation: {answer}")


def _warm_models() -> None:
    from session_stopper.models.rejection import Rejection  # noqa: PLC0415
    from session_stopper.models.requests import StopCommand  # noqa: PLC0415
    from session_stopper.models.sweep import SweepCommand  # noqa: PLC0415

    arn = (
        "arn:aws:devicefarm:us-west-2:000000000000:session:"
        "00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000/00000"
    )
    StopCommand.model_validate({"arn": arn}).model_dump_json()
    SweepCommand.model_validate({}).model_dump_json()
    Rejection(code="PRIMING", message="priming").model_dump_json()


def _warm_requests() -> None:
    """Prepare and copy a botocore request without sending it. The first one pays for Python's
    ABC subclass checks (`isinstance(headers, Mapping)` walks every registered Mapping once per
    type), measured at ~0.1 s of the first invocation's stop; the result is cached per type."""
    from botocore.awsrequest import AWSRequest, HeadersDict  # noqa: PLC0415

    AWSRequest(
        method="POST", url="https://priming.invalid/", headers={"X-Priming": "1"}, data=b"{}"
    ).prepare()
    HeadersDict({"X-Priming": "1"}).copy()  # what botocore does to every request it sends


# The operations the function calls: their request and response shapes are resolved lazily, per
# client, on the first call (measured ~0.1 s of the first stop); resolving them reads only the
# service model already loaded.
OPERATIONS = frozenset(
    {
        "GetRemoteAccessSession",
        "StopRemoteAccessSession",
        "ListRemoteAccessSessions",
        "ListProjects",
        "PutItem",
        "GetItem",
        "UpdateItem",
        "DeleteItem",
        "Publish",
        "SendMessage",
        "CreateSchedule",
        "UpdateSchedule",
        "DeleteSchedule",
        "GetSchedule",
        "DescribeAlarms",
    }
)


def _resolve(shape: Any, seen: set[str]) -> None:
    # By name: a recursive shape (DynamoDB's AttributeValue) yields a new object at each level.
    if shape is None or shape.name in seen:
        return
    seen.add(shape.name)
    for attribute in ("members", "member", "key", "value"):
        nested = getattr(shape, attribute, None)
        if isinstance(nested, dict):
            for member in nested.values():
                _resolve(member, seen)
        elif nested is not None:
            _resolve(nested, seen)


def _clients() -> list[Any]:
    """Every boto3 client the services built, found among live objects, since Powertools'
    idempotency layer keeps its own."""
    import gc  # noqa: PLC0415

    from botocore.client import BaseClient  # noqa: PLC0415

    return [each for each in gc.get_objects() if isinstance(each, BaseClient)]


def _warm_operations() -> None:
    """The shapes of the operations above resolved on every client."""
    for client in _clients():
        model = client.meta.service_model
        for name in OPERATIONS.intersection(model.operation_names):
            operation = model.operation_model(name)
            # Each its own `seen`: the output's shapes are objects of their own, even those
            # named as the input's (DynamoDB's AttributeValue), and need resolving too.
            _resolve(operation.input_shape, set())
            _resolve(operation.output_shape, set())


# The calls a stop makes, rehearsed on every client of their service: botocore validates,
# serializes and resolves the endpoint of each (then cached per client), and the before-call
# hook answers them before anything is signed or sent.
_SAMPLE_ARN = (
    "arn:aws:devicefarm:us-west-2:000000000000:session:"
    "00000000-0000-0000-0000-000000000000/00000000-0000-0000-0000-000000000000/00000"
)
_IDEMPOTENCY_KEY = {"id": {"S": "priming"}}
REHEARSALS: dict[str, tuple[tuple[str, dict[str, Any]], ...]] = {
    "devicefarm": (
        ("get_remote_access_session", {"arn": _SAMPLE_ARN}),
        ("stop_remote_access_session", {"arn": _SAMPLE_ARN}),
    ),
    "dynamodb": (
        ("put_item", {"TableName": "priming", "Item": _IDEMPOTENCY_KEY}),
        ("update_item", {"TableName": "priming", "Key": _IDEMPOTENCY_KEY}),
    ),
    "sns": (("publish", {"TopicArn": "arn:aws:sns:us-east-1:000000000000:p", "Message": "{}"}),),
}


def _answer_unsent(**_: Any) -> tuple[Any, dict[str, Any]]:
    """A before-call answer: botocore returns it as the call's result, sending nothing."""
    from botocore.awsrequest import AWSResponse  # noqa: PLC0415
    from botocore.compat import HTTPHeaders  # noqa: PLC0415

    return AWSResponse("https://priming.invalid/", 200, HTTPHeaders(), None), {}


def _rehearse_calls() -> None:
    for client in _clients():
        calls = REHEARSALS.get(client.meta.service_model.service_name)
        if not calls:
            continue
        events = client.meta.events
        events.register_first("before-call", _answer_unsent, unique_id="session-stopper-priming")
        try:
            for method, parameters in calls:
                getattr(client, method)(**parameters)
        finally:
            events.unregister("before-call", unique_id="session-stopper-priming")


_STEPS: tuple[tuple[str, Callable[[], None]], ...] = (
    ("routes", _import_routes),
    ("services", _build_services),
    ("api", _resolve_refused_request),
    ("models", _warm_models),
    ("requests", _warm_requests),
    ("operations", _warm_operations),
    ("calls", _rehearse_calls),
)


def prime() -> None:
    """Everything above, in order; an error fails init, so a broken version is never published."""
    _PRIMED.clear()
    for name, step in _STEPS:
        step()
        _PRIMED.append(name)


def after_restore() -> None:
    """Reseed `random`: the snapshot would otherwise give every environment the same sequence."""
    random.seed()


def install() -> None:
    """At handler import: prime and register the restore hook when SnapStart is initialising."""
    if not snap_start_init():
        return
    prime()
    try:
        # Only in Lambda's Python runtime (3.12+); absent in tests and local runs.
        from snapshot_restore_py import (  # type: ignore[import-not-found]  # noqa: PLC0415
            register_after_restore,
        )
    except ImportError:
        return
    register_after_restore(after_restore)
