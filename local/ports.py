"""Whether `make local` can have the ports it was asked for, checked before anything starts: a
taken port is one sentence naming the option to change, not a traceback after a slow start."""

from __future__ import annotations

import errno
import socket
from collections.abc import Mapping


class PortUnavailable(Exception):
    """A port `make local` was asked to listen on cannot be had: the message says which, why,
    and how to choose another."""


# Each port option, with how a user of `make local` changes it.
PORT_OPTIONS = {
    "port": ("the function API", "make local PORT={port}"),
    "emulator_port": ("the Device Farm emulator", "python -m local.stack --emulator-port {port}"),
    "moto_port": ("moto (SNS/SQS/...)", "python -m local.stack --moto-port {port}"),
}


def _listen_problem(host: str, port: int) -> OSError | None:
    """Why a server could not listen on host:port right now, or None. The probe binds as the
    servers do (SO_REUSEADDR), so a port another server listens on is refused, a port only
    lingering in TIME_WAIT is not."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error
    return None


def _free_port_after(host: str, port: int, tries: int = 50) -> int:
    """The first port after `port` a server could listen on; 0 (any free port) if none near."""
    for candidate in range(port + 1, min(port + 1 + tries, 65536)):
        if _listen_problem(host, candidate) is None:
            return candidate
    return 0


def check_ports(host: str, ports: Mapping[str, int]) -> None:
    """Raise PortUnavailable for the first fixed port (not 0) no server could listen on."""
    for option, port in ports.items():
        if not port:
            continue
        problem = _listen_problem(host, port)
        if problem is None:
            continue
        what, how = PORT_OPTIONS[option]
        if problem.errno == errno.EADDRINUSE:
            why = f"port {port} on {host} is taken: something already listens there"
            hint = "another `make local` still running?"
        elif problem.errno == errno.EACCES:
            why = f"port {port} on {host} needs privileges this user does not have"
            hint = "ports below 1024 usually do"
        else:
            why = f"cannot listen on {host}:{port} ({problem.strerror or problem})"
            hint = "is --host an address of this machine?"
        other = how.format(port=_free_port_after(host, port))
        raise PortUnavailable(
            f"{why} ({what}; {hint}). Choose another port: {other} (0 picks any free port)."
        )
