"""A sweep lists its accounts one after another, each only while its deadline allows: one that
runs out of time after the first account leaves every project to its continuation, rather than
acting on a partial list (the next link lists all again, in the same order)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from session_stopper import clock
from session_stopper.account_settings import AccountsSettings
from session_stopper.config import Settings
from session_stopper.domain.accounts import AccountScope
from session_stopper.domain.outcomes import Origin
from session_stopper.domain.sweeps.chain import ALL_PROJECTS, ChainLink
from session_stopper.domain.sweeps.inventory import InventoryTaker
from session_stopper.domain.sweeps.report import Tally
from session_stopper.models.account import MemberAccount
from session_stopper.models.outcome import TriggerKind
from session_stopper.models.sweep import SweepPolicy
from tests.integration.test_sweeps import CountdownDeadline

HUB, MEMBER = "123456789012", "111111111111"
SETTINGS = Settings(
    outcome_topic_arn="t",
    outcome_dlq_url="q",
    idempotency_table_name="i",
    devicefarm_account_id=HUB,
    accounts=AccountsSettings(
        members=(MemberAccount(id=MEMBER),), spoke_role_name="s", spoke_external_id="xx"
    ),
)


class Listing:
    def __init__(self) -> None:
        self.listed: list[str] = []

    def list_projects(self, account: str) -> Any:
        self.listed.append(account)
        return []


def test_accounts_after_the_first_are_listed_only_while_the_deadline_allows() -> None:
    listing = Listing()
    taker = InventoryTaker(
        SETTINGS,
        listing,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        accounts=AccountScope(SETTINGS, None),
    )
    policy = SweepPolicy(max_age_minutes=60, project_arns=(), dry_run=True)
    origin = Origin.of(TriggerKind.SCHEDULE, "rule")

    inventory = taker.take(
        policy,
        origin,
        CountdownDeadline(checks=0),
        Tally(clock.now),
        link=ChainLink(),
        now=datetime(2026, 12, 6, tzinfo=UTC),
    )

    assert listing.listed == [MEMBER], "the first account (by id) is listed as one account is"
    assert inventory.projects_not_reached == [ALL_PROJECTS]
