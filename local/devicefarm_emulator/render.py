"""Turning stored facts into the JSON the service answers (botocore's output shapes)."""

from __future__ import annotations

from typing import Any

from local.devicefarm_emulator.lifecycle import Phase, SessionRecord, Timings

_ENDPOINT_HOST = "devicefarm-interactive-global.us-west-2.api.aws"


def render_session(record: SessionRecord, phase: Phase, timings: Timings) -> dict[str, Any]:
    session: dict[str, Any] = {
        "arn": record.arn,
        "created": record.created,
        "status": phase.status,
        "result": phase.result,
        "device": dict(record.device),
        "billingMethod": record.billing_method,
        "deviceMinutes": _device_minutes(record.billing_method, phase.billed_seconds),
        "interactionMode": record.options.get("interactionMode", "INTERACTIVE"),
        "skipAppResign": record.options.get("skipAppResign", False),
    }
    if record.name is not None:
        session["name"] = record.name
    message = _message(phase, timings)
    if message:
        session["message"] = message
    if phase.started is not None:
        session["started"] = phase.started
    if phase.stopped is not None:
        session["stopped"] = phase.stopped
    session.update(_optional_members(record))
    if phase.status == "RUNNING":
        session.update(_live_endpoints(record))
    return session


def _device_minutes(billing_method: str, seconds: float) -> dict[str, float]:
    minutes = round(seconds / 60.0, 2)
    metered = minutes if billing_method == "METERED" else 0.0
    return {"total": minutes, "metered": metered, "unmetered": round(minutes - metered, 2)}


def _message(phase: Phase, timings: Timings) -> str | None:
    if phase.status == "PENDING_CONCURRENCY":
        return "Waiting for a metered device slot: the account's concurrency limit is reached."
    if phase.result == "STOPPED":
        return "The remote access session was stopped by the user."
    if phase.result == "PASSED":
        return f"The session reached its maximum duration of {timings.max_minutes:g} minutes."
    return None


def _optional_members(record: SessionRecord) -> dict[str, Any]:
    """Members present only when the create request carried them."""
    members: dict[str, Any] = {}
    if "appArn" in record.options:
        members["appUpload"] = record.options["appArn"]
    if "instanceArn" in record.options:
        members["instanceArn"] = record.options["instanceArn"]
    if "deviceProxy" in record.options:
        members["deviceProxy"] = dict(record.options["deviceProxy"])
    return members


def _live_endpoints(record: SessionRecord) -> dict[str, Any]:
    token = record.arn.rsplit("/", 2)[1]
    return {
        "endpoint": f"wss://{_ENDPOINT_HOST}/websockify?session={token}",
        "deviceUdid": token.replace("-", "")[:24].upper(),
        "endpoints": {
            "remoteDriverEndpoint": f"https://{_ENDPOINT_HOST}/remote-driver/{token}/wd/hub",
            "interactiveEndpoint": f"wss://{_ENDPOINT_HOST}/interactive/{token}",
        },
    }
