"""The RemoteAccessSession shape Device Farm returns from Get, Stop and List calls.

Covers the older documented shape (remoteDebugEnabled, remoteRecordEnabled, remoteRecordAppArn,
hostAddress, clientId) and the current one (deviceProxy, appUpload, endpoints). Every field is
optional except the ARN because AWS omits what does not apply; unknown fields are kept and logged.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from session_stopper.models.enums import (
    Availability,
    Billing,
    DeviceKind,
    FormFactor,
    InstanceState,
    Interaction,
    Platform,
    Result,
    Status,
    warn_once,
)


class DeviceFarmModel(BaseModel):
    """Tolerant of fields AWS adds later: they are kept, and logged once per response."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    @model_validator(mode="after")
    def _warn_on_unknown_fields(self) -> DeviceFarmModel:
        if self.model_extra:
            warn_once(
                "Device Farm sent fields this version does not know",
                model=type(self).__name__,
                fields=sorted(self.model_extra),
            )
        return self


class Cpu(DeviceFarmModel):
    frequency: str | None = None
    architecture: str | None = None
    clock: float | None = None


class Resolution(DeviceFarmModel):
    width: int | None = None
    height: int | None = None


class InstanceProfile(DeviceFarmModel):
    arn: str | None = None
    package_cleanup: bool | None = Field(None, alias="packageCleanup")
    exclude_app_packages_from_cleanup: list[str] | None = Field(
        None, alias="excludeAppPackagesFromCleanup"
    )
    reboot_after_use: bool | None = Field(None, alias="rebootAfterUse")
    name: str | None = None
    description: str | None = None


class DeviceInstance(DeviceFarmModel):
    arn: str | None = None
    device_arn: str | None = Field(None, alias="deviceArn")
    labels: list[str] | None = None
    status: InstanceState | None = None
    udid: str | None = None
    instance_profile: InstanceProfile | None = Field(None, alias="instanceProfile")


class Device(DeviceFarmModel):
    arn: str | None = None
    name: str | None = None
    manufacturer: str | None = None
    model: str | None = None
    model_id: str | None = Field(None, alias="modelId")
    form_factor: FormFactor | None = Field(None, alias="formFactor")
    platform: Platform | None = None
    type: DeviceKind | None = None
    os: str | None = None
    cpu: Cpu | None = None
    resolution: Resolution | None = None
    heap_size: int | None = Field(None, alias="heapSize")
    memory: int | None = None
    image: str | None = None
    carrier: str | None = None
    radio: str | None = None
    remote_access_enabled: bool | None = Field(None, alias="remoteAccessEnabled")
    remote_debug_enabled: bool | None = Field(None, alias="remoteDebugEnabled")
    fleet_type: str | None = Field(None, alias="fleetType")
    fleet_name: str | None = Field(None, alias="fleetName")
    instances: list[DeviceInstance] | None = None
    availability: Availability | None = None


class DeviceMinutes(DeviceFarmModel):
    total: float | None = None
    metered: float | None = None
    unmetered: float | None = None


class VpcConfig(DeviceFarmModel):
    security_group_ids: list[str] | None = Field(None, alias="securityGroupIds")
    subnet_ids: list[str] | None = Field(None, alias="subnetIds")
    vpc_id: str | None = Field(None, alias="vpcId")


class DeviceProxy(DeviceFarmModel):
    host: str | None = None
    port: int | None = None


class RemoteAccessEndpoints(DeviceFarmModel):
    remote_driver_endpoint: str | None = Field(None, alias="remoteDriverEndpoint")
    interactive_endpoint: str | None = Field(None, alias="interactiveEndpoint")


class RemoteAccessSession(DeviceFarmModel):
    arn: str = Field(min_length=32, max_length=1011, pattern=r"^arn:aws:devicefarm:.+")
    name: str | None = None
    created: datetime | None = None
    status: Status | None = None
    result: Result | None = None
    message: str | None = None
    started: datetime | None = None
    stopped: datetime | None = None
    device: Device | None = None
    instance_arn: str | None = Field(None, alias="instanceArn")
    billing_method: Billing | None = Field(None, alias="billingMethod")
    device_minutes: DeviceMinutes | None = Field(None, alias="deviceMinutes")
    endpoint: str | None = None
    device_udid: str | None = Field(None, alias="deviceUdid")
    interaction_mode: Interaction | None = Field(None, alias="interactionMode")
    skip_app_resign: bool | None = Field(None, alias="skipAppResign")
    vpc_config: VpcConfig | None = Field(None, alias="vpcConfig")
    # Current API model only.
    device_proxy: DeviceProxy | None = Field(None, alias="deviceProxy")
    app_upload: str | None = Field(None, alias="appUpload")
    endpoints: RemoteAccessEndpoints | None = None
    # Older API model only; still accepted so older answers validate without warnings.
    remote_debug_enabled: bool | None = Field(None, alias="remoteDebugEnabled")
    remote_record_enabled: bool | None = Field(None, alias="remoteRecordEnabled")
    remote_record_app_arn: str | None = Field(None, alias="remoteRecordAppArn")
    host_address: str | None = Field(None, alias="hostAddress")
    client_id: str | None = Field(None, alias="clientId")


class SessionResponse(DeviceFarmModel):
    """The body of GetRemoteAccessSession and StopRemoteAccessSession."""

    remote_access_session: RemoteAccessSession = Field(alias="remoteAccessSession")


class SessionPage(DeviceFarmModel):
    """One page of ListRemoteAccessSessions."""

    remote_access_sessions: list[RemoteAccessSession] = Field(
        default_factory=list, alias="remoteAccessSessions"
    )
    next_token: str | None = Field(None, alias="nextToken")


class Project(DeviceFarmModel):
    arn: str = Field(min_length=32, max_length=1011, pattern=r"^arn:aws:devicefarm:.+")
    name: str | None = None
    default_job_timeout_minutes: int | None = Field(None, alias="defaultJobTimeoutMinutes")
    created: datetime | None = None
    vpc_config: VpcConfig | None = Field(None, alias="vpcConfig")
    environment_variables: list[dict[str, str]] | None = Field(None, alias="environmentVariables")
    execution_role_arn: str | None = Field(None, alias="executionRoleArn")


class ProjectPage(DeviceFarmModel):
    """One page of ListProjects."""

    projects: list[Project] = Field(default_factory=list)
    next_token: str | None = Field(None, alias="nextToken")


class Tag(DeviceFarmModel):
    key: str = Field(alias="Key")
    value: str = Field(alias="Value")


class TagsResponse(DeviceFarmModel):
    """The body of ListTagsForResource (Device Farm spells these members in PascalCase)."""

    tags: list[Tag] = Field(default_factory=list, alias="Tags")


def strip_response_metadata(response: dict[str, Any]) -> dict[str, Any]:
    """botocore adds ResponseMetadata to every answer; it is not part of the service's shape."""
    return {key: value for key, value in response.items() if key != "ResponseMetadata"}
