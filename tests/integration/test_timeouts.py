"""No call outlives its budget: silent servers, refused ports, resends."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest

from pychrony import ChronyConnection, ChronyConnectionError, ChronyTimeoutError
from pychrony._core.timing import budget as budget_of
from tests.helpers.silent import SilentServer


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


@pytest.mark.parametrize(("timeout", "retries"), [(0.1, 0), (0.1, 2), (0.05, 3)])
def test_silent_server_ends_in_timeout_within_budget(
    silent: SilentServer, timeout: float, retries: int
) -> None:
    budget = budget_of(timeout, retries)
    conn = ChronyConnection(silent.address, timeout=timeout, retries=retries)
    start = time.monotonic()
    with pytest.raises(ChronyTimeoutError, match="no reply after") as info, conn:
        conn.get_tracking()
    assert f"from {silent.address}:" in info.value.message
    elapsed = time.monotonic() - start
    assert isinstance(info.value, TimeoutError)
    # It waited the whole budget (resending), but not longer than it.
    assert budget * 0.9 <= elapsed <= budget + 0.25
    time.sleep(0.1)
    assert silent.requests == retries + 1


def test_multi_record_report_shares_one_budget(silent: SilentServer) -> None:
    conn = ChronyConnection(silent.address, timeout=0.1, retries=1)
    start = time.monotonic()
    with pytest.raises(ChronyTimeoutError):
        conn.get_sources()
    assert time.monotonic() - start <= 0.3 + 0.25


def test_refused_port_fails_fast() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on the port now: the kernel answers ICMP port unreachable.
    conn = ChronyConnection(f"127.0.0.1:{port}", timeout=2.0, retries=2)
    start = time.monotonic()
    with pytest.raises(ChronyConnectionError, match="Connection refused") as info:
        conn.get_tracking()
    assert f"from 127.0.0.1:{port}:" in info.value.message
    assert not isinstance(info.value, ChronyTimeoutError)
    assert time.monotonic() - start < 1.0


def test_connection_recovers_after_a_timeout(silent: SilentServer) -> None:
    conn = ChronyConnection(silent.address, timeout=0.05, retries=0)
    for _ in range(2):
        with pytest.raises(ChronyTimeoutError):
            conn.get_tracking()
    assert not conn.is_open
