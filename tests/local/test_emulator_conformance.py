"""Every answer the emulator gives must be one botocore's Device Farm model allows.

Responses are checked twice: parsed, with botocore's own ParamValidator (as Stubber does), and
raw, with a strict checker that also catches unknown keys, patterns, enums and lengths. Errors
must parse into the modeled exception classes. Requests the emulator accepts must be ones the
model accepts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError
from botocore.validate import ParamValidator
from hypothesis import given, settings
from hypothesis import strategies as st

from local.devicefarm_emulator import (
    SUPPORTED_OPERATIONS,
    ArgumentError,
    DeviceFarmEmulator,
    NotFoundError,
)
from local.devicefarm_emulator.validation import service_model
from tests.local.emulator_wire import raw_call, wire_problems

PROJECT_404 = (
    "arn:aws:devicefarm:us-west-2:123456789012:project:00000000-0000-0000-0000-000000000000"
)
SESSION_404 = PROJECT_404.replace(":project:", ":session:") + "/00000000-0000-0000-0000-0/00000"
UPLOAD_ARN = PROJECT_404.replace(":project:", ":upload:") + "/00000000-0000-0000-0000-0"
TAG = {"Key": "k", "Value": "v"}


@dataclass
class Exchange:
    operation: str
    status: int
    raw: dict[str, Any]
    parsed: dict[str, Any]


@pytest.fixture
def exchanges(devicefarm_client: Any) -> Iterator[list[Exchange]]:
    """Record every call the shared client makes during the test, raw bytes and parsed."""
    recorded: list[Exchange] = []

    def record(http_response: Any, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        raw = json.loads(http_response.content or b"{}")
        recorded.append(Exchange(model.name, http_response.status_code, raw, parsed))

    events = devicefarm_client.meta.events
    events.register("after-call.device-farm", record, unique_id="conformance-recorder")
    yield recorded
    events.unregister("after-call.device-farm", unique_id="conformance-recorder")


def _drive_every_state(client: Any, emu: DeviceFarmEmulator) -> None:
    """Walk every operation through every session state, with paging on every list."""
    emu.page_size = 2
    projects = [client.create_project(name=f"p{i}")["project"] for i in range(3)]
    client.create_project(name="timeout", defaultJobTimeoutMinutes=60)
    client.get_project(arn=projects[0]["arn"])
    for page in client.get_paginator("list_projects").paginate():
        assert page["projects"]
    client.list_projects(arn=projects[1]["arn"])
    devices = [d for p in client.get_paginator("list_devices").paginate() for d in p["devices"]]
    client.list_devices(
        filters=[{"attribute": "PLATFORM", "operator": "EQUALS", "values": ["IOS"]}]
    )
    client.list_devices(arn=projects[0]["arn"])
    client.get_device(arn=devices[-1]["arn"])
    project = projects[0]["arn"]
    metered = [
        client.create_remote_access_session(
            projectArn=project, deviceArn=devices[i]["arn"], name=f"m{i}"
        )
        for i in range(3)
    ]  # the third waits in PENDING_CONCURRENCY
    client.create_remote_access_session(
        projectArn=project,
        deviceArn=devices[4]["arn"],
        appArn="arn:aws:devicefarm:us-west-2:123456789012:upload:abc/def",
        instanceArn="arn:aws:devicefarm:us-west-2:123456789012:deviceinstance:abcdef",
        interactionMode="VIDEO_ONLY",
        skipAppResign=True,
        configuration={
            "billingMethod": "UNMETERED",
            "deviceProxy": {"host": "proxy.local", "port": 8080},
        },
    )
    client.create_remote_access_session(projectArn=project, deviceArn=devices[5]["arn"])  # no name
    arns = [m["remoteAccessSession"]["arn"] for m in metered]
    _drive_tags(client, project, arns[1], projects[2]["arn"])
    for step in (0, 15, 60, 600):  # PENDING, PREPARING, RUNNING, RUNNING with minutes
        emu.clock.advance(seconds=step)
        _list_all_sessions(client, project)
    client.stop_remote_access_session(arn=arns[0])  # STOPPING
    client.stop_remote_access_session(arn=arns[2])  # STOPPING while queued
    _list_all_sessions(client, project)
    emu.clock.advance(seconds=30)
    client.get_remote_access_session(arn=arns[0])  # COMPLETED / STOPPED
    client.stop_remote_access_session(arn=arns[0])  # stop on an ended session
    emu.clock.advance(minutes=151)
    _list_all_sessions(client, project)  # COMPLETED / PASSED
    client.list_remote_access_sessions(arn=projects[2]["arn"])  # empty project


def _drive_tags(client: Any, project: str, session: str, untagged_project: str) -> None:
    client.tag_resource(
        ResourceARN=project,
        Tags=[{"Key": "session-stopper:max-minutes", "Value": "30"}, {"Key": "team", "Value": ""}],
    )
    client.tag_resource(ResourceARN=session, Tags=[{"Key": "owner", "Value": "qa"}])
    client.untag_resource(ResourceARN=project, TagKeys=["team", "never-set"])
    for arn in (project, session, untagged_project):
        client.list_tags_for_resource(ResourceARN=arn)


def _list_all_sessions(client: Any, project: str) -> None:
    pages = client.get_paginator("list_remote_access_sessions").paginate(arn=project)
    for page in pages:
        for session in page["remoteAccessSessions"]:
            client.get_remote_access_session(arn=session["arn"])


def _model_problems(exchange: Exchange) -> list[str]:
    shape = service_model().operation_model(exchange.operation).output_shape
    assert shape is not None
    parsed = {k: v for k, v in exchange.parsed.items() if k != "ResponseMetadata"}
    report = ParamValidator().validate(parsed, shape)
    found = [str(report.generate_report())] if report.has_errors() else []
    return found + wire_problems(exchange.raw, shape)


def _sessions_in(exchanges: list[Exchange]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for exchange in exchanges:
        found += exchange.raw.get("remoteAccessSessions", [])
        if "remoteAccessSession" in exchange.raw:
            found.append(exchange.raw["remoteAccessSession"])
    return found


def test_every_success_response_matches_the_model(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator, exchanges: list[Exchange]
) -> None:
    _drive_every_state(devicefarm_client, devicefarm_emulator)

    problems = {f"{e.operation}#{i}": _model_problems(e) for i, e in enumerate(exchanges)}
    assert {k: v for k, v in problems.items() if v} == {}
    assert {e.status for e in exchanges} == {200}
    assert {e.operation for e in exchanges} == set(SUPPORTED_OPERATIONS)
    sessions = _sessions_in(exchanges)
    statuses = {s["status"] for s in sessions}
    assert statuses == {
        "PENDING",
        "PENDING_CONCURRENCY",
        "PREPARING",
        "RUNNING",
        "STOPPING",
        "COMPLETED",
    }
    assert {s["result"] for s in sessions} == {"PENDING", "STOPPED", "PASSED"}
    assert any("nextToken" in e.raw for e in exchanges if e.operation == "ListRemoteAccessSessions")
    assert any("appUpload" in s and "deviceProxy" in s and "instanceArn" in s for s in sessions)
    assert any("endpoints" in s for s in sessions)
    tag_lists = [e.raw["Tags"] for e in exchanges if e.operation == "ListTagsForResource"]
    assert [{"Key": "session-stopper:max-minutes", "Value": "30"}] in tag_lists
    assert [] in tag_lists


def test_the_strict_checker_catches_what_the_emulator_must_not_send() -> None:
    """The conformance test is only as good as its checker: show it fails on drift."""
    shape = service_model().operation_model("GetRemoteAccessSession").output_shape
    assert shape is not None
    drifted = {
        "remoteAccessSession": {
            "arn": "arn:aws:devicefarm:short",
            "created": "2024-01-01T00:00:00Z",
            "status": "FINISHED",
            "hostAddress": "10.0.0.1",
            "deviceMinutes": {"total": "5"},
        }
    }
    problems = "\n".join(wire_problems(drifted, shape))
    for fragment in ("size 24 below 32", "created: expected timestamp", "'FINISHED' not in enum",
                     "hostAddress: not in the model", "total: expected double"):  # fmt: skip
        assert fragment in problems


# -- errors ------------------------------------------------------------------------------

ERROR_CASES = [
    ("GetRemoteAccessSession", {"arn": SESSION_404}, "NotFoundException"),
    ("StopRemoteAccessSession", {"arn": SESSION_404}, "NotFoundException"),
    ("ListRemoteAccessSessions", {"arn": PROJECT_404}, "NotFoundException"),
    ("GetProject", {"arn": PROJECT_404}, "NotFoundException"),
    (
        "GetDevice",
        {"arn": "arn:aws:devicefarm:us-west-2::device:0000000000000000"},
        "NotFoundException",
    ),
    ("ListProjects", {"nextToken": "not-a-token"}, "ArgumentException"),
    (
        "CreateRemoteAccessSession",
        {"projectArn": PROJECT_404, "deviceArn": PROJECT_404},
        "NotFoundException",
    ),
    ("TagResource", {"ResourceARN": PROJECT_404, "Tags": [TAG]}, "NotFoundException"),
    ("UntagResource", {"ResourceARN": SESSION_404, "TagKeys": ["k"]}, "NotFoundException"),
    ("ListTagsForResource", {"ResourceARN": PROJECT_404}, "NotFoundException"),
    ("ListTagsForResource", {"ResourceARN": UPLOAD_ARN}, "ArgumentException"),
]


@pytest.mark.parametrize(("operation", "params", "code"), ERROR_CASES)
def test_error_responses_parse_into_modeled_exceptions(
    devicefarm_client: Any,
    exchanges: list[Exchange],
    operation: str,
    params: dict[str, Any],
    code: str,
) -> None:
    method = getattr(devicefarm_client, _snake(operation))
    with pytest.raises(getattr(devicefarm_client.exceptions, code)) as raised:
        method(**params)

    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    (exchange,) = exchanges
    error_shape = service_model().shape_for(code)
    assert code in [s.name for s in service_model().operation_model(operation).error_shapes]
    assert exchange.raw["__type"] == code
    assert (
        wire_problems({k: v for k, v in exchange.raw.items() if k != "__type"}, error_shape) == []
    )


def test_throttling_parses_as_the_modeled_limit_exception(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.faults.throttle_rate = 1.0
    with pytest.raises(devicefarm_client.exceptions.LimitExceededException):
        devicefarm_client.list_projects()
    assert devicefarm_emulator.call_counts["ListProjects"] == 1  # no retry hid the error


def test_internal_failure_is_a_500_client_error(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.faults.internal_failure_rate = 1.0
    with pytest.raises(ClientError) as raised:
        devicefarm_client.list_projects()
    assert raised.value.response["Error"]["Code"] == "InternalFailure"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


@pytest.mark.parametrize(
    "arn",
    [
        "x" * 40,  # pattern
        "arn:aws:devicefarm:" + "x" * 12,  # 31 characters, one short
        "arn:aws:devicefarm:" + "a" * 993,  # 1012 characters, one too many
        "arn:aws:devicefarm:us-west-2:123456789012:session:\nx",  # '.' stops at line ends
    ],
)
def test_malformed_arns_are_argument_exceptions_on_the_wire(
    devicefarm_server: Any, arn: str
) -> None:
    status, body = raw_call(devicefarm_server.url, "StopRemoteAccessSession", {"arn": arn})
    assert (status, body["__type"]) == (400, "ArgumentException")
    assert devicefarm_server.emulator.call_counts["StopRemoteAccessSession"] == 1


# -- requests ----------------------------------------------------------------------------


def _input_shape(operation: str) -> Any:
    return service_model().operation_model(operation).input_shape


arn_candidates = st.one_of(
    st.text(max_size=48),
    st.text(max_size=64).map(lambda tail: "arn:aws:devicefarm:" + tail),
    st.integers(min_value=0, max_value=1100).map(lambda n: "arn:aws:devicefarm:" + "x" * n),
)


@settings(max_examples=150, deadline=None)
@given(arn=arn_candidates)
def test_the_emulator_accepts_exactly_the_arns_the_model_accepts(arn: str) -> None:
    body = {"arn": arn}
    model_accepts = wire_problems(body, _input_shape("GetRemoteAccessSession")) == []
    botocore_rejects = ParamValidator().validate(body, _input_shape("GetRemoteAccessSession"))
    try:
        DeviceFarmEmulator().handle("GetRemoteAccessSession", body)
    except ArgumentError:
        accepted = False
    except NotFoundError:
        accepted = True
    assert accepted == model_accepts
    assert not (accepted and botocore_rejects.has_errors())


VALID_PAIR = {"projectArn": PROJECT_404, "deviceArn": PROJECT_404}
BAD_REQUESTS = [
    ("CreateRemoteAccessSession", {"projectArn": PROJECT_404}),  # deviceArn missing
    ("CreateRemoteAccessSession", {**VALID_PAIR, "interactionMode": "LOUD"}),
    ("CreateRemoteAccessSession", {**VALID_PAIR, "skipAppResign": "yes"}),
    ("CreateRemoteAccessSession", {**VALID_PAIR, "configuration": {"billingMethod": "FREE"}}),
    ("CreateRemoteAccessSession", {**VALID_PAIR, "configuration": {"deviceProxy": {"host": "h"}}}),
    ("CreateProject", {}),
    ("CreateProject", {"name": "x" * 257}),
    ("CreateProject", {"name": "p", "defaultJobTimeoutMinutes": "150"}),
    ("ListRemoteAccessSessions", {}),
    ("ListProjects", {"nextToken": "abc"}),
    ("ListDevices", {"filters": [{"attribute": "COLOR", "operator": "EQUALS", "values": ["r"]}]}),
    ("TagResource", {"ResourceARN": PROJECT_404}),  # Tags missing
    ("TagResource", {"ResourceARN": PROJECT_404, "Tags": [{"Key": "k"}]}),  # Value missing
    ("TagResource", {"ResourceARN": PROJECT_404, "Tags": [{"Key": "", "Value": "v"}]}),
    ("TagResource", {"ResourceARN": PROJECT_404, "Tags": [TAG] * 151}),
    ("TagResource", {"ResourceARN": PROJECT_404, "Tags": [{"Key": "k", "Value": "v" * 257}]}),
    ("UntagResource", {"ResourceARN": PROJECT_404, "TagKeys": ["k" * 129]}),
    ("UntagResource", {"ResourceARN": PROJECT_404}),  # TagKeys missing
    ("ListTagsForResource", {"ResourceARN": "arn:aws:devicefarm:short"}),
    ("ListTagsForResource", {"arn": PROJECT_404}),  # the tag operations spell it ResourceARN
]


@pytest.mark.parametrize(("operation", "body"), BAD_REQUESTS)
def test_requests_the_model_forbids_are_argument_exceptions(
    operation: str, body: dict[str, Any]
) -> None:
    assert wire_problems(body, _input_shape(operation)) != []  # the case really is invalid
    with pytest.raises(ArgumentError):
        DeviceFarmEmulator().handle(operation, body)


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()
