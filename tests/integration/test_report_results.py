"""fetch_many: several reports on one connection, each one's value or error."""

from __future__ import annotations

import pytest

from pychrony import ChronyConnection, ChronyPermissionError, ChronyTimeoutError, ServerResult
from pychrony.models import catalog
from pychrony.report_results import ReportResults, fetch_many
from pychrony.sandbox import Sandbox


def test_every_report_arrives_over_the_unix_socket(sandbox: Sandbox) -> None:
    with ChronyConnection(sandbox.socket_path) as conn:
        results = fetch_many(conn, catalog.REPORTS)
        tracking, sources = conn.get_tracking(), conn.get_sources()
    assert results.ok, results.errors
    assert list(results.reports) == [spec.name for spec in catalog.REPORTS]
    assert results.value(catalog.TRACKING).reference_id == tracking.reference_id
    assert [s.address for s in results.value(catalog.SOURCES)] == [s.address for s in sources]
    # The sandbox has no rtcfile: disabled is a value (None), not an error.
    assert results.value(catalog.RTCDATA) is None


def test_a_refused_report_is_its_error_and_the_others_still_arrive(sandbox: Sandbox) -> None:
    specs = [catalog.TRACKING, catalog.NTPDATA, catalog.SOURCES]
    with ChronyConnection(sandbox.udp_address) as conn:
        results = fetch_many(conn, specs)
        try:
            conn.get_ntp_data()
            refused = False
        except ChronyPermissionError:
            refused = True  # chronyd before 4.7 serves ntpdata over the socket only
    assert set(results.reports) | set(results.errors) == {s.name for s in specs}
    assert "tracking" in results.reports
    assert "sources" in results.reports
    assert ("ntpdata" in results.errors) is refused
    if refused:
        assert isinstance(results.errors["ntpdata"], ChronyPermissionError)
        assert results.error is results.errors["ntpdata"]
        with pytest.raises(ChronyPermissionError):
            results.value(catalog.NTPDATA)


def test_a_silent_server_ends_the_fetch_at_its_first_report(dead: str) -> None:
    with (
        ChronyConnection(dead, timeout=0.05, retries=0) as conn,
        pytest.raises(ChronyTimeoutError),
    ):
        fetch_many(conn, [catalog.TRACKING, catalog.SOURCES])


def test_a_fleet_result_is_a_report_results_built_as_before() -> None:
    error = ChronyPermissionError("refused")
    result = ServerResult("127.0.0.1", {"tracking": 1}, {"ntpdata": error}, 0.5)
    assert isinstance(result, ReportResults)
    assert (result.address, result.elapsed) == ("127.0.0.1", 0.5)
    assert result["tracking"] == 1
    assert not result.ok
    assert result.error is error
