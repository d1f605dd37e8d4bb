"""The demo's accounts scene: one hub stopping sessions in two member accounts of an organization.

Its own local stack, with the hub, two members whose spoke roles exist (both out of dry run) and
a third that never deployed its spoke. Every request is real HTTP to the local API; the function
reaches each member through the local STS gate (which checks the spoke role's trust policy as
IAM would) and acts at the emulator with that account's credentials only. Each step's answer
and messages are checked as strictly as the rest of the demo.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.accounts.members import LocalMember
from local.demo.http_calls import post_json
from local.devicefarm_emulator.catalogue import default_device_arn
from local.devicefarm_emulator.testing import make_devicefarm_client
from local.outcomes import Delivered, drain
from local.sample_events import scheduled_event
from local.stack import LocalStack, LocalStackConfig
from local.world import SessionSeed, new_emulator, seed_world

HUB = "123456789012"
TEAM_A, TEAM_B, NO_SPOKE = "111111111111", "222222222222", "333333333333"
MEMBERS = (
    LocalMember(TEAM_A, dry_run=False),
    LocalMember(TEAM_B, dry_run=False),
    LocalMember(NO_SPOKE, spoke_role=False),
)
SEEDS = [
    SessionSeed("team-a-app", "a-forgotten-debug", 95, account_id=TEAM_A),
    SessionSeed("team-a-app", "a-overnight-run", 130, account_id=TEAM_A),
    SessionSeed("team-a-app", "a-fresh", 10, account_id=TEAM_A),
    SessionSeed("team-b-app", "b-left-open", 80, account_id=TEAM_B),
]
NEW_SESSION = "b-new-session"
Write = Callable[[str], None]


@dataclass
class AccountsStep:
    number: str
    title: str
    request: str
    status: int
    expected_status: int
    messages: list[Delivered]
    answer: Any
    problems: list[str] = field(default_factory=list)


@dataclass
class AccountsScene:
    steps: list[AccountsStep]
    accounts: list[dict[str, Any]]  # the sweep summary's per-account lines

    @property
    def problems(self) -> list[str]:
        return [f"accounts {step.number}: {p}" for step in self.steps for p in step.problems]


def run_accounts_scene(write: Write) -> AccountsScene:
    emulator, clock = new_emulator()
    world = seed_world(emulator, clock, SEEDS)
    # The unreachable account is logged as an error, as it should be; the scene checks it.
    quiet = {"SWEEP_DRY_RUN": "false", "POWERTOOLS_LOG_LEVEL": "CRITICAL"}
    config = LocalStackConfig(members=MEMBERS, function_env=quiet)
    with LocalStack(config, emulator) as stack:
        scene = _Scene(stack, write)
        sweep = scene.sweep()
        created = scene.member_creates_a_session()
        scene.caller_refused_in_another_account(created)
        scene.caller_stops_own_session(created)
    _check_sweep(sweep, world.sessions)
    return AccountsScene(scene.steps, sweep.answer.get("accounts", []))


class _Scene:
    def __init__(self, stack: LocalStack, write: Write) -> None:
        self.stack = stack
        self.write = write
        self.steps: list[AccountsStep] = []
        resources = stack.resources
        if resources is None:
            raise RuntimeError("the local stack has no resources yet")
        self._tap = resources.tap_queue_url

    def _record(
        self, number: str, title: str, request: str, sent: tuple[int, Any], want: int
    ) -> AccountsStep:
        status, answer = sent
        step = AccountsStep(
            number, title, request, status, want, drain(self.stack.sqs(), self._tap), answer
        )
        if status != want:
            step.problems.append(f"answered {status}, expected {want}: {answer}")
        self.steps.append(step)
        self.write(f"  {number:<3} {title:<56} {request:<28} -> {status}")
        return step

    def sweep(self) -> AccountsStep:
        """The scheduled sweep (the rule's event, with a schedule's patient budgets): every
        account in scope, the unreachable one reported, not skipped in silence."""
        sent = post_json(f"{self.stack.api_url}/_local/invoke", scheduled_event(), "testing")
        return self._record(
            "A1", "scheduled sweep: hub + 3 member accounts", "POST /_local/invoke", sent, 200
        )

    def member_creates_a_session(self) -> str:
        """Team B creates a session through Device Farm's API; CloudTrail reaches the hub as team
        B's (the spoke's forwarding rule), and the hub arms its timer with team B's role."""
        key = self.stack.caller_key(TEAM_B)
        devicefarm = make_devicefarm_client(self.stack.emulator_url, access_key_id=key)
        project = devicefarm.list_projects()["projects"][0]["arn"]
        created = str(
            devicefarm.create_remote_access_session(
                projectArn=project, deviceArn=default_device_arn(), name=NEW_SESSION
            )["remoteAccessSession"]["arn"]
        )
        # With it come the sweep's own StopRemoteAccessSession records, from both members.
        delivered = self.stack.deliver_cloudtrail()
        step = self._record(
            "A2",
            "team B's CloudTrail record arms a timer in the hub",
            "deliver CloudTrail",
            (200, [d.event for d in delivered]),
            200,
        )
        armed = [m for m in step.messages if m.is_notice and m.body.get("status") == "ARMED"]
        if [m.body.get("sessionArn") for m in armed] != [created]:
            step.problems.append(f"expected one ARMED timer for {created}, got {step.messages}")
        return created

    def caller_refused_in_another_account(self, arn: str) -> None:
        key = self.stack.caller_key(TEAM_A)
        sent = post_json(f"{self.stack.api_url}/sessions/stop", {"arn": arn}, key)
        step = self._record(
            "A3", "team A's caller tries to stop team B's session", "POST /sessions/stop", sent, 403
        )
        if (step.answer or {}).get("error", {}).get("code") != "OUT_OF_SCOPE" or step.messages:
            step.problems.append(f"expected OUT_OF_SCOPE and no message, got {step.answer}")

    def caller_stops_own_session(self, arn: str) -> None:
        key = self.stack.caller_key(TEAM_B)
        sent = post_json(f"{self.stack.api_url}/sessions/stop", {"arn": arn}, key)
        step = self._record(
            "A4", "team B's caller stops its own session", "POST /sessions/stop", sent, 200
        )
        outcomes = [(m.outcome, m.body.get("account")) for m in step.messages if not m.is_notice]
        if outcomes != [("STOPPED", TEAM_B)]:
            step.problems.append(f"expected one STOPPED in {TEAM_B}, got {outcomes}")


def _check_sweep(step: AccountsStep, sessions: dict[str, str]) -> None:
    """Both members' forgotten sessions stopped, the fresh one left, the account without a
    spoke reported with why, and no call made in it."""
    outcomes = sorted(
        (
            m.outcome,
            m.body.get("account"),
            (m.body.get("error") or {}).get("code") or m.session_label,
        )
        for m in step.messages
        if not m.is_notice and not m.is_summary
    )
    expected = sorted(
        [
            ("STOPPED", TEAM_A, "a-forgotten-debug"),
            ("STOPPED", TEAM_A, "a-overnight-run"),
            ("STOPPED", TEAM_B, "b-left-open"),
            ("FAILED", NO_SPOKE, "ACCOUNT_NOT_REACHED"),
        ]
    )
    if outcomes != expected:
        step.problems.append(f"sweep outcomes {outcomes}, expected {expected}")
    reached = {line["account"]: line["reached"] for line in step.answer.get("accounts", [])}
    if reached != {HUB: True, TEAM_A: True, TEAM_B: True, NO_SPOKE: False}:
        step.problems.append(f"accounts reached {reached}")
    acted_on = {m.body.get("sessionArn") for m in step.messages if not m.is_notice}
    if sessions["a-fresh"] in acted_on:
        step.problems.append("the fresh session was acted on")


def accounts_table(scene: AccountsScene) -> str:
    rows = [f"  {'account':<14} {'reached':<8} {'dry run':<8} {'outcomes':<24} why not"]
    for line in scene.accounts:
        outcomes = ", ".join(f"{k} {v}" for k, v in sorted(line.get("outcomes", {}).items()))
        error = line.get("error") or {}
        why = f"{error.get('code', '')}: {error.get('message', '')}"[:90] if error else ""
        rows.append(
            f"  {line['account']:<14} {str(line['reached']).lower():<8} "
            f"{str(line['dryRun']).lower():<8} {outcomes or '-':<24} {why}"
        )
    return "\n".join(rows)
