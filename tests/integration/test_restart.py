"""A long-lived connection survives chronyd being restarted under it."""

from __future__ import annotations

import time

import pytest

from pychrony import ChronyConnection, ChronyConnectionError
from pychrony.sandbox import Sandbox


@pytest.mark.parametrize("transport", ["unix", "udp"])
def test_connection_fails_fast_while_down_and_recovers(native: None, transport: str) -> None:
    with Sandbox(sources=1, unreachable_sources=0, smoothing=False) as box:
        address = box.socket_path if transport == "unix" else box.udp_address
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
