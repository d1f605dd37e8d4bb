"""Hypothesis strategies for everything a caller can send: well formed, nearly so, and garbage.

Near-misses matter most: ARNs that differ from a real one by a character Python's `\\d`, `$` or
`isdigit` would let through, a newline, a control character, another region or account, a path
segment; bodies that are almost the right JSON. Plain garbage covers the rest.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any

from hypothesis import strategies as st

# Characters that have fooled ARN checks: line ends, NUL, a C1 control, other scripts' digits
# (fullwidth, Devanagari, Arabic-Indic), separators, a lone surrogate, a lookalike letter.
TRICKY = [
    "\n",
    "\r",
    "\x00",
    "\u008c",
    "\uff11",
    "\u0968",
    "\u0661",
    "/",
    ":",
    " ",
    ".",
    "..",
    "\ud800",
    "\u212a",
    "*",
    "%2F",
    "\t",
]
UNICODE_DIGITS = "\uff10\uff11\uff12\uff13\u0966\u0967\u0968\u0660\u0661"

texts = st.text(max_size=40) | st.text(st.characters(codec="utf-8"), max_size=10)
# st.text never yields lone surrogates; JSON can carry them, so callers can send them.
surrogates = st.text(st.characters(categories=["Cs"]), min_size=1, max_size=3)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts
    | surrogates
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            texts | st.sampled_from(["arn", "action", "dryRun", "maxAgeMinutes"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)


def _at(arn: str, position: int, text: str, width: int = 0) -> str:
    at = position % (len(arn) + 1 - width)
    return arn[:at] + text + arn[at + width :]


def _digit(arn: str, position: int, digit: str) -> str:
    digits = [i for i, c in enumerate(arn) if c.isdigit()]
    at = digits[position % len(digits)]
    return arn[:at] + digit + arn[at + 1 :]


@st.composite
def near_misses(draw: st.DrawFn, arn: str) -> str:
    """`arn` changed in one way that must make it refused (or left as it is).

    What is drawn never depends on `arn` itself (positions are drawn first and wrapped), so an
    example replays the same way whatever ids the emulator gave the sessions."""
    position = draw(st.integers(0, 10_000))
    region = draw(st.sampled_from(["us-east-1", "eu-west-1", "US-WEST-2", "us-west-02"]))
    account = draw(st.sampled_from(["210987654321", "12345678901", "1234567890123"]))
    tricky = draw(st.sampled_from(TRICKY))
    mutations = {
        "insert": lambda: _at(arn, position, tricky),
        "replace-digit": lambda: _digit(arn, position, draw(st.sampled_from(UNICODE_DIGITS))),
        "region": lambda: arn.replace("us-west-2", region, 1),
        "account": lambda: arn.replace("123456789012", account, 1),
        "upper": arn.upper,
        "truncate": lambda: arn[: position % len(arn)],
        "suffix": lambda: arn + draw(st.sampled_from(["\n", "/", "/00001", " ", "\x00", "\u2028"])),
        "segment": lambda: arn.replace(":session:", f":session:{tricky}/", 1),
        "same": lambda: arn,
    }
    return mutations[draw(st.sampled_from(sorted(mutations)))]()


def arns(real: list[str]) -> st.SearchStrategy[str]:
    """Real session ARNs, their near misses, and text that is no ARN at all."""
    exact = st.sampled_from(real)
    return exact | exact.flatmap(near_misses) | texts | surrogates


def stop_bodies(real: list[str]) -> st.SearchStrategy[Any]:
    """What `{"arn": ...}` can turn into."""
    arn = arns(real)
    return st.one_of(
        st.fixed_dictionaries({"arn": arn}),
        st.fixed_dictionaries(
            {"arn": arn}, optional={"dryRun": json_values, "ARN": arn, "force": st.booleans()}
        ),
        st.lists(st.fixed_dictionaries({"arn": arn}), min_size=1, max_size=2),
        st.fixed_dictionaries({"arn": json_values}),
        json_values,
    )


def sweep_commands(projects: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Sweep inputs: right and wrong types, project lists with near misses, unknown keys."""
    project = st.sampled_from(projects) | st.sampled_from(projects).flatmap(near_misses) | texts
    return st.fixed_dictionaries(
        {},
        optional={
            "action": st.sampled_from(["sweep", "stop", "Sweep"]) | json_values,
            "maxAgeMinutes": st.integers(-5, 200)
            | st.floats(-1, 1e6, allow_nan=False)
            | json_values,
            "dryRun": st.booleans() | st.sampled_from([0, 1, "true", "yes", None]),
            "projectArns": st.lists(project, max_size=3) | json_values,
            "max_age_minutes": st.integers(0, 100),
            "dry_run": st.booleans(),
        },
    )


def well_typed_sweeps(projects: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """Sweep commands of the right shape, asking for anything from nothing to everything."""
    return st.fixed_dictionaries(
        {},
        optional={
            "action": st.just("sweep"),
            "maxAgeMinutes": st.integers(0, 150) | st.floats(0, 150) | st.none(),
            "dryRun": st.booleans() | st.none(),
            "projectArns": st.lists(st.sampled_from(projects), max_size=3) | st.none(),
        },
    )


def continuation_events(
    projects: list[str], sessions: list[str]
) -> st.SearchStrategy[dict[str, Any]]:
    """A sweep's continuation event (models/continuation.py), mostly well formed and asking for
    the most a forger would (a kill switch, every project, out of dry run); each field now and
    then wrong in the ways the other strategies try."""

    def field(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any]) -> Any:
        return mostly(good, bad | json_values, in_ten=1)

    chain_id = st.uuids().map(str)
    project = st.sampled_from(projects)
    policy = st.fixed_dictionaries(
        {
            "maxAgeMinutes": field(st.integers(30, 200) | st.floats(30, 1e5), st.just("60")),
            "projectArns": field(st.lists(project, max_size=2), project.flatmap(near_misses)),
            "dryRun": field(st.booleans(), st.sampled_from([0, "false"])),
            "killSwitch": field(st.booleans(), st.sampled_from([1, "true"])),
            "byDeadline": field(st.booleans(), st.none()),
        }
    )
    totals = st.fixed_dictionaries(
        {"links": field(st.integers(1, 10), st.integers(-1, 12))},
        optional={
            "outcomes": field(
                st.dictionaries(st.sampled_from(["STOPPED", "FAILED"]), st.integers(0, 9)),
                st.dictionaries(texts, st.integers(-1, 9), min_size=1),
            ),
            "deviceMinutesStopped": field(st.floats(0, 1e6), st.floats(allow_nan=False)),
        },
    )
    resume = st.none() | st.fixed_dictionaries(
        {"projectId": field(st.sampled_from(["p", "a-b_1"]), texts)},
        optional={"sessionId": field(st.just("s1"), texts), "jobId": st.just("00000")},
    )
    instants = st.datetimes(datetime(2000, 1, 1), datetime(2100, 1, 1)).map(
        lambda d: d.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    )
    return st.fixed_dictionaries(
        {
            "action": st.just("continueSweep"),
            "chainId": field(chain_id, texts),
            "link": field(st.integers(2, 10), st.integers(-1, 12)),
            "previousSweepId": field(chain_id, texts),
            "correlationId": field(st.uuids().map(str), surrogates),
            "trigger": st.fixed_dictionaries(
                {
                    "kind": field(st.sampled_from(["schedule", "alarm", "api"]), st.just("expiry")),
                    "id": field(st.just("rule/sweep"), surrogates),
                }
            ),
            "selectedAt": field(instants, texts),
            "policy": policy,
            "resumeFrom": resume,
            "totals": totals,
        },
        optional={
            "alreadyDone": field(st.lists(st.sampled_from(sessions), max_size=3), arns(sessions)),
        },
    )


# JSON texts Python's json module trips on in ways of its own (constants, big numbers, depth).
ODD_JSON_TEXTS = [
    '{"arn": NaN}',
    '{"arn": 1, "arn": 2}',
    '{"arn": "a"',
    "",
    "null",
    '{"arn": 1e400}',
    '{"maxAgeMinutes": -1e400}',
    '{"arn": ' + "9" * 5000 + "}",
    "[" * 100_000,
]


def raw_bodies(value: st.SearchStrategy[Any]) -> st.SearchStrategy[tuple[str | None, bool]]:
    """(body, isBase64Encoded): JSON text, broken JSON, deep nesting, base64 of anything."""
    as_json = value.map(json.dumps)
    return st.one_of(
        st.tuples(as_json, st.just(False)),
        st.tuples(as_json, st.just(False)),
        st.tuples(as_json, st.just(False)),
        st.tuples(
            as_json.map(lambda t: base64.b64encode(t.encode("utf-8", "surrogatepass")).decode()),
            st.just(True),
        ),
        st.tuples(
            st.binary(max_size=30).map(lambda b: base64.b64encode(b).decode()), st.just(True)
        ),
        st.tuples(texts, st.booleans()),
        st.tuples(st.integers(1, 5000).map(lambda n: "[" * n + "]" * n), st.just(False)),
        st.tuples(
            st.sampled_from(ODD_JSON_TEXTS),
            st.just(False),
        ),
        st.tuples(st.none(), st.booleans()),
    )


_JSON_TYPES = st.sampled_from(
    [
        None,
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "application/merge-patch+json",
        "",
    ]
)
_OTHER_TYPES = st.sampled_from(
    [
        "text/plain",
        "multipart/form-data",
        "multipart/form-data; boundary=x",
        "application/x-www-form-urlencoded",
        "+json",
        "application/jsonp",
    ]
)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], in_ten: int = 2) -> Any:
    """`rare` about `in_ten` times in ten: Hypothesis' one_of would otherwise favour the branch
    with the most distinct values (free text), starving the usual case of examples."""
    return st.integers(0, 9).flatmap(lambda n: rare if n < in_ten else usual)


# Mostly a type the function takes, so the body behind it gets tested too.
CONTENT_TYPES = mostly(_JSON_TYPES, _OTHER_TYPES | texts)


# What people must not be shown by someone else: line breaks, escapes, bidi overrides and
# isolates, zero-width and other invisible characters, and text that reads like an instruction.
HOSTILE = ["\n", "\r", "\x1b[31m", "\x00", "\u0085", "\u202e", "\u2066", "\u200b", "\ufeff", "\\"]
_SESSION_PREFIX = "arn:aws:devicefarm:us-west-2:123456789012:session:"


def caller_texts() -> st.SearchStrategy[str]:
    """Text a caller may put where a session ARN goes: short or up to ~3 KB, arbitrary or built
    from hostile pieces, bare or inside the parts of an ARN (whose checks name the part)."""
    piece = st.text(max_size=12) | st.sampled_from(HOSTILE) | st.just("call +1-555-0100 now ")
    long = st.builds(
        lambda parts, times: "".join(parts) * times,
        st.lists(piece, min_size=1, max_size=6),
        st.integers(1, 150),
    )
    text = st.text(max_size=200) | surrogates | long
    return st.one_of(
        text,
        text.map(lambda junk: _SESSION_PREFIX + junk),
        text.map(lambda junk: f"arn:aws:devicefarm:{junk}:123456789012:session:p/s/00000"),
        text.map(lambda junk: f"arn:aws:devicefarm:us-west-2:123456789012:{junk}:p/s/00000"),
    )
