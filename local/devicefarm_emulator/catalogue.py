"""A small public-fleet device catalogue, shaped like botocore's `Device`."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from local.devicefarm_emulator.arns import device_arn


@dataclass(frozen=True)
class _Spec:
    name: str
    manufacturer: str
    model: str
    model_id: str
    form_factor: str
    platform: str
    os: str
    resolution: tuple[int, int]
    cpu: tuple[str, float]  # architecture, clock in MHz
    memory_gb: int
    availability: str


_SPECS = (
    _Spec("Google Pixel 7", "Google", "Pixel 7", "GVU6C", "PHONE", "ANDROID", "13",
          (1080, 2400), ("arm64-v8a", 2850.0), 128, "HIGHLY_AVAILABLE"),
    _Spec("Samsung Galaxy S23", "Samsung", "Galaxy S23", "SM-S911U1", "PHONE", "ANDROID", "13",
          (1080, 2340), ("arm64-v8a", 3360.0), 128, "AVAILABLE"),
    _Spec("Samsung Galaxy Tab S8", "Samsung", "Galaxy Tab S8", "SM-X700", "TABLET", "ANDROID",
          "12", (1600, 2560), ("arm64-v8a", 2990.0), 128, "AVAILABLE"),
    _Spec("OnePlus 11", "OnePlus", "OnePlus 11", "CPH2451", "PHONE", "ANDROID", "14",
          (1440, 3216), ("arm64-v8a", 3200.0), 256, "BUSY"),
    _Spec("Apple iPhone 14", "Apple", "iPhone 14", "A2649", "PHONE", "IOS", "16.4.1",
          (1170, 2532), ("arm64", 3230.0), 128, "HIGHLY_AVAILABLE"),
    _Spec("Apple iPhone 13", "Apple", "iPhone 13", "A2482", "PHONE", "IOS", "15.7",
          (1170, 2532), ("arm64", 3230.0), 128, "AVAILABLE"),
    _Spec("Apple iPad Air (5th generation)", "Apple", "iPad Air (5th generation)", "A2588",
          "TABLET", "IOS", "16.1", (1640, 2360), ("arm64", 3200.0), 64, "AVAILABLE"),
    _Spec("Apple iPad Pro 12.9 (6th generation)", "Apple", "iPad Pro 12.9", "A2436", "TABLET",
          "IOS", "17.0", (2048, 2732), ("arm64", 3490.0), 256,
          "TEMPORARY_NOT_AVAILABLE"),
)  # fmt: skip


def _to_device(spec: _Spec) -> dict[str, Any]:
    gib = 1024**3
    return {
        "arn": device_arn(spec.name),
        "name": spec.name,
        "manufacturer": spec.manufacturer,
        "model": spec.model,
        "modelId": spec.model_id,
        "formFactor": spec.form_factor,
        "platform": spec.platform,
        "type": "PHYSICAL",
        "os": spec.os,
        "cpu": {"frequency": "MHz", "architecture": spec.cpu[0], "clock": spec.cpu[1]},
        "resolution": {"width": spec.resolution[0], "height": spec.resolution[1]},
        "heapSize": 512 * 1024**2 if spec.platform == "ANDROID" else 0,
        "memory": spec.memory_gb * gib,
        "image": f"{spec.model_id}-{spec.platform.lower()}-{spec.os}",
        "carrier": "unknown",
        "radio": "WiFi",
        "remoteAccessEnabled": True,
        "remoteDebugEnabled": False,
        "fleetType": "PUBLIC",
        "fleetName": "Public",
        "instances": [],
        "availability": spec.availability,
    }


_DEVICES = tuple(_to_device(spec) for spec in _SPECS)
_BY_ARN = {device["arn"]: device for device in _DEVICES}


def all_devices() -> list[dict[str, Any]]:
    """Fresh copies, so callers may decorate them without touching the catalogue."""
    return [copy.deepcopy(device) for device in _DEVICES]


def find_device(arn: str) -> dict[str, Any] | None:
    device = _BY_ARN.get(arn)
    return copy.deepcopy(device) if device is not None else None


def default_device_arn() -> str:
    return str(_DEVICES[0]["arn"])


# DeviceFilter attributes this emulator understands, mapped to the device field they test.
_FILTER_FIELDS = {
    "ARN": "arn",
    "PLATFORM": "platform",
    "OS_VERSION": "os",
    "MODEL": "model",
    "AVAILABILITY": "availability",
    "FORM_FACTOR": "formFactor",
    "DEVICE_TYPE": "type",
    "MANUFACTURER": "manufacturer",
    "REMOTE_ACCESS_ENABLED": "remoteAccessEnabled",
    "REMOTE_DEBUG_ENABLED": "remoteDebugEnabled",
    "FLEET_TYPE": "fleetType",
}


def matches(device: dict[str, Any], device_filter: dict[str, Any]) -> bool:
    """Apply one DeviceFilter; unsupported attributes or operators filter nothing out."""
    field = _FILTER_FIELDS.get(device_filter["attribute"])
    if field is None:
        return True
    actual = str(device[field]).upper()
    wanted = [str(value).upper() for value in device_filter["values"]]
    operator = device_filter["operator"]
    if operator == "EQUALS":
        return actual in wanted[:1]
    if operator == "IN":
        return actual in wanted
    if operator == "NOT_IN":
        return actual not in wanted
    if operator == "CONTAINS":
        return any(value in actual for value in wanted)
    return True
