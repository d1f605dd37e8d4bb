"""The admin API (`/_emulator/...`): faults, rate limits, clock, reset, call counts and
CloudTrail of a running server, and the accounts it serves.

Settings (faults, rate limits, CloudTrail) apply to every account; counts and CloudTrail events
are the hub's, and `/_emulator/accounts` has every account's counts.

The prefix cannot collide with the protocol, which only ever uses `POST /`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from local.devicefarm_emulator.emulator import DeviceFarmEmulator
from local.devicefarm_emulator.operations import SUPPORTED_OPERATIONS

ADMIN_PREFIX = "/_emulator/"

Body = dict[str, Any]
Answer = tuple[int, Body]
Route = Callable[[DeviceFarmEmulator, Body], Answer]


def handle_admin(emulator: DeviceFarmEmulator, method: str, path: str, body: Body) -> Answer:
    route = _ROUTES.get((method, path.rstrip("/")))
    if route is None:
        return 404, {"error": f"no admin route {method} {path}"}
    try:
        return route(emulator, body)
    except (TypeError, ValueError) as error:
        return 400, {"error": str(error)}


def _health(_emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    return 200, {"status": "ok", "operations": list(SUPPORTED_OPERATIONS)}


def _get_faults(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    return 200, emulator.faults.to_json()


def _set_faults(emulator: DeviceFarmEmulator, body: Body) -> Answer:
    emulator.faults.update_from_json(body)
    return 200, emulator.faults.to_json()


def _get_rate_limits(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    return 200, emulator.rate_limiter.settings.to_json()


def _set_rate_limits(emulator: DeviceFarmEmulator, body: Body) -> Answer:
    """Partial update (enabled, readBurst, readRate, otherBurst, otherRate, timeScale); the
    buckets start full under the new settings."""
    emulator.rate_limiter.settings.update_from_json(body)  # raises before any account changes
    for account in emulator.accounts().values():
        account.rate_limiter.settings = emulator.rate_limiter.settings.copy()
        account.rate_limiter.refill()
    return 200, emulator.rate_limiter.settings.to_json()


def _get_clock(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    return 200, {"now": emulator.clock.now()}


def _advance_clock(emulator: DeviceFarmEmulator, body: Body) -> Answer:
    seconds = float(body.get("seconds", 0.0))
    minutes = float(body.get("minutes", 0.0))
    return 200, {"now": emulator.clock.advance(seconds=seconds, minutes=minutes)}


def _reset(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    emulator.reset()
    return 200, {"reset": True}


def _get_calls(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    calls = dict(emulator.call_counts)
    faults = dict(emulator.fault_counts)
    throttled = dict(emulator.throttled_counts)
    return 200, {
        "calls": calls,
        "faults": faults,
        "throttled": throttled,
        "total": sum(calls.values()),
    }


def _clear_calls(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    emulator.call_counts.clear()
    emulator.fault_counts.clear()
    emulator.throttled_counts.clear()
    return 200, {"calls": {}, "faults": {}, "throttled": {}, "total": 0}


def _get_cloudtrail(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    """Every recorded event, delivered or not; listing takes nothing from the feed."""
    feed = emulator.cloudtrail
    return 200, {
        "events": feed.events(),
        "pending": feed.pending(),
        "settings": feed.settings.to_json(),
    }


def _set_cloudtrail(emulator: DeviceFarmEmulator, body: Body) -> Answer:
    emulator.cloudtrail.settings.update_from_json(body)  # raises before any account changes
    for account in emulator.accounts().values():
        account.cloudtrail.settings = emulator.cloudtrail.settings.copy()
    return 200, emulator.cloudtrail.settings.to_json()


def _get_accounts(emulator: DeviceFarmEmulator, _body: Body) -> Answer:
    """Each account served: its projects, sessions and calls; and which keys act where."""
    accounts = {
        account_id: {
            "projects": len(account.list_projects()),
            "sessions": account.session_count(),
            "calls": dict(account.call_counts),
            "throttled": dict(account.throttled_counts),
        }
        for account_id, account in emulator.accounts().items()
    }
    keys = {key: principal.account_id for key, principal in emulator.credentials.known().items()}
    return 200, {"hub": emulator.account_id, "accounts": accounts, "accessKeys": keys}


def _register_credentials(emulator: DeviceFarmEmulator, body: Body) -> Answer:
    """`{"accessKeyId", "accountId", "arn"}`: make a key act in an account (what the local STS
    does for the roles it lets be assumed)."""
    unknown = set(body) - {"accessKeyId", "accountId", "arn"}
    if unknown:
        raise ValueError(f"unknown members: {', '.join(sorted(unknown))}")
    if not all(isinstance(body.get(name), str) for name in ("accessKeyId", "accountId", "arn")):
        raise ValueError("accessKeyId, accountId and arn are strings")
    principal = emulator.credentials.register(body["accessKeyId"], body["accountId"], body["arn"])
    emulator.account(principal.account_id)
    return 200, {"accessKeyId": body["accessKeyId"], "accountId": principal.account_id}


_ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "/_emulator/health"): _health,
    ("GET", "/_emulator/faults"): _get_faults,
    ("POST", "/_emulator/faults"): _set_faults,
    ("GET", "/_emulator/rate-limits"): _get_rate_limits,
    ("POST", "/_emulator/rate-limits"): _set_rate_limits,
    ("GET", "/_emulator/clock"): _get_clock,
    ("POST", "/_emulator/clock/advance"): _advance_clock,
    ("POST", "/_emulator/reset"): _reset,
    ("GET", "/_emulator/calls"): _get_calls,
    ("DELETE", "/_emulator/calls"): _clear_calls,
    ("GET", "/_emulator/cloudtrail"): _get_cloudtrail,
    ("POST", "/_emulator/cloudtrail"): _set_cloudtrail,
    ("GET", "/_emulator/accounts"): _get_accounts,
    ("POST", "/_emulator/credentials"): _register_credentials,
}
