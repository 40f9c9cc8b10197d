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


# -- pychrony 2.x's documented API and its test kit ---------------------------


def test_field_types_script() -> None:
    import dataclasses

    from pychrony import LeapStatus, Source, SourceMode, SourceState, TrackingStatus

    tracking = {f.name: f.type for f in dataclasses.fields(TrackingStatus)}
    source = {f.name: f.type for f in dataclasses.fields(Source)}
    assert tracking["stratum"] is int
    assert tracking["offset"] is float
    assert tracking["reference_ip"] is str
    assert tracking["leap_status"] is LeapStatus
    assert source["state"] is SourceState
    assert source["mode"] is SourceMode


def test_test_kit_fixtures_script(tracking_status, source, source_stats, rtc_data) -> None:  # type: ignore[no-untyped-def]
    assert tracking_status.is_synchronized()
    assert not tracking_status.is_leap_pending()
    assert source.is_selected()
    assert source.is_reachable()
    assert source_stats.has_sufficient_samples()
    assert rtc_data.is_calibrated()


def test_test_kit_defaults_script() -> None:
    from pychrony import LeapStatus, RTCData, Source, SourceState, SourceStats, TrackingStatus
    from pychrony.testing import (
        RTCDATA_DEFAULTS,
        SOURCE_DEFAULTS,
        SOURCESTATS_DEFAULTS,
        TRACKING_DEFAULTS,
        make_rtc_data,
        make_source,
        make_source_stats,
        make_tracking,
    )

    assert TrackingStatus(**TRACKING_DEFAULTS) == make_tracking()
    assert Source(**SOURCE_DEFAULTS) == make_source()
    assert SourceStats(**SOURCESTATS_DEFAULTS) == make_source_stats()
    assert RTCData(**RTCDATA_DEFAULTS) == make_rtc_data()
    unsynced = TrackingStatus(**{**TRACKING_DEFAULTS, "stratum": 16, "reference_id": 0})
    assert not unsynced.is_synchronized()
    # The examples of 2.x's factory docstrings.
    assert not make_tracking(stratum=16, reference_id=0).is_synchronized()
    assert make_tracking(leap_status=LeapStatus.INSERT).is_leap_pending()
    assert not make_source(state=SourceState.FALSETICKER).is_selected()
    assert not make_source(reachability=0).is_reachable()
    assert not make_source_stats(samples=2).has_sufficient_samples()
    assert make_source_stats(offset=0.001).offset == 0.001
    assert not make_rtc_data(samples=0).is_calibrated()
    assert make_rtc_data(freq_offset=-5.0).freq_offset == -5.0


def test_enum_errors_script() -> None:
    from pychrony import LeapStatus, SourceMode, SourceState

    for enum in (LeapStatus, SourceState, SourceMode):
        with pytest.raises(ValueError, match="99 is not a valid"):
            enum(99)
    assert SourceState(4) is SourceState.UNSELECTED


def test_connection_error_codes_script(sandbox: Sandbox) -> None:
    from pychrony import ChronyConnection, ChronyConnectionError

    assert sandbox.directory is not None
    missing_socket = str(sandbox.directory / "absent.sock")
    with pytest.raises(ChronyConnectionError) as info, ChronyConnection(missing_socket) as conn:
        conn.get_tracking()
    error = info.value
    assert error.error_code is not None
    assert f"(error code: {error.error_code})" in str(error)
