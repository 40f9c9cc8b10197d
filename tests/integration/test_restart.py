"""A long-lived connection survives chronyd being restarted under it."""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import pytest

from pychrony import ChronyConnection, ChronyConnectionError, ChronyTimeoutError
from pychrony.sandbox import Sandbox
from tests.conftest import TRANSPORTS, address_of
from tests.helpers.pipes import read_line


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_connection_fails_fast_while_down_and_recovers(native: None, transport: str) -> None:
    with Sandbox(sources=1, unreachable_sources=0, smoothing=False) as box:
        address = address_of(box, transport)
        conn = ChronyConnection(address, timeout=0.5, retries=2)
        assert conn.get_tracking().is_synchronized()

        box.stop_client()
        start = time.monotonic()
        with pytest.raises(ChronyConnectionError):
            conn.get_tracking()
        assert time.monotonic() - start < 0.5, "a stopped chronyd must not cost the timeout"

        box.start_client()
        box.wait_synchronised(30)
        # The same object, no new ChronyConnection: its stale socket is replaced.
        assert conn.get_tracking().is_synchronized()

        # Restarted while idle: the very first call afterwards must succeed,
        # though the Unix socket it holds now leads nowhere.
        box.stop_client()
        box.start_client()
        box.wait_synchronised(30)
        assert conn.get_tracking().is_synchronized()
        conn.close()


pytestmark = pytest.mark.reliability


def _fails_fast(call: Callable[[], object], address: str, budget: float) -> None:
    start = time.monotonic()
    with pytest.raises(ChronyConnectionError) as info:
        call()
    elapsed = time.monotonic() - start
    # Refused, not waited out: a stopped daemon answers at once (ENOENT,
    # ECONNREFUSED), so the call must not spend its retry budget.
    assert not isinstance(info.value, ChronyTimeoutError), info.value
    assert elapsed < min(0.25, budget / 10), f"{elapsed:.3f} s while chronyd was down"
    assert address in info.value.message
    assert "chronyd" in info.value.message


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_one_reused_connection_through_repeated_restarts(native: None, transport: str) -> None:
    """The README's reuse pattern: one object, entered again and again, across restarts."""
    with Sandbox(sources=2, unreachable_sources=0, smoothing=False) as box:
        address = address_of(box, transport)
        conn = ChronyConnection(address, timeout=0.5, retries=2)
        budget = 0.5 * 7
        for _ in range(3):
            with conn:
                assert len(conn.get_sources()) == 2
                box.stop_client()
                for call in (conn.get_tracking, conn.get_sources, conn.get_source_stats) * 3:
                    _fails_fast(call, address, budget)
                box.start_client()
                # No wait for synchronisation: the daemon answers as soon as
                # its sockets exist, and the same object must reach it at once.
                assert len(conn.get_sources()) == 2
                # Restarted between two calls: the socket held open now
                # leads nowhere and must be replaced inside the next call.
                box.stop_client()
                box.start_client()
                assert conn.get_tracking().stratum >= 0
            assert not conn.is_open


def _scrape_up(url: str) -> float:
    with urllib.request.urlopen(url, timeout=10) as reply:
        text = reply.read().decode()
    values = [line.split()[-1] for line in text.splitlines() if line.startswith("chrony_up ")]
    assert len(values) == 1, text
    return float(values[0])


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_exporter_reports_chronyd_down_and_back_up(native: None, transport: str) -> None:
    with Sandbox(sources=1, unreachable_sources=0, smoothing=False) as box:
        address = address_of(box, transport)
        command = [sys.executable, "-m", "pychrony", "-a", address, "--timeout", "0.2"]
        proc = subprocess.Popen(
            [*command, "exporter", "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stderr is not None
            line = read_line(proc.stderr.fileno(), time.monotonic() + 15)
            match = re.search(r"http://\S+/metrics", line)
            assert match, f"exporter did not start: {line!r}"
            url = match.group(0)
            assert _scrape_up(url) == 1.0
            box.stop_client()
            start = time.monotonic()
            assert _scrape_up(url) == 0.0
            assert time.monotonic() - start < 2.0, "a stopped chronyd must not stall the scrape"
            box.start_client()
            assert _scrape_up(url) == 1.0
            assert proc.poll() is None, "the exporter must outlive chronyd's restart"
        finally:
            proc.terminate()
            assert proc.wait(timeout=10) == 0
