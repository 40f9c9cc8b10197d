"""pychrony.client against a sandboxed chronyd, over its Unix socket and UDP port."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import pychrony.client
from pychrony import ChronyConnection, ChronyTimeoutError
from pychrony._core.address import Transport, transport_of
from pychrony.client import (
    ChronyError,
    ChronyFieldContent,
    ChronyFieldType,
    ChronySession,
    TimeSpec,
    chrony_close_socket,
    chrony_deinit_session,
    chrony_get_field_constant_name,
    chrony_get_field_content,
    chrony_get_field_float,
    chrony_get_field_index,
    chrony_get_field_integer,
    chrony_get_field_name,
    chrony_get_field_string,
    chrony_get_field_timespec,
    chrony_get_field_type,
    chrony_get_field_uinteger,
    chrony_get_number_supported_reports,
    chrony_get_record_number_fields,
    chrony_get_report_name,
    chrony_get_report_number_records,
    chrony_init_session,
    chrony_needs_response,
    chrony_open_socket,
    chrony_process_response,
    chrony_request_record,
    chrony_request_report_number_records,
)
from pychrony.sandbox import Sandbox
from tests.helpers.silent import SilentServer

ROOT = Path(__file__).resolve().parents[2]

# chronyd (4.3 to 4.6, and 4.7 without opencommands) serves these to the Unix
# socket only; the sandbox has no RTC.
UDP_REFUSED = {"selectdata", "authdata", "ntpdata", "serverstats"}
DISABLED = {"rtcdata"}

GETTER = {
    ChronyFieldType.UINTEGER: (chrony_get_field_uinteger, int),
    ChronyFieldType.INTEGER: (chrony_get_field_integer, int),
    ChronyFieldType.FLOAT: (chrony_get_field_float, float),
    ChronyFieldType.TIMESPEC: (chrony_get_field_timespec, TimeSpec),
    ChronyFieldType.STRING: (chrony_get_field_string, str),
}


@pytest.fixture
def session(address: str) -> Iterator[ChronySession]:
    sock = chrony_open_socket(address)
    assert sock is not None
    err, s = chrony_init_session(sock)
    assert err == ChronyError.OK
    assert s is not None
    yield s
    chrony_deinit_session(s)
    chrony_close_socket(sock)


def exchange(session: ChronySession, err: ChronyError) -> ChronyError:
    """Process replies after a request, as a C caller would (bounded)."""
    for _ in range(10):
        if err != ChronyError.OK or not chrony_needs_response(session):
            return err
        err = chrony_process_response(session, timeout=2.0)
    raise AssertionError("libchrony kept asking for responses")


def fetch(session: ChronySession, report: str, record: int) -> ChronyError:
    return exchange(session, chrony_request_record(session, report, record))


def count(session: ChronySession, report: str) -> int:
    assert exchange(session, chrony_request_report_number_records(session, report)) == 0
    return chrony_get_report_number_records(session)


def field(session: ChronySession, name: str) -> int:
    index = chrony_get_field_index(session, name)
    assert index >= 0, f"no field {name!r}"
    return index


def test_every_report_every_record_every_field(
    session: ChronySession, address: str, sandbox: Sandbox
) -> None:
    sandbox.wait_synchronised(20)
    udp = transport_of(address) is Transport.COMMAND_PORT
    reports = [chrony_get_report_name(i) for i in range(chrony_get_number_supported_reports())]
    seen_fields = 0
    for report in reports:
        assert report is not None
        records = count(session, report)
        assert records >= 1, report
        for record in range(records):
            err = fetch(session, report, record)
            if udp and report in UDP_REFUSED:
                assert err == ChronyError.UNAUTHORIZED, report
                continue
            if report in DISABLED:
                assert err == ChronyError.DISABLED, report
                continue
            assert err == ChronyError.OK, (report, record, err)
            fields = chrony_get_record_number_fields(session)
            assert fields > 0, report
            for i in range(fields):
                name = chrony_get_field_name(session, i)
                assert name, (report, i)
                assert chrony_get_field_name(session, chrony_get_field_index(session, name)) == name
                ftype = chrony_get_field_type(session, i)
                assert isinstance(chrony_get_field_content(session, i), ChronyFieldContent)
                getter, pytype = GETTER[ftype]
                value = getter(session, i)
                if ftype is ChronyFieldType.STRING:
                    assert value is None or isinstance(value, str)
                else:
                    assert isinstance(value, pytype), (report, name, value)
                # Every other getter refuses the field, naming its real type,
                # except the string getter: libchrony gives NULL there, so None.
                for other, (wrong, _) in GETTER.items():
                    if other is ftype:
                        continue
                    if other is ChronyFieldType.STRING:
                        assert wrong(session, i) is None, (report, name)
                        continue
                    with pytest.raises(TypeError, match=f"of type {ftype.name}"):
                        wrong(session, i)
                seen_fields += 1
            # Past the last field: invalid, as in C.
            assert chrony_get_field_name(session, fields) is None
            assert chrony_get_field_type(session, fields) is ChronyFieldType.NONE
            assert chrony_get_field_uinteger(session, fields) is None
    assert seen_fields > (60 if udp else 120)


def test_tracking_agrees_with_the_typed_layer(
    session: ChronySession, address: str, sandbox: Sandbox
) -> None:
    sandbox.wait_synchronised(20)
    with ChronyConnection(address) as conn:
        before = conn.get_tracking()
        assert fetch(session, "tracking", 0) == ChronyError.OK
        stratum = chrony_get_field_uinteger(session, field(session, "stratum"))
        ref_id = chrony_get_field_uinteger(session, field(session, "reference ID"))
        leap = chrony_get_field_uinteger(session, field(session, "leap status"))
        after = conn.get_tracking()
    assert stratum in (before.stratum, after.stratum)
    assert ref_id in (before.reference_id, after.reference_id)
    assert leap is not None
    assert chrony_get_field_constant_name(session, field(session, "leap status"), leap) == "normal"
    ref_time = chrony_get_field_timespec(session, field(session, "reference time"))
    assert ref_time is not None
    assert 0 <= ref_time.tv_nsec < 1_000_000_000
    assert abs(float(ref_time) - time.time()) < 3600


def test_sources_agree_with_the_typed_layer(session: ChronySession, address: str) -> None:
    with ChronyConnection(address) as conn:
        typed = {src.address: src for src in conn.get_sources()}
    records = count(session, "sources")
    assert records == len(typed) == 4
    negative_polls = 0
    for record in range(records):
        assert fetch(session, "sources", record) == ChronyError.OK
        address_field = field(session, "address")
        assert chrony_get_field_content(session, address_field) is ChronyFieldContent.ADDRESS
        src_address = chrony_get_field_string(session, address_field)
        assert src_address is not None
        src = typed[src_address]
        poll = chrony_get_field_integer(session, field(session, "poll"))
        # The C value, without sign extension (a poll of -2 reads 65534).
        assert poll == src.poll & 0xFFFF
        negative_polls += src.poll < 0
        stratum = chrony_get_field_uinteger(session, field(session, "stratum"))
        assert stratum == src.stratum
        for name in ("state", "mode"):
            i = field(session, name)
            assert chrony_get_field_content(session, i) is ChronyFieldContent.ENUM
            value = chrony_get_field_uinteger(session, i)
            assert value is not None
            constant = chrony_get_field_constant_name(session, i, value)
            assert constant, (name, value)
            assert chrony_get_field_constant_name(session, i, 2**32) is None
        mode = field(session, "mode")
        assert chrony_get_field_constant_name(session, mode, 0) == "client"
        # A field without constants names nothing.
        assert chrony_get_field_constant_name(session, field(session, "stratum"), 0) is None
    assert negative_polls >= 3  # the reachable sources poll every 0.25 s (-2)


def test_ntpdata_follows_sourcestats_over_the_unix_socket(sandbox: Sandbox) -> None:
    # libchrony first asks for sourcestats to learn the address, then sends
    # ntpdata from inside chrony_process_response.
    sock = chrony_open_socket(sandbox.socket_path)
    assert sock is not None
    _, session = chrony_init_session(sock)
    assert session is not None
    try:
        addresses = set()
        modes = []
        for record in range(count(session, "ntpdata")):
            assert fetch(session, "ntpdata", record) == ChronyError.OK
            addresses.add(chrony_get_field_string(session, field(session, "remote address")))
            mode = field(session, "mode")
            value = chrony_get_field_uinteger(session, mode)
            assert value is not None
            modes.append(chrony_get_field_constant_name(session, mode, value))
        assert addresses == {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
        # The three answered sources last heard from a server; the silent one from nobody.
        assert modes.count("server") == 3
    finally:
        chrony_deinit_session(session)
        chrony_close_socket(sock)


def test_process_response_times_out_on_a_silent_server() -> None:
    silent = SilentServer()
    try:
        sock = chrony_open_socket(silent.address)
        assert sock is not None
        _, session = chrony_init_session(sock)
        assert session is not None
        assert chrony_request_record(session, "tracking", 0) == ChronyError.OK
        start = time.monotonic()
        with pytest.raises(ChronyTimeoutError, match=r"within 0\.2 s"):
            chrony_process_response(session, timeout=0.2)
        assert 0.18 <= time.monotonic() - start < 1.0
        assert chrony_needs_response(session) is True
        chrony_deinit_session(session)
        chrony_close_socket(sock)
        deadline = time.monotonic() + 2
        while silent.requests < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert silent.requests == 1
    finally:
        silent.close()


def test_close_unlinks_the_client_socket_file(sandbox: Sandbox) -> None:
    sock = chrony_open_socket(sandbox.socket_path)
    assert sock is not None
    client_path = Path(sock.getsockname())
    assert client_path.exists()
    _, session = chrony_init_session(sock)
    assert session is not None
    assert fetch(session, "tracking", 0) == ChronyError.OK
    chrony_deinit_session(session)
    chrony_close_socket(sock)
    chrony_close_socket(sock)  # exactly once: the second is a no-op
    assert not client_path.exists()


MISUSE = """
from pychrony.client import *
sock = chrony_open_socket({address!r})
err, s = chrony_init_session(sock)
assert chrony_request_record(s, "tracking", 0) == ChronyError.OK
while chrony_needs_response(s):
    chrony_process_response(s)
chrony_deinit_session(s)
chrony_deinit_session(s)
refused = 0
for call in (
    lambda: chrony_get_field_uinteger(s, 0),
    lambda: chrony_get_field_string(s, 1),
    lambda: chrony_get_record_number_fields(s),
    lambda: chrony_request_record(s, "sources", 0),
    lambda: chrony_process_response(s),
    lambda: chrony_needs_response(s),
):
    try:
        call()
    except ValueError:
        refused += 1
chrony_close_socket(sock)
print("refused", refused)
"""


def test_use_after_deinit_raises_instead_of_crashing(sandbox: Sandbox) -> None:
    code = MISUSE.format(address=sandbox.socket_path)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "refused 6"


def docstring_example() -> str:
    doc = pychrony.client.__doc__
    assert doc is not None
    match = re.search(r"The C-style loop.*?::\n\n(.*?)\n\S", doc, re.DOTALL)
    assert match, "the module docstring lost its example"
    lines = match.group(1).splitlines()
    return "\n".join(line[4:] for line in lines)


def test_module_docstring_example_runs(address: str, sandbox: Sandbox) -> None:
    sandbox.wait_synchronised(20)
    env = {**os.environ, "PYCHRONY_ADDRESS": address}
    proc = subprocess.run(
        [sys.executable, "-c", docstring_example()],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "tracking record 0:" in proc.stdout
    assert "  stratum: 9" in proc.stdout
    assert proc.stdout.count("\n  address: 127.0.0.") == 1 + 4  # tracking + 4 sources


def test_example_client_loop_dumps_every_report(address: str, sandbox: Sandbox) -> None:
    sandbox.wait_synchronised(20)
    env = {**os.environ, "PYCHRONY_ADDRESS": address}
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "client_loop.py")],
        capture_output=True,
        text=True,
        timeout=30,
        env=env,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "tracking record 0:" in out
    assert "leap status = 0 (normal)" in out
    assert "mode = 0 (client)" in out
    assert out.count("sources record ") == 4
    assert re.search(r"^rtcdata: \S", out, re.MULTILINE)  # refused with libchrony's words
    if transport_of(address) is Transport.UNIX_SOCKET:
        assert out.count("ntpdata record ") == 4
    else:
        assert "ntpdata record" not in out
        assert re.search(r"^ntpdata: \S", out, re.MULTILINE)


def test_example_reports_an_unreachable_chronyd(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "client_loop.py"), str(tmp_path / "no.sock")],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert proc.returncode == 1
    assert "cannot open a socket" in proc.stderr
