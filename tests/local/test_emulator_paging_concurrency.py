"""Paging through many sessions and projects, and concurrent calls from a worker pool."""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from local.devicefarm_emulator import DeviceFarmEmulator


def _pages(client: Any, operation: str, **params: Any) -> list[dict[str, Any]]:
    return list(client.get_paginator(operation).paginate(**params))


def test_paging_through_hundreds_of_sessions_across_projects(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.page_size = 40
    created: dict[str, list[str]] = {}
    for count in (130, 81, 7):
        project = devicefarm_emulator.create_project(f"p{count}")["arn"]
        created[project] = [
            devicefarm_emulator.create_session(project)["arn"] for _ in range(count)
        ]

    for project, arns in created.items():
        pages = _pages(devicefarm_client, "list_remote_access_sessions", arn=project)
        listed = [s["arn"] for page in pages for s in page["remoteAccessSessions"]]
        assert listed == arns  # every session once, in creation order, none from other projects
        assert len(pages) == math.ceil(len(arns) / 40)
        assert "nextToken" not in pages[-1]
    assert devicefarm_emulator.call_counts["ListRemoteAccessSessions"] == 4 + 3 + 1


def test_paging_projects_and_devices(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.page_size = 3
    names = [devicefarm_emulator.create_project(f"n{i}")["name"] for i in range(7)]
    pages = _pages(devicefarm_client, "list_projects")
    assert [p["name"] for page in pages for p in page["projects"]] == names
    assert [len(page["projects"]) for page in pages] == [3, 3, 1]
    devices = [d for page in _pages(devicefarm_client, "list_devices") for d in page["devices"]]
    assert (
        len({d["arn"] for d in devices}) == len(devices) == len(devicefarm_emulator.list_devices())
    )
    assert {d["platform"] for d in devices} == {"ANDROID", "IOS"}
    assert {d["formFactor"] for d in devices} == {"PHONE", "TABLET"}


def test_device_filters(devicefarm_client: Any) -> None:
    def names(*filters: dict[str, Any]) -> set[str]:
        return {d["name"] for d in devicefarm_client.list_devices(filters=list(filters))["devices"]}

    ios_tablets = names(
        {"attribute": "PLATFORM", "operator": "EQUALS", "values": ["IOS"]},
        {"attribute": "FORM_FACTOR", "operator": "IN", "values": ["TABLET"]},
    )
    assert ios_tablets
    assert all(name.startswith("Apple iPad") for name in ios_tablets)
    not_apple = names({"attribute": "MANUFACTURER", "operator": "NOT_IN", "values": ["Apple"]})
    assert not_apple
    assert not any(name.startswith("Apple") for name in not_apple)


def test_next_tokens_only_work_for_their_own_listing(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    devicefarm_emulator.page_size = 1
    first, second = (devicefarm_emulator.create_project(n)["arn"] for n in ("a", "b"))
    for project in (first, second):
        for _ in range(2):
            devicefarm_emulator.create_session(project, billing_method="UNMETERED")
    token = devicefarm_client.list_remote_access_sessions(arn=first)["nextToken"]
    argument_error = devicefarm_client.exceptions.ArgumentException
    with pytest.raises(argument_error):
        devicefarm_client.list_remote_access_sessions(arn=second, nextToken=token)
    with pytest.raises(argument_error):
        devicefarm_client.list_projects(nextToken=token)
    with pytest.raises(argument_error):
        devicefarm_client.list_projects(nextToken="bm90LWpzb24=")


def test_eight_workers_stop_sessions_concurrently(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    project = devicefarm_emulator.create_project("sweep")["arn"]
    arns = [
        devicefarm_emulator.create_session(project, billing_method="UNMETERED")["arn"]
        for _ in range(64)
    ]
    devicefarm_emulator.clock.advance(minutes=5)

    def stop_and_check(arn: str) -> str:
        before = devicefarm_client.get_remote_access_session(arn=arn)["remoteAccessSession"]
        assert before["status"] == "RUNNING"
        return str(
            devicefarm_client.stop_remote_access_session(arn=arn)["remoteAccessSession"]["status"]
        )

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(stop_and_check, arns))

    assert statuses == ["STOPPING"] * 64
    assert devicefarm_emulator.call_counts == {
        "GetRemoteAccessSession": 64,
        "StopRemoteAccessSession": 64,
    }
    devicefarm_emulator.clock.advance(seconds=5)
    assert {s["result"] for s in devicefarm_emulator.list_sessions(project)} == {"STOPPED"}


def test_concurrent_creates_respect_the_metered_limit(
    devicefarm_client: Any, devicefarm_emulator: DeviceFarmEmulator
) -> None:
    project = devicefarm_emulator.create_project("race")["arn"]
    device = devicefarm_emulator.list_devices()[0]["arn"]

    def create(index: int) -> str:
        answer = devicefarm_client.create_remote_access_session(
            projectArn=project, deviceArn=device, name=f"r{index}"
        )
        return str(answer["remoteAccessSession"]["arn"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        arns = list(pool.map(create, range(24)))

    assert len(set(arns)) == 24
    statuses = [s["status"] for s in devicefarm_emulator.list_sessions(project)]
    assert statuses.count("PENDING") == 2
    assert statuses.count("PENDING_CONCURRENCY") == 22
