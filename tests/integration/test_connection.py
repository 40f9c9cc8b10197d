"""ChronyConnection against a real sandboxed chronyd, over both transports."""

from __future__ import annotations

import pytest

from pychrony import (
    ChronyConnection,
    LeapStatus,
    SourceMode,
    SourceState,
    Transport,
)
from pychrony.sandbox import Sandbox

REACHABLE = {"127.0.0.1", "127.0.0.2", "127.0.0.3"}
UNREACHABLE = "127.0.0.4"


def test_tracking_reports_synchronisation_to_a_sandbox_source(address: str) -> None:
    with ChronyConnection(address) as conn:
        status = conn.get_tracking()
    assert status.is_synchronized()
    assert status.reference_ip in REACHABLE
    assert status.reference_id_name == status.reference_ip
    assert status.stratum == 9  # the server is "local stratum 8"
    assert status.leap_status is LeapStatus.NORMAL
    assert abs(status.offset) < 0.01
    assert status.ref_time > 1.6e9


def test_tracking_agrees_with_chronyc(sandbox: Sandbox, address: str) -> None:
    with ChronyConnection(address) as conn:
        status = conn.get_tracking()
    ref_hex, name, stratum = sandbox.chronyc("-c", "tracking").split(",")[:3]
    assert status.reference_id == int(ref_hex, 16)
    assert status.reference_ip == name
    assert status.stratum == int(stratum)


def test_sources_include_reachable_and_unreachable(address: str) -> None:
    with ChronyConnection(address) as conn:
        sources = conn.get_sources()
    by_address = {s.address: s for s in sources}
    assert set(by_address) == {*REACHABLE, UNREACHABLE}
    assert sum(s.is_selected() for s in sources) == 1
    for name in REACHABLE:
        src = by_address[name]
        assert src.is_reachable()
        assert src.mode is SourceMode.CLIENT
        assert src.stratum == 8
        # libchrony returns -2 as 65534; the typed layer restores the sign.
        assert src.poll == -2
    dead = by_address[UNREACHABLE]
    assert not dead.is_reachable()
    assert dead.state is SourceState.NONSELECTABLE


def test_sources_agree_with_chronyc(sandbox: Sandbox, address: str) -> None:
    with ChronyConnection(address) as conn:
        sources = conn.get_sources()
    rows = [line.split(",") for line in sandbox.chronyc("-c", "sources").splitlines()]
    assert [s.address for s in sources] == [row[2] for row in rows]
    for src, row in zip(sources, rows, strict=True):
        assert src.stratum == int(row[3])
        assert src.poll == int(row[4])


def test_source_stats_cover_every_source(address: str) -> None:
    with ChronyConnection(address) as conn:
        stats = conn.get_source_stats()
    by_address = {s.address: s for s in stats}
    assert set(by_address) == {*REACHABLE, UNREACHABLE}
    assert all(by_address[a].samples > 0 for a in REACHABLE)
    assert by_address[UNREACHABLE].samples == 0


def test_rtc_data_is_none_when_chronyd_tracks_no_rtc(address: str) -> None:
    with ChronyConnection(address) as conn:
        assert conn.get_rtc_data() is None


def test_address_and_transport_follow_the_connection(sandbox: Sandbox) -> None:
    for address, transport in (
        (sandbox.socket_path, Transport.UNIX_SOCKET),
        (sandbox.udp_address, Transport.COMMAND_PORT),
    ):
        conn = ChronyConnection(address)
        with conn:
            assert conn.address == address
            assert conn.transport is transport
            assert conn.is_open
        assert conn.address is None
        assert conn.transport is None
        assert not conn.is_open


def test_connection_can_be_entered_again(sandbox: Sandbox) -> None:
    conn = ChronyConnection(sandbox.socket_path)
    for _ in range(3):
        with conn as entered:
            assert entered is conn
            assert conn.get_tracking().is_synchronized()
        assert not conn.is_open


def test_environment_address_is_the_default(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.udp_address)
    with ChronyConnection() as conn:
        assert conn.address == sandbox.udp_address
        assert conn.transport is Transport.COMMAND_PORT
        assert conn.get_tracking().is_synchronized()


def test_unix_socket_client_files_are_removed_on_close(sandbox: Sandbox) -> None:
    assert sandbox.directory is not None
    before = set(sandbox.directory.iterdir())
    for _ in range(20):
        with ChronyConnection(sandbox.socket_path) as conn:
            conn.get_tracking()
    assert set(sandbox.directory.iterdir()) == before
