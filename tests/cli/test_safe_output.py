"""What others chose (session names, messages, errors) cannot drive the reader's terminal, and
signed requests never cross the network in plain http.

Names and messages come from whoever created a session or wrote an error: a table shows their
control characters, DEL and bidi controls as visible escapes, `--json` is pure ASCII, and a
signed request goes over https to anything but loopback.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfss.cli import main
from dfss.errors import Exit
from dfss.loopback import is_loopback
from dfss.render_sessions import sessions_lines
from dfss.safe_text import is_unsafe, safe_json, sanitize
from tests.cli.fake_api import Canned, FakeApi
from tests.support.hypothesis_profiles import examples

ARN = "arn:aws:devicefarm:us-west-2:123456789012:session:p/s/00000"
BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
# Every character the brief names: C0, DEL, C1, bidi overrides, isolates and marks.
NAMED_UNSAFE = [chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), *BIDI]]
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\u202egnp.exe\u2066x\u2069\r\nforged-row\x9b31m\x7f"


@pytest.fixture
def api() -> Iterator[FakeApi]:
    server = FakeApi()
    server.start()
    yield server
    server.stop()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def unsafe_in(text: str) -> list[str]:
    return [c for c in text if c != "\n" and is_unsafe(c)]


# -- the sanitizer -----------------------------------------------------------------------------


def test_every_character_the_brief_names_is_unsafe_and_ordinary_text_is_not() -> None:
    assert all(is_unsafe(c) for c in NAMED_UNSAFE)
    assert not any(is_unsafe(c) for c in "checkout-flow Ünïcødé 名前 אבג عربي 🙂 \\ ~")


@pytest.mark.property
@settings(max_examples=examples(300))
@given(st.text())
def test_sanitized_text_has_no_unsafe_character_and_safe_text_is_unchanged(text: str) -> None:
    cleaned = sanitize(text)

    assert not [c for c in cleaned if is_unsafe(c)]
    assert cleaned.isascii() or not text.isascii()
    if not any(is_unsafe(c) for c in text):
        assert cleaned == text
    # Each unsafe character became exactly one visible escape of its own code point.
    escapes = [f"\\x{ord(c):02x}" if ord(c) <= 0xFF else f"\\u{ord(c):04x}" for c in text]
    kept = "".join(e if is_unsafe(c) else c for c, e in zip(text, escapes, strict=True))
    assert cleaned == kept


@pytest.mark.property
@settings(max_examples=examples(100))
@given(st.lists(st.text(), min_size=1, max_size=4))
def test_a_sessions_table_of_any_names_has_one_row_per_session_and_nothing_unsafe(
    names: list[str],
) -> None:
    sessions = [{"arn": f"{ARN[:-7]}{i}/00000", "name": name} for i, name in enumerate(names)]
    lines = sessions_lines({"sessions": sessions, "count": len(sessions)})

    assert not unsafe_in("\n".join(lines))
    assert lines[len(names) + 2] == ""  # header, rule, one row each, then the blank line


@pytest.mark.property
@settings(max_examples=examples(100))
@given(st.recursive(st.text(), lambda inner: st.dictionaries(st.text(), inner, max_size=3)))
def test_safe_json_is_ascii_without_controls_and_reads_back_the_same(value: object) -> None:
    written = safe_json(value)
    assert written.isascii()
    assert not unsafe_in(written)
    assert json.loads(written) == value


# -- through the command line (each failed before the fix) -------------------------------------


def test_a_hostile_session_name_shows_as_escapes_in_the_table(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    session = {"arn": ARN, "name": HOSTILE, "status": "RUNNING", "reason": "WITHIN\u202eBUDGET"}
    api.answer("GET", "/sessions", Canned(200, {"sessions": [session], "count": 1}))

    code, out, err = run(capsys, "sessions", "--endpoint", api.url)

    assert (code, err) == (Exit.OK, "")
    assert not unsafe_in(out)
    assert "evil\\x1b[2J\\x1b]0;pwned\\x07\\u202egnp.exe\\u2066x\\u2069\\x0d\\x0aforged-row" in out
    assert "\\x9b31m\\x7f" in out
    assert "WITHIN\\u202eBUDGET" in out
    lines = out.splitlines()
    assert len(lines[2]) == len(lines[1])  # the row is as wide as the rule: nothing hides


def test_a_hostile_error_message_is_one_escaped_line_on_stderr(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    refusal = {"error": {"code": "INVALID_ARN", "message": HOSTILE}, "requestId": "r\x1b-1"}
    api.default = Canned(400, refusal)

    code, out, err = run(capsys, "stop", ARN, "--endpoint", api.url)

    assert (code, out) == (Exit.REFUSED, "")
    assert err.count("\n") == 1
    assert not unsafe_in(err)
    assert err.startswith("dfss: HTTP 400 INVALID_ARN: evil\\x1b[2J")
    assert err.endswith("[request r\\x1b-1]\n")


def test_an_outcome_with_hostile_fields_is_escaped(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    outcome = {
        "outcome": "STOPPED",
        "sessionArn": ARN + "\x1b[A",
        "session": {"name": HOSTILE, "device": {"name": "Pixel\u2067"}},
    }
    api.default = Canned(200, outcome)

    code, out, _ = run(capsys, "stop", ARN, "--endpoint", api.url)

    assert code == Exit.OK
    assert not unsafe_in(out)
    assert f"arn: {ARN}\\x1b[A" in out.splitlines()


def test_json_output_is_ascii_and_the_same_answer(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    session = {"arn": ARN, "name": HOSTILE + " 名前 🙂"}
    answer = {"sessions": [session], "count": 1}
    api.answer("GET", "/sessions", Canned(200, answer))

    code, out, _ = run(capsys, "sessions", "--endpoint", api.url, "--json")

    assert code == Exit.OK
    assert out.isascii()
    assert not unsafe_in(out)
    assert json.loads(out) == answer
    assert {"\\u202e", "\\u007f", "\\u540d"} <= {out[i : i + 6] for i in range(len(out))}


def test_the_sanitizer_does_not_touch_what_a_reader_needs() -> None:
    for ordinary in ("keep-perf-baseline", "Ünïcødé 名前", "a\\x1b literal backslash"):
        assert sanitize(ordinary) == ordinary
    assert unicodedata.category(sanitize("\u202e")[0]) == "Po"  # the backslash, printable


# -- plain http only to loopback ---------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com/dev/",
        "http://10.0.0.5:3000",
        "http://[::ffff:127.0.0.1]:3000",  # IPv4-mapped: not ::1
        "http://127.0.0.1.nip.io:3000",  # resolves to loopback, but is a name
        "http://localhost.example.com/",
    ],
)
def test_signed_requests_over_plain_http_to_another_host_are_refused(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "stop", ARN, "--endpoint", url)

    assert (code, out) == (Exit.USAGE, "")
    assert err.startswith("dfss: refusing to send a signed request over plain http to ")
    assert "use https" in err


@pytest.mark.parametrize(
    ("url", "loopback"),
    [
        ("http://127.0.0.1:3000", True),
        ("http://127.255.0.9/", True),
        ("http://[::1]:3000/", True),
        ("http://localhost:3000", True),
        ("http://LOCALHOST/", True),
        ("http://128.0.0.1/", False),
        ("http://[::2]/", False),
        ("https://a1b2c3.execute-api.eu-west-1.amazonaws.com/dev/", False),
    ],
)
def test_loopback_is_127_slash_8_the_ipv6_loopback_and_localhost(url: str, loopback: bool) -> None:
    assert is_loopback(url) is loopback


def test_plain_http_to_loopback_is_signed_and_sent(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.default = Canned(200, {"outcome": "STOPPED", "sessionArn": ARN})
    localhost = api.url.replace("127.0.0.1", "localhost")

    code, _, err = run(capsys, "stop", ARN, "--endpoint", localhost)

    assert (code, err) == (Exit.OK, "")
    assert api.only_request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 ")
