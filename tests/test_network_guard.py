"""The guard the no-network tests rely on refuses and records outbound connections, and only those."""

import socket
import urllib.request

import pytest

from tests.network_guard import NetworkGuard


def test_the_guard_refuses_and_records_outbound_connections_but_not_loopback():
    with NetworkGuard.installed() as guard:
        with pytest.raises(OSError, match="Outbound network is blocked"):
            urllib.request.urlopen("http://example.com", timeout=5)
        with socket.socket() as local, pytest.raises(ConnectionRefusedError) as refused:
            local.connect(("127.0.0.1", 9))  # allowed through: nothing listens there, so the system refuses
        assert "blocked" not in str(refused.value)
    assert guard.attempts == ["socket.getaddrinfo example.com"]
