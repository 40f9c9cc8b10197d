"""Every typed value equals what ``chronyc -c`` prints for the same daemon state.

The machinery (brackets, columns per release) lives in tests/helpers/fidelity.py;
tests/matrix runs it for every chronyd release.
"""

from __future__ import annotations

import pytest

from pychrony import ChronyConnection
from pychrony.sandbox import Sandbox
from tests.helpers.fidelity import (
    ACTIVITY,
    SELECTDATA,
    SMOOTHING,
    SOURCES,
    SOURCESTATS,
    TRACKING,
    Getter,
    columns_for,
    compare,
)


@pytest.mark.parametrize(
    ("method", "report", "columns"),
    [
        ("get_tracking", "tracking", TRACKING),
        ("get_sources", "sources", SOURCES),
        ("get_source_stats", "sourcestats", SOURCESTATS),
        ("get_activity", "activity", ACTIVITY),
        ("get_smoothing", "smoothing", SMOOTHING),
    ],
)
def test_monitoring_reports_equal_chronyc(
    sandbox: Sandbox, address: str, method: str, report: str, columns: list[Getter]
) -> None:
    compare(sandbox, address, method, report, columns)


@pytest.mark.parametrize(
    ("method", "report", "columns"),
    [
        ("get_select_data", "selectdata", SELECTDATA),
    ],
)
def test_unix_socket_reports_equal_chronyc(
    sandbox: Sandbox, method: str, report: str, columns: list[Getter]
) -> None:
    compare(sandbox, sandbox.socket_path, method, report, columns)


def test_ntp_data_equals_chronyc(sandbox: Sandbox) -> None:
    columns = columns_for("ntpdata", sandbox.version)
    compare(sandbox, sandbox.socket_path, "get_ntp_data", "ntpdata", columns)


def test_server_stats_equal_chronyc(sandbox: Sandbox) -> None:
    # The server chronyd answers the client's NTP requests, so its counters move.
    server = sandbox.server_socket_path
    columns = columns_for("serverstats", sandbox.version)
    compare(sandbox, server, "get_server_stats", "serverstats", columns, host=server)
    with ChronyConnection(server) as conn:
        assert conn.get_server_stats().received_ntp_requests > 0


def test_auth_data_equals_chronyc_in_source_order(sandbox: Sandbox) -> None:
    # libchrony's authdata has no address: records follow the sources' order.
    with ChronyConnection(sandbox.socket_path) as conn:
        addresses = [s.address for s in conn.get_sources()]
        auth = conn.get_auth_data()
    rows = [line.split(",") for line in sandbox.chronyc("-c", "authdata").splitlines()]
    assert [row[0] for row in rows] == addresses
    for row, record in zip(rows, auth, strict=True):
        assert row[1] == "-"
        assert not record.is_authenticated()
        assert record.key_type is not None
        assert record.nak is not None
        assert [int(v) for v in row[2:]] == [
            record.key_id,
            record.key_type.value,
            record.key_length,
            record.last_key_establishment_ago,
            record.key_establishment_attempts,
            int(record.nak),
            record.cookies,
            record.cookie_length,
        ]


def test_the_sandbox_exercises_what_fidelity_needs(sandbox: Sandbox) -> None:
    """Sub-second polling, an unreachable source and active smoothing state exist."""
    with ChronyConnection(sandbox.socket_path) as conn:
        sources = conn.get_sources()
        smoothing = conn.get_smoothing()
        select = conn.get_select_data()
    assert {s.poll for s in sources if s.is_reachable()} == {-2}
    assert any(not s.is_reachable() for s in sources)
    assert smoothing is not None
    assert any(s.is_selected() for s in select)
