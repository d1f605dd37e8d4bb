"""Naming a session by its name or short id, `dfss status`, and a live sweep that asks first:
against the local stack (the real handler, the emulator and moto)."""

from __future__ import annotations

import io
import json
import re
from datetime import datetime, timedelta

from dfss.errors import Exit
from dfss.targets import session_id, short_ids
from tests.cli.local_dfss import Dfss, Local

ACTIVE = {"forgotten-debug", "checkout-flow", "keep-perf-baseline", "exploratory-ios"}


class Keyboard(io.StringIO):
    """stdin on a terminal, with what the person types."""

    def isatty(self) -> bool:
        return True


def listed_ids(out: str) -> dict[str, str]:
    """name -> id, from `dfss sessions`' table."""
    table = out.split("\n\n", 1)[0].splitlines()[2:]
    return {row.split()[1]: row.split()[0] for row in table}


# -- ids ---------------------------------------------------------------------------------------


def test_short_ids_are_8_characters_unless_two_sessions_share_them() -> None:
    base = "arn:aws:devicefarm:us-west-2:123456789012:session:p"
    arns = [
        f"{base}/1a2b3c4d-aaaa-4000-8000-000000000000/00000",
        f"{base}/1a2b3c4d-bbbb-4000-8000-000000000000/00000",
        f"{base}/99999999-0000-4000-8000-000000000000/00000",
    ]
    assert short_ids(arns) == {
        arns[0]: "1a2b3c4d-a",
        arns[1]: "1a2b3c4d-b",
        arns[2]: "99999999",
    }
    assert session_id(arns[2]) == "99999999-0000-4000-8000-000000000000"


def test_sessions_shows_each_sessions_id_deadline_and_time_left(local: Local, dfss: Dfss) -> None:
    ran = dfss("sessions")

    assert (ran.code, ran.err) == (Exit.OK, "")
    header = ran.out.splitlines()[0].split()
    assert header[:2] == ["id", "session"]
    assert "left" in header
    ids = listed_ids(ran.out)
    assert set(ids) == ACTIVE
    for name, short in ids.items():
        assert session_id(local.world.arn(name)).startswith(short)
        assert len(short) == 8
    # forgotten-debug is 95 minutes old with a 60-minute budget: 35 minutes past its deadline.
    row = next(line for line in ran.out.splitlines() if " forgotten-debug " in line)
    assert re.search(r" -3\dm ", row), row


# -- stop, extend and status by name or id -----------------------------------------------------


def test_stop_by_name(local: Local, dfss: Dfss) -> None:
    ran = dfss("stop", "checkout-flow")

    assert (ran.code, ran.err) == (Exit.OK, "")
    assert ran.out.splitlines()[2].split()[:2] == ["STOPPED", "checkout-flow"]
    assert f"arn: {local.world.arn('checkout-flow')}" in ran.out.splitlines()
    assert local.status("checkout-flow") in ("STOPPING", "COMPLETED")


def test_extend_and_status_by_the_short_id_sessions_shows(local: Local, dfss: Dfss) -> None:
    short = listed_ids(dfss("sessions").out)["exploratory-ios"]

    extended = dfss("extend", short, "--minutes", "10", "--json")
    status = dfss("status", short)

    assert (extended.code, extended.err) == (Exit.OK, "")
    answer = json.loads(extended.out)
    assert (answer["sessionArn"], answer["minutesAdded"]) == (
        local.world.arn("exploratory-ios"),
        10,
    )
    assert (status.code, status.err) == (Exit.OK, "")
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in status.out.splitlines())
    assert fields["name"] == "exploratory-ios"
    assert fields["id"] == short
    assert fields["arn"] == local.world.arn("exploratory-ios")
    assert fields["budget (min)"] == "60"
    assert fields["timer armed"] == "yes"
    deadline = datetime.fromisoformat(answer["deadline"])
    assert fields["deadline (UTC)"] == f"{deadline:%Y-%m-%dT%H:%M:%S}Z"
    assert re.fullmatch(r"\d+m", fields["time left"])  # 25 min old + 60 budget + 10 extended
    warning = deadline - timedelta(minutes=5)  # the function's default warning lead
    assert fields["warning (UTC)"] == f"{warning:%Y-%m-%dT%H:%M:%S}Z"
    assert fields["extended"] == f"10 min past the budget, to {fields['deadline (UTC)']}"


def test_status_of_a_session_never_extended(local: Local, dfss: Dfss) -> None:
    ran = dfss("status", "checkout-flow")

    assert (ran.code, ran.err) == (Exit.OK, "")
    fields = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in ran.out.splitlines())
    assert fields["extended"] == "never"


def test_status_by_arn_and_as_json(local: Local, dfss: Dfss) -> None:
    ran = dfss("status", local.world.arn("keep-perf-baseline"), "--json")

    assert ran.code == Exit.OK
    session = json.loads(ran.out)
    assert (session["name"], session["reason"]) == ("keep-perf-baseline", "PROTECTED")
    assert (session["extendedMinutes"], session["extendedTo"]) == (0, None)
    assert "warningAt" in session


def test_a_name_that_fits_no_active_session_is_a_usage_error(local: Local, dfss: Dfss) -> None:
    for target in ("login-smoke", "nobody"):  # ended; never existed
        ran = dfss("stop", target)
        assert (ran.code, ran.out) == (Exit.USAGE, "")
        assert ran.err == (
            f"dfss: no active session is named '{target}' or has that id or ARN "
            "(`dfss sessions` lists them)\n"
        )
    assert local.status("forgotten-debug") == "RUNNING"


def test_a_name_two_sessions_share_lists_both_and_stops_neither(local: Local, dfss: Dfss) -> None:
    project = local.world.projects["android-app"]
    twin = local.stack.emulator.create_session(project, name="checkout-flow")

    ran = dfss("stop", "checkout-flow")

    assert (ran.code, ran.out) == (Exit.USAGE, "")
    lines = ran.err.splitlines()
    assert lines[0] == "dfss: 'checkout-flow' names 2 active sessions: give one's id or ARN"
    assert {line.split()[-1] for line in lines[1:]} == {
        local.world.arn("checkout-flow"),
        twin["arn"],
    }
    assert all(line.split()[1] == "checkout-flow" for line in lines[1:])
    assert local.status("checkout-flow") == "RUNNING"
    # Either id tells them apart.
    assert dfss("status", lines[1].split()[0]).code == Exit.OK


def test_a_name_is_not_resolved_on_an_incomplete_listing(local: Local, dfss: Dfss) -> None:
    local.stack.emulator.faults.update_from_json(
        {"throttleRate": 1.0}
    )  # every listing is throttled

    ran = dfss("stop", "checkout-flow")

    assert (ran.code, ran.out) == (Exit.REFUSED, "")
    assert ran.err.startswith(
        "dfss: cannot tell which session 'checkout-flow' is: the listing is incomplete (HTTP "
    )
    assert ran.err.endswith("; give its ARN\n")


def test_sessions_during_a_failed_listing_does_not_say_no_active_session(
    local: Local, dfss: Dfss
) -> None:
    local.stack.emulator.faults.update_from_json({"throttleRate": 1.0})

    ran = dfss("sessions")

    assert ran.code == Exit.REFUSED
    assert "no active session" not in ran.out
    assert ran.out.startswith("no session could be listed (see below)\n")
    assert "listing failures:" in ran.out


# -- a live sweep asks first -------------------------------------------------------------------


def test_a_live_sweep_off_a_terminal_without_yes_is_refused_before_anything(
    local: Local, dfss: Dfss
) -> None:
    ran = dfss("sweep", stdin=io.StringIO("y\n"))  # piped: not a terminal

    assert (ran.code, ran.out) == (Exit.USAGE, "")
    assert ran.err.startswith("dfss: a live sweep stops sessions: run it on a terminal to confirm")
    assert local.status("forgotten-debug") == "RUNNING"


def test_a_live_sweep_shows_the_dry_run_and_stops_only_when_confirmed(
    local: Local, dfss: Dfss
) -> None:
    declined = dfss("sweep", stdin=Keyboard("n\n"))

    assert declined.code == Exit.REFUSED
    assert "dry run (nothing stopped)" in declined.out
    assert re.search(r"skip +DRY_RUN +forgotten-debug", declined.out)
    assert declined.err.endswith("[y/N] dfss: not confirmed: nothing stopped\n")
    assert local.status("forgotten-debug") == "RUNNING"

    confirmed = dfss("sweep", stdin=Keyboard("y\n"))

    assert confirmed.code == Exit.OK, confirmed.err
    preview, live = confirmed.out.split("\nsweep ", 1)
    assert "dry run (nothing stopped)" in preview
    assert ": live;" in live.splitlines()[0]
    assert re.search(r"stop +SELECTED +forgotten-debug", live)
    assert local.status("forgotten-debug") in ("STOPPING", "COMPLETED")


def test_yes_runs_a_live_sweep_without_asking(local: Local, dfss: Dfss) -> None:
    ran = dfss("sweep", "--yes", stdin=io.StringIO(""))

    assert (ran.code, ran.err) == (Exit.OK, "")
    assert "dry run" not in ran.out
    assert local.status("forgotten-debug") in ("STOPPING", "COMPLETED")
