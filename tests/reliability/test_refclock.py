"""A chronyd with a reference clock: every layer reads it, none trips on its empty records.

chronyd lists a reference clock (here ``refclock SOCK`` with nothing feeding
it, as a GPS receiver that has not locked yet) as a source with no NTP data:
its ntpdata and authdata records carry no fields at all. They decode to
models whose every attribute is None; the other sources' records keep their
values and their positions.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from pychrony import (
    AsyncChronyConnection,
    AuthData,
    ChronyConnection,
    ChronyPermissionError,
    NTPData,
    SourceMode,
    gather_sync,
)
from pychrony import client as c
from pychrony.libchrony import Chrony, Report
from pychrony.models.catalog import REPORTS
from pychrony.sandbox import Sandbox, find_chrony_binary
from tests.conftest import TRANSPORTS, address_of
from tests.helpers import prometheus as prom
from tests.helpers.exporter_process import serving

pytestmark = pytest.mark.reliability

EMPTY_REPORTS = ("ntpdata", "authdata")


@pytest.fixture(scope="module")
def box() -> Iterator[Sandbox]:
    """Two reachable sources, one unreachable, and the reference clock."""
    with Sandbox(sources=2, refclock=True) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def refclock_index(box: Sandbox) -> int:
    """The reference clock's position in the sources report (and in ntpdata/authdata)."""
    sources = ChronyConnection(box.socket_path).get_sources()
    (index,) = [i for i, s in enumerate(sources) if s.mode is SourceMode.REFCLOCK]
    assert sources[index].address == "GPS"
    assert len(sources) == 4
    return index


def _chronyd_serves_everything_over_udp() -> bool:
    """chronyd 4.7+ can open every report on its UDP port; older ones refuse four."""
    out = subprocess.run(
        [find_chrony_binary("chronyd"), "--version"], capture_output=True, text=True, timeout=10
    ).stdout
    found = re.search(r"version (\d+)\.(\d+)", out)
    assert found, out
    return (int(found[1]), int(found[2])) >= (4, 7)


def _check_empty_record_at(records: list[Any], model: type, index: int) -> None:
    assert all(isinstance(r, model) for r in records), records
    empty = records[index]
    assert all(getattr(empty, f.name) is None for f in dataclasses.fields(empty)), empty
    for i, record in enumerate(records):
        if i != index:
            values = [getattr(record, f.name) for f in dataclasses.fields(record)]
            # The other sources keep their data (the 4.4+ counters aside).
            assert sum(v is None for v in values) <= 4, record


def test_every_typed_getter_works_over_the_unix_socket(box: Sandbox, refclock_index: int) -> None:
    with ChronyConnection(box.socket_path) as conn:
        for spec in REPORTS:
            result = getattr(conn, spec.method)()
            assert result is None or isinstance(result, (list, spec.model)), spec.name
        ntp = conn.get_ntp_data()
        auth = conn.get_auth_data()
        sources = conn.get_sources()
    _check_empty_record_at(ntp, NTPData, refclock_index)
    _check_empty_record_at(auth, AuthData, refclock_index)
    # The NTP sources' records answer their own source, in the same order.
    for i, (source, record) in enumerate(zip(sources, ntp, strict=True)):
        if i != refclock_index:
            assert record.remote_address == source.address
    refclock = ntp[refclock_index]
    assert not refclock.tests_passed()
    assert not refclock.is_authenticated()
    assert refclock.reference_id_name is None
    assert not auth[refclock_index].is_authenticated()


def test_over_udp_the_getters_work_or_are_refused_as_permission(
    box: Sandbox, refclock_index: int
) -> None:
    open_udp = _chronyd_serves_everything_over_udp()
    with ChronyConnection(box.udp_address) as conn:
        assert len(conn.get_sources()) == 4
        for name in EMPTY_REPORTS:
            method = getattr(conn, f"get_{'ntp' if name == 'ntpdata' else 'auth'}_data")
            if open_udp:
                model = NTPData if name == "ntpdata" else AuthData
                _check_empty_record_at(method(), model, refclock_index)
            else:
                with pytest.raises(ChronyPermissionError) as info:
                    method()
                assert name in info.value.message


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_get_all_reports_in_both_layers(box: Sandbox, refclock_index: int, transport: str) -> None:
    address = address_of(box, transport)
    served_over_udp = _chronyd_serves_everything_over_udp()
    for reports in (Chrony(address).get_all_reports(), ChronyConnection(address).get_all_reports()):
        assert "tracking" in reports
        assert len(reports["sources"]) == 4
        for name in EMPTY_REPORTS:
            if transport == "udp" and not served_over_udp:
                assert name not in reports  # refused: left out, as documented
                continue
            report = reports[name]
            assert isinstance(report, Report)
            assert len(report) == 4
            assert len(report[refclock_index]) == 0  # no fields at all
            assert report[refclock_index].as_dict() == {}
            assert all(len(r) > 0 for i, r in enumerate(report) if i != refclock_index)


def test_the_async_connection_reads_the_empty_records(box: Sandbox, refclock_index: int) -> None:
    async def fetch() -> tuple[list[NTPData], list[AuthData]]:
        async with AsyncChronyConnection(box.socket_path) as conn:
            return await conn.get_ntp_data(), await conn.get_auth_data()

    ntp, auth = asyncio.run(fetch())
    _check_empty_record_at(ntp, NTPData, refclock_index)
    _check_empty_record_at(auth, AuthData, refclock_index)


def test_gather_reports_the_refclock_server_healthy(box: Sandbox, refclock_index: int) -> None:
    results = gather_sync([box.socket_path], reports=["sources", *EMPTY_REPORTS])
    result = results[box.socket_path]
    assert result.ok, result.errors
    ntp = result.reports["ntpdata"]
    assert isinstance(ntp, list)
    _check_empty_record_at(ntp, NTPData, refclock_index)


def test_the_c_mirror_layer_sees_a_record_of_no_fields(box: Sandbox, refclock_index: int) -> None:
    sock = c.chrony_open_socket(box.socket_path)
    assert sock is not None
    err, session = c.chrony_init_session(sock)
    assert err == c.ChronyError.OK
    assert session is not None
    try:
        assert c.chrony_request_record(session, "ntpdata", refclock_index) == c.ChronyError.OK
        while c.chrony_needs_response(session):
            assert c.chrony_process_response(session) == c.ChronyError.OK
        assert c.chrony_get_record_number_fields(session) == 0
        assert c.chrony_get_field_name(session, 0) is None
    finally:
        c.chrony_deinit_session(session)
        c.chrony_close_socket(sock)


def _cli(box: Sandbox, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pychrony", "-a", box.socket_path, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("command", ["ntpdata", "authdata", "dump"])
def test_the_cli_prints_every_report(box: Sandbox, command: str) -> None:
    table = _cli(box, command)
    assert table.returncode == 0, table.stderr
    assert table.stderr == ""
    assert "127.0.0.1" in table.stdout or command == "authdata"
    if command != "dump":
        out = _cli(box, "--format", "json", command)
        assert out.returncode == 0, out.stderr
        rows = json.loads(out.stdout)
        assert len(rows) == 4
        assert sum(all(v is None for v in row.values()) for row in rows) == 1


def test_the_exporter_with_the_ntpdata_collector_is_up(box: Sandbox) -> None:
    flags = ("--collector.ntpdata", "--collector.authdata")
    with serving(box.socket_path, *flags) as url:
        scraped = prom.samples(prom.get(url, timeout=10))
    assert scraped["chrony_up"] == [({}, 1.0)]
    success = {labels["collector"]: v for labels, v in scraped["chrony_scrape_collector_success"]}
    assert success["ntpdata"] == 1.0
    assert success["authdata"] == 1.0
    # The three NTP sources, each labelled with its address; the clock has no NTP data.
    received = scraped["chrony_ntpdata_received_messages_total"]
    assert sorted(labels["source_address"] for labels, _ in received) == [
        "127.0.0.1",
        "127.0.0.2",
        "127.0.0.3",
    ]
