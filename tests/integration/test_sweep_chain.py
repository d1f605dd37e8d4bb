"""Sweeps with more work than one invocation can do continue in the next, through the real
handler and the Device Farm emulator.

Lambda's Invoke is captured at the wire (botocore serialises and validates the request against
Lambda's model, the test answers 202 as Lambda does for an Event invoke), and each captured
payload is fed back to the handler as Lambda would: the chain runs to its end in the test.
Each link's time is a countdown of deadline checks (one for the lock's lease, one per project
and page, one per session started), so "time runs out after 10 stops" is exact on any machine.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import pytest
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from urllib3 import HTTPResponse

from session_stopper.entrypoints import alarms, sweeps
from session_stopper.gateways import invoker
from session_stopper.gateways.sweep_lock import SweepLock
from session_stopper.handler import lambda_handler
from session_stopper.models.chain import MAX_LINKS
from session_stopper.models.sweep import RunningSweep
from tests.integration.alarm_events import KILL_SWITCH_ALARM_NAME, fresh_alarm
from tests.integration.test_sweeps import CountdownDeadline, split
from tests.support.aws import OutcomeSink, Published, create_alarm
from tests.support.caches import reset_function_caches
from tests.support.emulated import DeviceFarmWorld, SessionSpec
from tests.support.lambda_context import FakeLambdaContext

LIVE_ALIAS_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:session-stopper-test:live"
# The lock's lease, the one project, its one page: then one check per session started.
LISTING_CHECKS = 3


@dataclass
class Invokes:
    """Every Lambda Invoke the function sent, as Lambda received it."""

    sent: list[dict[str, Any]] = field(default_factory=list)
    refuse_with: str | None = None  # an error code to answer instead of 202

    def answer(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        self.sent.append(
            {
                "function": unquote(request.url.split("/functions/")[1].split("/")[0]),
                "type": _text(request.headers.get("X-Amz-Invocation-Type")),
                "event": json.loads(request.body or b"{}"),
            }
        )
        if self.refuse_with:
            body = json.dumps({"Type": "User", "message": "denied"}).encode()
            headers = {"x-amzn-ErrorType": self.refuse_with}
            return _response(request.url, 403, headers, body)
        return _response(request.url, 202, {}, b"")

    def pop(self) -> dict[str, Any]:
        sent = self.sent.pop(0)
        assert (sent["type"], sent["function"]) == ("Event", LIVE_ALIAS_ARN)
        event: dict[str, Any] = sent["event"]
        return event


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _response(url: str, status: int, headers: dict[str, str], body: bytes) -> AWSResponse:
    raw = HTTPResponse(body=io.BytesIO(body), status=status, preload_content=False)
    return AWSResponse(url, status, headers, raw)


@pytest.fixture
def invokes(world: DeviceFarmWorld, monkeypatch: pytest.MonkeyPatch) -> Invokes:
    """The function's Lambda client answers every Invoke here, after botocore validated it."""
    monkeypatch.setenv("CONTINUATION_TARGET_ARN", LIVE_ALIAS_ARN)
    reset_function_caches()
    captured = Invokes()
    clients: dict[bool, Any] = {}
    real = invoker.lambda_client

    def client(interactive: bool = False) -> Any:
        if interactive not in clients:
            made = real.__wrapped__(interactive)
            made.meta.events.register_first("before-send.lambda.Invoke", captured.answer)
            clients[interactive] = made
        return clients[interactive]

    monkeypatch.setattr(invoker, "lambda_client", client)
    return captured


@pytest.fixture
def stops_per_link(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Each invocation from now on has time to start `n` sessions, no more."""

    def allow(n: int) -> None:
        def deadline(_context: Any, *_args: Any) -> CountdownDeadline:
            return CountdownDeadline(checks=LISTING_CHECKS + n)

        monkeypatch.setattr(sweeps, "lambda_deadline", deadline)
        monkeypatch.setattr(alarms, "lambda_deadline", deadline)

    return allow


def _old_sessions(world: DeviceFarmWorld, count: int) -> list[str]:
    created = world.populate([SessionSpec("alpha", 90 + n / 100) for n in range(count)])
    return [session["arn"] for session in created]


def _sweep() -> dict[str, Any]:
    """A direct-invoke sweep: the chain's first link; its summary."""
    summary: dict[str, Any] = lambda_handler({"action": "sweep"}, FakeLambdaContext())
    return summary


@pytest.fixture
def first_link(
    world: DeviceFarmWorld, invokes: Invokes, stops_per_link: Callable[[int], None]
) -> Callable[..., dict[str, Any]]:
    """`first_link(sessions, per_link=10)`: that many old sessions, time for `per_link` stops in
    each invocation, and a sweep; its summary (its continuation, if any, is in `invokes`)."""

    def start(sessions: int, per_link: int = 10) -> dict[str, Any]:
        _old_sessions(world, sessions)
        stops_per_link(per_link)
        return _sweep()

    return start


def _follow(invokes: Invokes, limit: int = MAX_LINKS + 2) -> list[dict[str, Any]]:
    """Feed every captured continuation back to the function, as Lambda would; their answers."""
    answers = []
    while invokes.sent and len(answers) < limit:
        answers.append(lambda_handler(invokes.pop(), FakeLambdaContext()))
    return answers


def _summaries(published: list[Published]) -> list[dict[str, Any]]:
    return [p.body for p in split(published)[1]]


def test_thirty_sessions_at_ten_per_invocation_are_all_stopped_by_a_chain_of_three(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
    load_event: Any,
) -> None:
    arns = _old_sessions(world, 30)
    stops_per_link(10)

    first = lambda_handler(load_event("scheduled_event.json"), FakeLambdaContext())
    rest = _follow(invokes)

    assert invokes.sent == []
    links = [first, *rest]
    assert [s["outcomes"] for s in links] == [{"STOPPED": 10}] * 3
    assert {world.status(arn) for arn in arns} == {"STOPPING"}
    outcomes, published = split(outcome_sink.published())
    assert sorted(p.body["sessionArn"] for p in outcomes) == sorted(arns), "each exactly once"
    assert {p.body["outcome"] for p in outcomes} == {"STOPPED"}
    assert [p.body for p in published] == links
    chain = [s["continuation"] for s in links]
    assert {c["chainId"] for c in chain} == {first["sweepId"]}
    assert [(c["link"], c["nextLink"], c["end"]) for c in chain] == [
        (1, 2, None),
        (2, 3, None),
        (3, None, "DONE"),
    ]
    assert [c["previousSweepId"] for c in chain] == [None, first["sweepId"], rest[0]["sweepId"]]
    totals = chain[-1]["totals"]
    assert (totals["links"], totals["outcomes"]) == (3, {"STOPPED": 30})
    assert totals["deviceMinutesStopped"] == pytest.approx(
        sum(s["deviceMinutesStopped"] for s in links), abs=0.05
    )
    assert totals["estimatedSavingsUsd"] == pytest.approx(
        sum(s["estimatedSavingsUsd"] for s in links), abs=0.05
    )
    # Every link is the schedule's sweep: its outcomes say so; email hears of the chain once.
    assert {s["trigger"]["kind"] for s in links} == {"schedule"}
    assert [p.attributes["needsAPerson"] for p in published] == ["false", "false", "true"]
    assert world.emulator.call_counts.get("ListProjects") == 3, "every link lists again"


def test_a_sweep_that_needs_one_invocation_reports_no_chain(
    invokes: Invokes, first_link: Callable[..., dict[str, Any]]
) -> None:
    summary = first_link(5)

    assert (summary["outcomes"], summary["continuation"]) == ({"STOPPED": 5}, None)
    assert invokes.sent == []


def test_the_chain_ends_at_the_link_cap_and_says_what_is_left(
    world: DeviceFarmWorld, invokes: Invokes, first_link: Callable[..., dict[str, Any]]
) -> None:
    first = first_link(MAX_LINKS + 2, per_link=1)
    rest = _follow(invokes)

    assert len(rest) == MAX_LINKS - 1
    last = rest[-1]["continuation"]
    assert (last["link"], last["end"], last["nextLink"]) == (MAX_LINKS, "LINK_CAP", None)
    assert last["totals"]["outcomes"] == {"STOPPED": MAX_LINKS}
    assert rest[-1]["leftUndoneCount"] == 2
    assert first["continuation"]["nextLink"] == 2
    assert world.emulator.call_counts["StopRemoteAccessSession"] == MAX_LINKS


def test_a_link_that_acts_on_nothing_ends_the_chain_instead_of_looping(
    world: DeviceFarmWorld,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
    first_link: Callable[..., dict[str, Any]],
) -> None:
    first_link(15)
    # The next invocation has time for its lease only: it lists nothing, stops nothing.
    stops_per_link(-LISTING_CHECKS + 1)
    [second] = _follow(invokes)

    assert second["outcomes"] == {}
    assert second["continuation"]["end"] == "NO_PROGRESS"
    assert second["continuation"]["totals"]["outcomes"] == {"STOPPED": 10}
    assert invokes.sent == []
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 10
    # The lock was released: the next scheduled sweep takes the rest.
    stops_per_link(10)
    assert _sweep()["outcomes"] == {"STOPPED": 5}


def test_a_continuation_that_cannot_be_invoked_is_reported_and_leaves_the_rest_to_the_next_sweep(
    outcome_sink: OutcomeSink, invokes: Invokes, first_link: Callable[..., dict[str, Any]]
) -> None:
    invokes.refuse_with = "AccessDeniedException"

    summary = first_link(15)

    assert len(invokes.sent) == 1, "it tried"
    chain = summary["continuation"]
    assert (chain["end"], chain["nextLink"], chain["link"]) == ("INVOKE_FAILED", None, 1)
    assert chain["totals"]["outcomes"] == {"STOPPED": 10}
    [published] = _summaries(outcome_sink.published())
    assert published == summary
    assert summary["leftUndoneCount"] == 5
    assert SweepLock().acquire(_holder(), lease_seconds=60) is None, "the lock was released"


def _holder() -> RunningSweep:
    return RunningSweep(sweep_id="next", trigger_kind="schedule", trigger_id="t", started_at="-")


def test_other_sweeps_yield_to_a_chain_between_its_links(
    invokes: Invokes, first_link: Callable[..., dict[str, Any]]
) -> None:
    first = first_link(15)

    meanwhile = _sweep()
    [second] = _follow(invokes)

    assert meanwhile["yieldedTo"]["sweepId"] == first["sweepId"]
    assert second["continuation"]["end"] == "DONE"
    assert second["continuation"]["totals"]["outcomes"] == {"STOPPED": 15}


def test_a_kill_switch_continues_as_a_kill_switch(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KILL_SWITCH_ALARM_NAMES", KILL_SWITCH_ALARM_NAME)
    reset_function_caches()
    create_alarm("eu-west-1", KILL_SWITCH_ALARM_NAME)
    world.populate([SessionSpec("alpha", 5 + n) for n in range(12)])  # young: only a kill switch
    stops_per_link(8)

    first = lambda_handler(fresh_alarm("alarm_state_change_composite.json"), FakeLambdaContext())
    [second] = _follow(invokes)

    assert first["summary"]["continuation"]["nextLink"] == 2
    assert second["killSwitch"] is True
    assert second["trigger"] == first["summary"]["trigger"]
    assert second["continuation"]["totals"]["outcomes"] == {"STOPPED": 12}


def test_a_continuation_runs_once_and_only_as_its_chain_sent_it(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
) -> None:
    world.populate([SessionSpec("alpha", 90 + n) for n in range(15)])
    world.populate([SessionSpec("beta", 10 + n) for n in range(3)])  # young
    stops_per_link(10)
    _sweep()
    event = invokes.pop()
    calls = world.emulator.call_counts.total()

    # Altered: a kill switch (which would stop the young sessions too), or a wider scope.
    for altered in (
        {**event, "policy": {**event["policy"], "killSwitch": True}},
        {**event, "resumeFrom": None},
    ):
        refused = lambda_handler(altered, FakeLambdaContext())
        assert refused["outcome"] == "REJECTED"
        assert refused["error"]["code"] == "CONTINUATION_NOT_EXPECTED"
    assert world.emulator.call_counts.total() == calls, "nothing was listed or stopped"

    ran = lambda_handler(event, FakeLambdaContext())
    replayed = lambda_handler(event, FakeLambdaContext())

    assert ran["continuation"]["end"] == "DONE"
    assert ran["continuation"]["totals"]["outcomes"] == {"STOPPED": 15}
    assert (replayed["outcome"], replayed["error"]["code"]) == (
        "REJECTED",
        "CONTINUATION_NOT_EXPECTED",
    )
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 15


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"link": "2"}, "INVALID_TYPE"),
        ({"link": 2.0}, "INVALID_TYPE"),
        ({"link": MAX_LINKS + 1}, "INVALID_VALUE"),
        ({"link": 1}, "INVALID_VALUE"),
        ({"chainId": "not-a-uuid"}, "INVALID_VALUE"),
        ({"selectedAt": "2026-11-28T03:04:05Z"}, "INVALID_VALUE"),
        ({"policy": {"maxAgeMinutes": 60}}, "MISSING_FIELD"),
        ({"trigger": {"kind": "expiry", "id": "x"}}, "INVALID_VALUE"),
        ({"alreadyDone": ["arn:aws:s3:::bucket"]}, "INVALID_ARN"),
        ({"totals": {"links": 1, "outcomes": {"STOPPED": -1}}}, "INVALID_VALUE"),
        ({"sessions": []}, "UNKNOWN_FIELD"),
    ],
)
def test_a_malformed_continuation_is_rejected_before_any_call(
    change: dict[str, Any],
    code: str,
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    first_link: Callable[..., dict[str, Any]],
) -> None:
    first_link(15)
    event = invokes.pop()
    calls = world.emulator.call_counts.total()

    result = lambda_handler({**event, **change}, FakeLambdaContext())

    assert (result["outcome"], result["error"]["code"]) == ("REJECTED", code), result
    assert world.emulator.call_counts.total() == calls
    rejected = [
        p.body for p in split(outcome_sink.published())[0] if p.body["outcome"] == "REJECTED"
    ]
    assert len(rejected) == 1, "published, as any refused event"


def test_an_api_sweep_past_the_stop_burst_hands_the_rest_on_instead_of_failing_it(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    api_event: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Device Farm's Stop allows a burst of 10, then 1/s; an API request waits at most 0.5 s
    for a token. The stops the pacer refuses are not FAILED (LimitExceeded): they are left to
    the continuation, which has the function's whole timeout to wait its turn."""
    arns = _old_sessions(world, 30)
    monkeypatch.setenv("DEVICE_FARM_STOP_RATE", "1")
    monkeypatch.setenv("DEVICE_FARM_STOP_BURST", "10")
    reset_function_caches()

    response = lambda_handler(
        api_event({}, path="/sweeps", resource="/sweeps"), FakeLambdaContext()
    )

    summary = json.loads(response["body"])
    stopped = summary["outcomes"].get("STOPPED", 0)
    assert response["statusCode"] == 202, summary
    assert summary["outcomes"] == {"STOPPED": stopped}, "nothing FAILED"
    assert stopped >= 9, "the burst (one token kept back)"
    assert summary["leftUndoneCount"] == 30 - stopped
    assert summary["continuation"]["nextLink"] == 2
    outcomes, _ = split(outcome_sink.published())
    assert {p.body["outcome"] for p in outcomes} == {"STOPPED"}

    # The continuation is a batch sweep: it waits its turn (sped up here to keep the test short).
    monkeypatch.setenv("DEVICE_FARM_STOP_RATE", "1000")
    reset_function_caches()
    [last] = _follow(invokes)

    assert last["trigger"] == summary["trigger"], "still the API request's sweep"
    assert last["continuation"]["end"] == "DONE"
    assert last["continuation"]["totals"]["outcomes"] == {"STOPPED": 30}
    assert {world.status(arn) for arn in arns} == {"STOPPING"}
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 30


def _later(selected_at: str) -> str:
    """Two hours after `selected_at`: as of then, every young session is past the age limit."""
    moment = datetime.strptime(selected_at, "%Y-%m-%dT%H:%M:%S.%fZ") + timedelta(hours=2)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.mark.parametrize(
    "alter",
    [
        pytest.param(lambda e, _: {**e, "selectedAt": _later(e["selectedAt"])}, id="selectedAt"),
        pytest.param(lambda e, left: {**e, "alreadyDone": sorted(left)}, id="alreadyDone"),
    ],
)
def test_a_continuation_whose_selection_was_altered_is_rejected(
    alter: Callable[[dict[str, Any], list[str]], dict[str, Any]],
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
) -> None:
    """The ticket binds the whole event: a later `selectedAt` (which would select the young
    sessions too) or an `alreadyDone` naming sessions still to stop (which would leave them
    running) is not the event the chain sent, and does nothing."""
    old = _old_sessions(world, 15)
    young = [s["arn"] for s in world.populate([SessionSpec("beta", 10 + n) for n in range(3)])]
    stops_per_link(10)
    _sweep()
    event = invokes.pop()
    left = [arn for arn in old if world.status(arn) != "STOPPING"]
    assert left, "the first link left work to its continuation"
    untouched = {arn: world.status(arn) for arn in young}
    calls = world.emulator.call_counts.total()

    refused = lambda_handler(alter(event, left), FakeLambdaContext())

    assert (refused["outcome"], refused["error"]["code"]) == (
        "REJECTED",
        "CONTINUATION_NOT_EXPECTED",
    )
    assert world.emulator.call_counts.total() == calls, "nothing was listed or stopped"
    # The chain's own event still runs, as the chain sent it.
    ran = lambda_handler(event, FakeLambdaContext())
    assert ran["continuation"]["totals"]["outcomes"] == {"STOPPED": 15}
    assert {world.status(arn) for arn in old} == {"STOPPING"}
    assert {arn: world.status(arn) for arn in young} == untouched


def test_a_continuation_delivered_again_while_its_link_runs_is_rejected(
    world: DeviceFarmWorld,
    outcome_sink: OutcomeSink,
    invokes: Invokes,
    stops_per_link: Callable[[int], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Lambda may deliver an asynchronous event twice, the second time while the first runs:
    the first took the chain's ticket from the lock, so the second finds none and does nothing."""
    _old_sessions(world, 15)
    stops_per_link(10)
    _sweep()
    event = invokes.pop()
    again: list[dict[str, Any]] = []

    class DeliveredAgainMidway(CountdownDeadline):
        """The link's clock; after its third stop started, Lambda delivers the event again."""

        def _tick(self) -> float:
            if self.left == LISTING_CHECKS + 10 - 3 - 1 and not again:
                monkeypatch.setattr(sweeps, "lambda_deadline", lambda *_: CountdownDeadline(20))
                again.append(lambda_handler(event, FakeLambdaContext()))
            return super()._tick()

    monkeypatch.setattr(
        sweeps, "lambda_deadline", lambda *_: DeliveredAgainMidway(LISTING_CHECKS + 10)
    )

    ran = lambda_handler(event, FakeLambdaContext())

    [duplicate] = again
    assert (duplicate["outcome"], duplicate["error"]["code"]) == (
        "REJECTED",
        "CONTINUATION_NOT_EXPECTED",
    )
    assert ran["continuation"]["end"] == "DONE"
    assert ran["continuation"]["totals"]["outcomes"] == {"STOPPED": 15}
    assert world.emulator.call_counts["StopRemoteAccessSession"] == 15, "each session once"
