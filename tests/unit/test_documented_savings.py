"""The savings the README and docs/deploy.md quote agree with the function's own formula.

`estimatedSavingsUsd` is PRICE_PER_DEVICE_MINUTE times the minutes each stopped metered session
would still have billed before Device Farm's 150-minute limit (domain/selection.py,
metered_minutes_saved). The numbers are read from the documents themselves, so an example
that drifts from the formula fails here.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from infra.context_keys import read_context_defaults
from session_stopper.domain.selection import SESSION_LIMIT_MINUTES, metered_minutes_saved
from session_stopper.models.outcome import SessionSummary

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
# "One metered session stopped at 60 minutes, instead of running to the 150-minute limit, saves
# $15.30 (90 minutes at $0.17)", wrapped anywhere.
EXAMPLE = re.compile(
    r"session\s+stopped\s+at\s+(?P<age>\d+)\s+minutes,\s+instead\s+of\s+running\s+to\s+the\s+"
    r"(?P<limit>\d+)-minute\s+limit,\s+saves\s+\$(?P<usd>\d+\.\d\d)\s+"
    r"\((?P<minutes>\d+)\s+minutes\s+at\s+\$(?P<price>\d+\.\d\d)\)",
    re.IGNORECASE,
)


def _saved_usd(age_minutes: float, price: float, billing: str = "METERED") -> float:
    session = SessionSummary(
        arn=ARN, billingMethod=billing, started=NOW - timedelta(minutes=age_minutes)
    )
    return round(metered_minutes_saved(session, NOW) * price, 2)


def _price() -> float:
    return float(read_context_defaults(ROOT / "cdk.json")["pricePerDeviceMinute"])


@pytest.mark.parametrize("document", ["README.md", "docs/deploy.md"])
def test_the_documented_example_is_the_formulas(document: str) -> None:
    text = (ROOT / document).read_text(encoding="utf-8")
    examples = list(EXAMPLE.finditer(text))
    assert examples, f"{document} no longer has the savings example this test reads"
    for example in examples:
        age, price = int(example["age"]), float(example["price"])
        assert price == _price(), "the example's price is the deployed default"
        assert int(example["limit"]) == SESSION_LIMIT_MINUTES
        assert int(example["minutes"]) == SESSION_LIMIT_MINUTES - age
        assert float(example["usd"]) == _saved_usd(age, price), example.group(0)


def test_the_readme_s_most_per_forgotten_session_is_the_formulas() -> None:
    """'up to $25.50 ... per forgotten session': stopped at once, nothing of it billed."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    price = float(re.search(r"\(\$(\d+\.\d\d)/min metered\)", text)[1])  # type: ignore[index]
    most = float(re.search(r"up\s+to\s+\$(\d+\.\d\d)", text)[1])  # type: ignore[index]
    assert price == _price()
    assert most == _saved_usd(0, price)


def test_unmetered_sessions_save_nothing() -> None:
    assert _saved_usd(60, _price(), billing="UNMETERED") == 0.0
