"""A sweep's line per account: reached or not, and why. A role that may list but is refused a
stop grants less than the spoke's: the account is reported as not reached, with the refusal."""

from __future__ import annotations

import time

from session_stopper import clock
from session_stopper.account_settings import AccountsSettings
from session_stopper.config import Settings
from session_stopper.domain.outcomes import Origin, outcome_message
from session_stopper.domain.sweeps.report import Report
from session_stopper.models.account import MemberAccount
from session_stopper.models.outcome import Outcome, OutcomeError, TriggerKind
from session_stopper.models.sweep import SweepPolicy

HUB, LISTED, DENIED = "123456789012", "111111111111", "222222222222"
SETTINGS = Settings(
    outcome_topic_arn="t",
    outcome_dlq_url="q",
    idempotency_table_name="i",
    devicefarm_account_id=HUB,
    sweep_dry_run=False,
    accounts=AccountsSettings(
        members=(MemberAccount(id=LISTED, dryRun=False), MemberAccount(id=DENIED)),
        spoke_role_name="spoke",
        spoke_external_id="external",
    ),
)


def session(account: str) -> str:
    return f"arn:aws:devicefarm:us-west-2:{account}:session:p/s/00000"


def test_each_account_has_its_line_and_a_refused_stop_marks_its_role_short() -> None:
    report = Report(
        SweepPolicy(max_age_minutes=60, project_arns=(), dry_run=False), clock.now, time.monotonic()
    )
    report.inventory.accounts = [HUB, LISTED, DENIED]
    origin = Origin.of(TriggerKind.SCHEDULE, "rule")
    report.tally.add(outcome_message(Outcome.STOPPED, origin, arn=session(LISTED)))
    refusal = OutcomeError(
        code="AccessDeniedException", message="not authorized: StopRemoteAccessSession"
    )
    report.tally.add(outcome_message(Outcome.FAILED, origin, arn=session(DENIED), error=refusal))

    lines = {line.account: line for line in report.accounts(SETTINGS)}

    assert (lines[HUB].reached, lines[HUB].outcomes, lines[HUB].dry_run) == (True, {}, False)
    assert (lines[LISTED].reached, lines[LISTED].outcomes) == (True, {"STOPPED": 1})
    assert lines[DENIED].reached is False
    assert lines[DENIED].error == refusal
    assert lines[DENIED].dry_run is True  # listed without dryRun: it joined in dry run
