"""bench/single_stop.py at a tiny size: the report's structure, never wall-clock limits.

It runs for real (the emulator, moto behind the latency middleware, the handler in this
process), two samples per side, and checks what `make bench` prints is complete: each side says
what it is, its medians, p90s and calls, and the ratios are the medians' quotients.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from bench import single_stop
from bench.latency import Call, LatencyMiddleware, sequential_calls, service_of


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    return single_stop.run(samples=2)


def test_the_report_is_json_with_every_side(report: dict[str, Any]) -> None:
    json.dumps(report)
    assert report["samples_per_side"] == 2
    assert report["latency_ms"] == single_stop.LATENCY_MS
    assert report["baseline"]["explained"] == single_stop.BASELINES[0]
    for side in single_stop.SIDES:
        figures = report[side]
        assert figures["explained"]
        assert 0 < figures["median_ms"] <= figures["p90_ms"]
        assert figures["calls_per_invocation"] == sum(figures["calls"].values())
        assert 1 <= figures["calls_on_critical_path"] <= figures["calls_per_invocation"]
        assert len(figures["timeline_of_median_invocation"]) == figures["calls_per_invocation"]


def test_ratios_are_the_medians_quotients(report: dict[str, Any]) -> None:
    base = report["baseline"]["median_ms"]
    assert report["ratio"] == round(report["function"]["median_ms"] / base, 3)
    assert report["api_ratio"] == round(report["api"]["median_ms"] / base, 3)
    assert report["target"] == {
        "route": "function (the stop command)",
        "at_most": single_stop.TARGET,
        "met": report["function"]["median_ms"] / base <= single_stop.TARGET,
    }


def test_the_baseline_makes_exactly_get_stop_publish(report: dict[str, Any]) -> None:
    assert report["baseline"]["calls"] == {
        "devicefarm:GetRemoteAccessSession": 1,
        "devicefarm:StopRemoteAccessSession": 1,
        "sns:Publish": 1,
    }
    assert report["baseline"]["calls_on_critical_path"] == 3


@pytest.mark.parametrize("side", ["function", "api"])
def test_the_function_makes_get_stop_and_one_publish(report: dict[str, Any], side: str) -> None:
    calls = report[side]["calls"]
    assert calls["devicefarm:GetRemoteAccessSession"] == 1
    assert calls["devicefarm:StopRemoteAccessSession"] == 1
    assert calls["sns:Publish"] == 1
    assert calls["dynamodb:PutItem"] == 1  # the idempotency record


def test_the_service_of_a_request_is_its_credential_scope() -> None:
    signed = {
        "HTTP_AUTHORIZATION": "AWS4-HMAC-SHA256 Credential=bench/20261128/eu-west-1/"
        "scheduler/aws4_request, SignedHeaders=host, Signature=abc"
    }
    assert service_of(signed) == "scheduler"
    assert service_of({}) == ""
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], _start: Any) -> list[bytes]:
        seen.append(environ)
        return [b"ok"]

    middleware = LatencyMiddleware(app, {"scheduler": 1.0})
    assert list(middleware(signed, print)) == [b"ok"]
    assert seen == [signed]


def test_the_critical_path_counts_only_calls_that_waited_for_each_other() -> None:
    def call(start: float, end: float) -> Call:
        return Call("s", "Op", start, end, "t")

    assert sequential_calls([call(0, 1), call(1, 2), call(2, 3)]) == 3
    # Two calls in parallel after a sequential one: the chain is two long.
    assert sequential_calls([call(0, 1), call(1, 3), call(1, 2.5)]) == 2
    assert sequential_calls([]) == 0


def test_the_summary_table_holds_the_target_on_the_command_route(report: dict[str, Any]) -> None:
    command, api = single_stop.rows(report)
    assert (command.ratio, command.at_most) == (report["ratio"], single_stop.TARGET)
    assert (api.ratio, api.target) == (report["api_ratio"], "reported")
    assert command.figure.startswith("stop command (")
    assert api.figure.startswith("POST /sessions/stop (")
