"""Scripts written for pychrony 2.x run unchanged.

Each test body is written the way a 2.x user wrote it (same imports, names,
context-manager and reuse patterns, exception handling). Only the addresses
differ: scripts that pass no address reach the sandbox through
``$PYCHRONY_ADDRESS``; the custom-socket and remote-UDP scripts get the
sandbox's socket path and command port in place of their example addresses.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from pychrony.sandbox import Sandbox


@pytest.fixture(autouse=True)
def default_is_sandbox(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.udp_address)


def test_context_manager_script() -> None:
    from pychrony import ChronyConnection

    with ChronyConnection() as conn:
        status = conn.get_tracking()
        line = f"{status.reference_id_name} {status.stratum} {status.offset:.9f}"
        synced = status.is_synchronized()
    assert synced
    assert line.startswith("127.0.0.")


def test_connection_reuse_script() -> None:
    from pychrony import ChronyConnection

    with ChronyConnection() as conn:
        tracking = conn.get_tracking()
        sources = conn.get_sources()
        stats = conn.get_source_stats()
        rtc = conn.get_rtc_data()
    assert tracking.is_synchronized()
    assert len(sources) == len(stats) == 4
    assert [f"{s.address}: {s.state.name}" for s in sources if s.is_selected()]
    assert [f"{s.address}: {s.samples}" for s in stats if s.has_sufficient_samples()]
    assert rtc is None or rtc.is_calibrated() in (True, False)


def test_error_handling_script(sandbox: Sandbox) -> None:
    from pychrony import (
        ChronyConnection,
        ChronyConnectionError,
        ChronyLibraryError,
        ChronyPermissionError,
    )

    assert sandbox.directory is not None
    outcomes = []
    for address in (None, str(sandbox.directory / "absent.sock")):
        try:
            with ChronyConnection(address) as conn:
                conn.get_tracking()
            outcomes.append("ok")
        except ChronyLibraryError:
            outcomes.append("libchrony not installed")
        except ChronyPermissionError:
            outcomes.append("permission denied")
        except ChronyConnectionError:
            outcomes.append("chronyd unreachable")
    assert outcomes == ["ok", "chronyd unreachable"]


def test_transport_check_script() -> None:
    from pychrony import ChronyConnection, LeapStatus, SourceMode, SourceState, Transport

    with ChronyConnection() as conn:
        assert conn.transport is Transport.COMMAND_PORT
        status = conn.get_tracking()
        modes = {src.mode for src in conn.get_sources()}
        states = {src.state for src in conn.get_sources()}
    assert status.leap_status == LeapStatus.NORMAL
    assert modes == {SourceMode.CLIENT}
    assert SourceState.SELECTED in states


def test_custom_socket_path_script(sandbox: Sandbox) -> None:
    from pychrony import ChronyConnection

    with ChronyConnection(sandbox.socket_path) as conn:
        status = conn.get_tracking()
    assert status.is_synchronized()


def test_remote_udp_script(sandbox: Sandbox) -> None:
    from pychrony import ChronyConnection

    with ChronyConnection(sandbox.udp_address) as conn:
        status = conn.get_tracking()
    assert status.stratum == 9


def test_connection_per_thread_script() -> None:
    from pychrony import ChronyConnection

    def worker() -> float:
        with ChronyConnection() as conn:
            return conn.get_tracking().offset

    with ThreadPoolExecutor(max_workers=4) as pool:
        offsets = list(pool.map(lambda _: worker(), range(16)))
    assert len(offsets) == 16


def test_thread_local_reuse_script() -> None:
    from pychrony import ChronyConnection

    _local = threading.local()

    def get_tracking() -> int:
        if not hasattr(_local, "conn"):
            _local.conn = ChronyConnection()
        with _local.conn as conn:
            return int(conn.get_tracking().stratum)

    with ThreadPoolExecutor(max_workers=3) as pool:
        strata = list(pool.map(lambda _: get_tracking(), range(12)))
    assert strata == [9] * 12
