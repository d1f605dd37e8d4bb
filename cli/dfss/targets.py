"""Naming a session without its ARN: its name, or the short id `dfss sessions` shows.

A session ARN is `arn:aws:devicefarm:<region>:<account>:session:<project>/<session>/<job>`; its
short id is the start of `<session>` (a UUID), as long as it takes to tell it apart from every
other active session: 8 characters, more when two sessions share them. A name or id that fits
no active session, or more than one, is refused with the candidates, before anything is asked
of the API but the listing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dfss.errors import CliError, Exit

SHORT_ID_LENGTH = 8
ARN_PREFIX = "arn:"


def is_arn(target: str) -> bool:
    return target.startswith(ARN_PREFIX)


def session_id(arn: str) -> str:
    """The session's own id (the UUID between the project's and the job's), lower-cased; the
    whole resource part for an ARN of another shape."""
    resource = arn.partition(":session:")[2] or arn
    parts = resource.split("/")
    return (parts[1] if len(parts) == 3 else resource).lower()


def short_ids(arns: Sequence[str]) -> dict[str, str]:
    """For each ARN, the shortest start of its session id (at least 8 characters) that no
    other ARN's id starts with."""
    ids = {arn: session_id(arn) for arn in arns}
    shortest: dict[str, str] = {}
    for arn, own in ids.items():
        others = [other for key, other in ids.items() if key != arn]
        length = SHORT_ID_LENGTH
        while length < len(own) and any(other.startswith(own[:length]) for other in others):
            length += 1
        shortest[arn] = own[:length]
    return shortest


def _arn(session: Mapping[str, Any]) -> str:
    arn = session.get("arn")
    return arn if isinstance(arn, str) else ""


def matches(target: str, sessions: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sessions `target` names: by ARN, by name, or by a start of their session id."""
    if is_arn(target):
        return [s for s in sessions if _arn(s) == target]
    prefix = target.lower()
    return [
        s for s in sessions if s.get("name") == target or session_id(_arn(s)).startswith(prefix)
    ]


def the_one(target: str, sessions: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The one active session `target` names; a usage error (exit 2) listing the candidates when
    it names none or several."""
    found = matches(target, sessions)
    if len(found) == 1:
        return found[0]
    if not found:
        raise CliError(
            Exit.USAGE,
            f"no active session is named {target!r} or has that id or ARN "
            "(`dfss sessions` lists them)",
        )
    ids = short_ids([_arn(s) for s in sessions])
    candidates = [f"{ids.get(_arn(s), '-')}  {s.get('name') or '-'}  {_arn(s)}" for s in found]
    raise CliError(
        Exit.USAGE,
        f"{target!r} names {len(found)} active sessions: give one's id or ARN",
        details=candidates,
    )
