"""Outbound network blocked, for the tests that prove nothing leaves the machine.

A Python audit hook sees every socket connection and name lookup the process makes, from any library,
including ones that catch their own errors (usage telemetry does). While the guard is on, anything but
loopback or a local socket is refused and recorded; the test then asserts that nothing was recorded, so a
library that quietly swallows the refusal still fails the test.

In-process: ``with NetworkGuard.installed() as guard: ...``. In another interpreter (the wheel test's venv),
a ``.pth`` line calls :func:`install_from_environment`, which records attempts in the file named by
``COMPLAINTS_NETWORK_LOG``.
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

LOG_VARIABLE = "COMPLAINTS_NETWORK_LOG"
LOCAL_NAMES = {"", "localhost", "localhost.localdomain"}


def is_local(host: object) -> bool:
    """True for loopback addresses and names, and for local (Unix) sockets."""
    if not isinstance(host, str):
        return True  # a Unix socket path given as bytes
    if host.startswith("/") or host in LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a name to look up: leaving the machine


def _host(event: str, args: tuple) -> object:
    if event == "socket.getaddrinfo":
        return args[0].decode() if isinstance(args[0], bytes) else (args[0] or "")
    address = args[1]
    return address[0] if isinstance(address, tuple) else address


class NetworkGuard:
    """An audit hook that refuses and records outbound connections while ``active``."""

    EVENTS = ("socket.connect", "socket.getaddrinfo", "socket.sendto", "socket.sendmsg")

    def __init__(self, log_file: str | None = None) -> None:
        self.active = False
        self.attempts: list[str] = []
        self.log_file = log_file

    def __call__(self, event: str, args: tuple) -> None:
        if not self.active or event not in self.EVENTS:
            return
        host = _host(event, args) if event in ("socket.connect", "socket.getaddrinfo") else args[-1]
        if isinstance(host, tuple):
            host = host[0]
        if is_local(host):
            return
        attempt = f"{event} {host}"
        self.attempts.append(attempt)
        if self.log_file:
            with open(self.log_file, "a", encoding="utf-8") as log:
                log.write(attempt + "\n")
        raise ConnectionRefusedError(f"Outbound network is blocked in this test: {attempt}")

    @classmethod
    @contextmanager
    def installed(cls) -> Iterator[NetworkGuard]:
        """A guard that is on for the ``with`` block (audit hooks cannot be removed; it is inert after)."""
        guard = cls()
        sys.addaudithook(guard)
        guard.active = True
        try:
            yield guard
        finally:
            guard.active = False


def install_from_environment() -> None:
    """Turn a guard on for this whole interpreter when ``COMPLAINTS_NETWORK_LOG`` names a file."""
    log_file = os.environ.get(LOG_VARIABLE)
    if log_file:
        guard = NetworkGuard(log_file)
        guard.active = True
        sys.addaudithook(guard)
