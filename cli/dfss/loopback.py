"""Plain http is for this machine only, and this machine's API is the local stack.

A SigV4 Authorization header is a signature, not a key, but whoever reads it in transit can
replay the request (for five minutes) and reads the access key id and session token; so signed
requests go over https, except to loopback, where nothing is in transit. And loopback is
`make local`: it signs with the local stack's dummy credentials, never with the caller's real
ones, whatever else might be listening there (an https URL on loopback is a tunnel to a real
API, and is signed as one).
"""

from __future__ import annotations

import ipaddress
import urllib.parse

from botocore.credentials import ReadOnlyCredentials

from dfss.errors import CliError, Exit

# What local/environment.py gives the local stack's function (its API server checks no
# signature; moto and the emulator accept any credentials): the same keys and region.
LOCAL_CREDENTIALS = ReadOnlyCredentials("testing", "testing", None)
LOCAL_REGION = "eu-west-1"  # local.stack.DEFAULT_REGION
LOOPBACK_NAMES = frozenset({"localhost", "localhost."})


def is_loopback(url: str) -> bool:
    """127.0.0.0/8, ::1 or `localhost`: no other name, however it resolves."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    # An IPv4-mapped IPv6 address (::ffff:127.0.0.1) is not ::1: refused like any other.
    return address.is_loopback and (address.version == 4 or address == ipaddress.ip_address("::1"))


def is_local_stack(url: str) -> bool:
    """Plain http on loopback: `make local` (an https loopback URL is a tunnel or a proxy to a
    real API, and signs like one)."""
    return urllib.parse.urlsplit(url).scheme == "http" and is_loopback(url)


def require_private_transport(url: str) -> None:
    """Refuse, before anything is signed, to send a signed request over plain http to another
    machine."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "http" and not is_loopback(url):
        raise CliError(
            Exit.USAGE,
            f"refusing to send a signed request over plain http to {parts.hostname}: use "
            "https (plain http is only for loopback: 127.0.0.0/8, ::1, localhost)",
        )
