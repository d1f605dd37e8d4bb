"""The background loop behind the local stack's CloudTrail delivery and scheduler runner."""

from __future__ import annotations

import logging
import threading

import pytest

from local.ticker import Ticker


def test_a_failing_round_is_logged_once_and_the_next_rounds_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rounds: list[int] = []
    enough = threading.Event()

    def action() -> None:
        rounds.append(1)
        if len(rounds) >= 5:
            enough.set()
        raise RuntimeError("moto is down")

    ticker = Ticker(action, "test-ticker")
    with caplog.at_level(logging.ERROR, logger="local.ticker"):
        ticker.start(0.01)
        try:
            assert enough.wait(5)
        finally:
            ticker.stop()
    assert len([r for r in caplog.records if "test-ticker" in r.getMessage()]) == 1
    assert not ticker.running


def test_a_ticker_runs_once_at_a_time() -> None:
    ticker = Ticker(lambda: None, "twice")
    ticker.start(1.0)
    try:
        with pytest.raises(RuntimeError, match="already running"):
            ticker.start(1.0)
    finally:
        ticker.stop()
