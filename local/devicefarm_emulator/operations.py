"""Device Farm operations: request body in, response body out, in the wire vocabulary."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from local.devicefarm_emulator import catalogue
from local.devicefarm_emulator.errors import UnknownOperationError
from local.devicefarm_emulator.paging import page
from local.devicefarm_emulator.validation import validate_input

if TYPE_CHECKING:
    from local.devicefarm_emulator.emulator import DeviceFarmEmulator

Body = dict[str, Any]
Handler = Callable[["DeviceFarmEmulator", Body], Body]

# Create-request members that the session answers back under the same name.
_ECHOED_OPTIONS = ("appArn", "instanceArn", "interactionMode", "skipAppResign")


def dispatch(emulator: DeviceFarmEmulator, operation: str, body: Body) -> Body:
    handler = _HANDLERS.get(operation)
    if handler is None:
        raise UnknownOperationError(f"Operation {operation} is not supported by this emulator")
    validate_input(operation, body)
    return handler(emulator, body)


def _paged(key: str, items: list[Body], body: Body, size: int, scope: str) -> Body:
    items_page, next_token = page(items, body.get("nextToken"), size, scope)
    answer: Body = {key: items_page}
    if next_token is not None:
        answer["nextToken"] = next_token
    return answer


def _create_project(emulator: DeviceFarmEmulator, body: Body) -> Body:
    timeout = body.get("defaultJobTimeoutMinutes", 150)
    return {"project": emulator.create_project(body["name"], timeout)}


def _get_project(emulator: DeviceFarmEmulator, body: Body) -> Body:
    return {"project": emulator.get_project(body["arn"])}


def _list_projects(emulator: DeviceFarmEmulator, body: Body) -> Body:
    # The optional `arn` narrows the listing to that one project.
    projects = [emulator.get_project(body["arn"])] if "arn" in body else emulator.list_projects()
    return _paged("projects", projects, body, emulator.page_size, "projects")


def _create_session(emulator: DeviceFarmEmulator, body: Body) -> Body:
    configuration = body.get("configuration", {})
    options = {key: body[key] for key in _ECHOED_OPTIONS if key in body}
    if "deviceProxy" in configuration:
        options["deviceProxy"] = configuration["deviceProxy"]
    session = emulator.create_session(
        body["projectArn"],
        name=body.get("name"),
        device_arn=body["deviceArn"],
        billing_method=configuration.get("billingMethod", "METERED"),
        **options,
    )
    return {"remoteAccessSession": session}


def _get_session(emulator: DeviceFarmEmulator, body: Body) -> Body:
    return {"remoteAccessSession": emulator.get_session(body["arn"])}


def _stop_session(emulator: DeviceFarmEmulator, body: Body) -> Body:
    return {"remoteAccessSession": emulator.stop_session(body["arn"])}


def _list_sessions(emulator: DeviceFarmEmulator, body: Body) -> Body:
    sessions = emulator.list_sessions(body["arn"])
    scope = f"sessions:{body['arn']}"
    return _paged("remoteAccessSessions", sessions, body, emulator.page_size, scope)


def _list_devices(emulator: DeviceFarmEmulator, body: Body) -> Body:
    if "arn" in body:
        emulator.get_project(body["arn"])  # private-device scope: the project must exist
    devices = [
        device
        for device in emulator.list_devices()
        if all(catalogue.matches(device, rule) for rule in body.get("filters", []))
    ]
    return _paged("devices", devices, body, emulator.page_size, "devices")


def _get_device(emulator: DeviceFarmEmulator, body: Body) -> Body:
    return {"device": emulator.get_device(body["arn"])}


def _tag_resource(emulator: DeviceFarmEmulator, body: Body) -> Body:
    # A key sent twice keeps its last value, as a mapping of the list would.
    emulator.tag_resource(body["ResourceARN"], {tag["Key"]: tag["Value"] for tag in body["Tags"]})
    return {}


def _untag_resource(emulator: DeviceFarmEmulator, body: Body) -> Body:
    emulator.untag_resource(body["ResourceARN"], body["TagKeys"])
    return {}


def _list_tags_for_resource(emulator: DeviceFarmEmulator, body: Body) -> Body:
    tags = emulator.list_tags(body["ResourceARN"])
    return {"Tags": [{"Key": key, "Value": value} for key, value in tags.items()]}


_HANDLERS: dict[str, Handler] = {
    "CreateProject": _create_project,
    "GetProject": _get_project,
    "ListProjects": _list_projects,
    "CreateRemoteAccessSession": _create_session,
    "GetRemoteAccessSession": _get_session,
    "StopRemoteAccessSession": _stop_session,
    "ListRemoteAccessSessions": _list_sessions,
    "ListDevices": _list_devices,
    "GetDevice": _get_device,
    "TagResource": _tag_resource,
    "UntagResource": _untag_resource,
    "ListTagsForResource": _list_tags_for_resource,
}

SUPPORTED_OPERATIONS = tuple(_HANDLERS)
