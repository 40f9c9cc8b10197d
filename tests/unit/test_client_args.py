"""pychrony.client without a daemon: argument checks, invalid indexes, states.

Sessions here run over a UDP socket connected to a peer socket the test owns,
so a "reply" is whatever the test sends: enough for states and timeouts
chronyd itself would not produce on demand.
"""

from __future__ import annotations

import gc
import math
import os
import socket
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import pychrony
import pychrony._native
import pychrony.libchrony
from pychrony import ChronyTimeoutError
from pychrony._core.constants import ErrorCode, FieldContent, FieldType
from pychrony.client import (
    ChronyError,
    ChronyFieldContent,
    ChronyFieldType,
    ChronySession,
    TimeSpec,
    chrony_close_socket,
    chrony_deinit_session,
    chrony_get_error_string,
    chrony_get_fd,
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

pytestmark = pytest.mark.usefixtures("native")

REPORTS = [
    "tracking",
    "sources",
    "sourcestats",
    "selectdata",
    "activity",
    "authdata",
    "ntpdata",
    "serverstats",
    "rtcdata",
    "smoothing",
]


class Pair:
    """A client socket (as chrony_init_session sees it) and the test's peer."""

    def __init__(self) -> None:
        self.peer = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.peer.bind(("127.0.0.1", 0))
        self.client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.client.connect(self.peer.getsockname())
        self.peer.connect(self.client.getsockname())
        err, session = chrony_init_session(self.client)
        assert err == ChronyError.OK
        assert session is not None
        self.session = session

    def close(self) -> None:
        chrony_deinit_session(self.session)
        self.client.close()
        self.peer.close()


@pytest.fixture
def pair() -> Iterator[Pair]:
    p = Pair()
    yield p
    p.close()


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


# -- names and enums -----------------------------------------------------------


def test_enums_are_the_cores() -> None:
    assert ChronyError is ErrorCode
    assert ChronyFieldType is FieldType
    assert ChronyFieldContent is FieldContent
    assert int(ChronyError.OK) == 0
    assert int(ChronyError.INVALID_RESPONSE) == 14
    # The code enum is not the exception of the typed layer.
    assert not issubclass(ChronyError, pychrony.ChronyError)


def test_timespec_is_frozen_and_converts_to_float() -> None:
    ts = TimeSpec(tv_sec=1_700_000_000, tv_nsec=250_000_000)
    assert float(ts) == pytest.approx(1_700_000_000.25)
    assert ts == TimeSpec(1_700_000_000, 250_000_000)
    with pytest.raises(AttributeError):
        ts.tv_sec = 0  # type: ignore[misc]
    # One class for every layer that hands out timespecs.
    assert TimeSpec is pychrony.libchrony.TimeSpec


def test_error_strings_are_libchronys() -> None:
    # The wording differs between libchrony releases ("CHRONY_OK" in 0.1):
    # each code has its own, and every unknown code shares one.
    known = [chrony_get_error_string(code) for code in ChronyError]
    assert all(known)
    assert len(set(known)) == len(known)
    unknown = {chrony_get_error_string(code) for code in (15, 1000, -1, 2**40)}
    assert len(unknown) == 1
    assert unknown.isdisjoint(known)


@pytest.mark.parametrize("bad", ["0", 1.0, None, True])
def test_error_string_rejects_non_int(bad: object) -> None:
    with pytest.raises(TypeError, match="error code must be an int"):
        chrony_get_error_string(bad)  # type: ignore[arg-type]


def test_report_names_in_libchrony_order() -> None:
    assert chrony_get_number_supported_reports() == len(REPORTS)
    assert [chrony_get_report_name(i) for i in range(len(REPORTS))] == REPORTS


@pytest.mark.parametrize("index", [-1, 10, 2**31, -(2**31) - 1, 2**100])
def test_report_name_of_invalid_index_is_none(index: int) -> None:
    assert chrony_get_report_name(index) is None


@pytest.mark.parametrize("bad", ["1", 1.0, None, True])
def test_report_name_rejects_non_int(bad: object) -> None:
    with pytest.raises(TypeError, match="report index must be an int"):
        chrony_get_report_name(bad)  # type: ignore[arg-type]


# -- sockets -------------------------------------------------------------------


@pytest.mark.parametrize("bad", [123, b"/run/chrony.sock", ["127.0.0.1"]])
def test_open_socket_rejects_non_str(bad: object) -> None:
    with pytest.raises(TypeError, match="address must be a str"):
        chrony_open_socket(bad)  # type: ignore[arg-type]


def test_open_socket_rejects_nul() -> None:
    with pytest.raises(ValueError, match="NUL"):
        chrony_open_socket("127.0.0.1\0:323")


@pytest.mark.parametrize("address", ["/nonexistent/dir/chronyd.sock", "not-an-ip", "relative/x"])
def test_open_socket_failure_is_none(address: str) -> None:
    assert chrony_open_socket(address) is None


def test_close_unlinks_libchronys_client_socket_file(tmp_path: Any) -> None:
    server_path = str(tmp_path / "chronyd.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(server_path)
        sock = chrony_open_socket(server_path)
        assert sock is not None
        client_path = sock.getsockname()
        assert os.path.exists(client_path)
        assert sock.getpeername() == server_path
        sock.close()
        assert not os.path.exists(client_path)
        assert sock.fileno() == -1
        sock.close()  # idempotent
        chrony_close_socket(sock)  # and so is the C-style close
        assert sorted(os.listdir(tmp_path)) == ["chronyd.sock"]


def test_close_by_fd_closes_the_owning_socket(tmp_path: Any) -> None:
    server_path = str(tmp_path / "chronyd.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(server_path)
        sock = chrony_open_socket(server_path)
        assert sock is not None
        client_path = sock.getsockname()
        chrony_close_socket(sock.fileno())
        assert sock.fileno() == -1  # the object knows: it will not close the fd again
        assert not os.path.exists(client_path)


def open_and_drop(address: str) -> str:
    """Open a socket and lose it without closing; return its client socket path."""
    sock = chrony_open_socket(address)
    assert sock is not None
    path: str = sock.getsockname()
    assert os.path.exists(path)
    return path


def test_dropped_socket_is_closed_through_libchrony(tmp_path: Any) -> None:
    server_path = str(tmp_path / "chronyd.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(server_path)
        with pytest.warns(ResourceWarning, match="unclosed"):
            client_path = open_and_drop(server_path)
        assert not os.path.exists(client_path)


def test_close_socket_detaches_a_plain_socket() -> None:
    plain = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    chrony_close_socket(plain)
    assert plain.fileno() == -1


@pytest.mark.parametrize(
    ("bad", "exc"), [("3", TypeError), (None, TypeError), (-1, ValueError), (True, TypeError)]
)
def test_close_socket_rejects_bad_arguments(bad: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        chrony_close_socket(bad)  # type: ignore[arg-type]


# -- sessions ------------------------------------------------------------------


@pytest.mark.parametrize(("bad", "exc"), [("3", TypeError), (None, TypeError), (-5, ValueError)])
def test_init_session_rejects_bad_arguments(bad: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        chrony_init_session(bad)  # type: ignore[arg-type]


def test_init_session_rejects_a_closed_socket() -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.close()
    with pytest.raises(ValueError, match="closed"):
        chrony_init_session(sock)


def test_init_session_on_a_raw_fd() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        err, session = chrony_init_session(sock.fileno())
        assert err == ChronyError.OK
        assert isinstance(session, ChronySession)
        assert chrony_get_fd(session) == sock.fileno()
        chrony_deinit_session(session)


def test_fresh_session_state(pair: Pair) -> None:
    s = pair.session
    assert chrony_get_fd(s) == pair.client.fileno()
    assert chrony_needs_response(s) is False
    assert chrony_get_record_number_fields(s) == 0
    assert chrony_get_report_number_records(s) == 0


def test_process_response_without_request_returns_unexpected_call(pair: Pair) -> None:
    start = time.monotonic()
    assert chrony_process_response(pair.session, timeout=5) == ChronyError.UNEXPECTED_CALL
    assert time.monotonic() - start < 1  # answered at once, not after the timeout


def test_single_record_report_counts_without_sending(pair: Pair) -> None:
    s = pair.session
    assert chrony_request_report_number_records(s, "tracking") == ChronyError.OK
    assert chrony_needs_response(s) is False
    assert chrony_get_report_number_records(s) == 1
    assert chrony_request_record(s, "tracking", 1) == ChronyError.INVALID_ARGUMENT


def test_unknown_report_is_an_error_code(pair: Pair) -> None:
    s = pair.session
    assert chrony_request_report_number_records(s, "nosuch") == ChronyError.UNKNOWN_REPORT
    assert chrony_request_record(s, "nosuch", 0) == ChronyError.UNKNOWN_REPORT
    assert chrony_request_record(s, "", 0) == ChronyError.UNKNOWN_REPORT


@pytest.mark.parametrize(
    ("report", "exc", "match"),
    [
        ("track\0ing", ValueError, "NUL"),
        ("trackíng", ValueError, "ASCII"),
        (b"tracking", TypeError, "report name must be a str"),
        (None, TypeError, "report name must be a str"),
    ],
)
def test_bad_report_names_raise(
    pair: Pair, report: object, exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        chrony_request_record(pair.session, report, 0)  # type: ignore[arg-type]
    with pytest.raises(exc, match=match):
        chrony_request_report_number_records(pair.session, report)  # type: ignore[arg-type]


@pytest.mark.parametrize("record", [2**31, -(2**31) - 1, 2**64])
def test_record_index_outside_c_int_overflows_in_python(pair: Pair, record: int) -> None:
    with pytest.raises(OverflowError, match="C int"):
        chrony_request_record(pair.session, "sources", record)
    assert chrony_needs_response(pair.session) is False  # nothing was sent


@pytest.mark.parametrize("record", ["0", 0.0, None, True])
def test_record_index_must_be_int(pair: Pair, record: object) -> None:
    with pytest.raises(TypeError, match="record index must be an int"):
        chrony_request_record(pair.session, "sources", record)  # type: ignore[arg-type]


GETTERS: list[Callable[[ChronySession, int], object]] = [
    chrony_get_field_uinteger,
    chrony_get_field_integer,
    chrony_get_field_float,
    chrony_get_field_timespec,
    chrony_get_field_string,
    chrony_get_field_name,
]


@pytest.mark.parametrize("field", [0, 1, -1, 2**31, -(2**31) - 1, 2**100])
def test_fields_of_no_record_are_invalid(pair: Pair, field: int) -> None:
    s = pair.session
    for getter in GETTERS:
        assert getter(s, field) is None
    assert chrony_get_field_type(s, field) is ChronyFieldType.NONE
    assert chrony_get_field_content(s, field) is ChronyFieldContent.NONE
    assert chrony_get_field_constant_name(s, field, 0) is None


@pytest.mark.parametrize("field", ["0", 0.5, None, False])
def test_field_index_must_be_int(pair: Pair, field: object) -> None:
    for getter in [*GETTERS, chrony_get_field_type, chrony_get_field_content]:
        with pytest.raises(TypeError, match="field index must be an int"):
            getter(pair.session, field)  # type: ignore[arg-type]


def test_field_index_lookup(pair: Pair) -> None:
    assert chrony_get_field_index(pair.session, "stratum") == -1
    assert chrony_get_field_index(pair.session, "strätum") == -1
    with pytest.raises(ValueError, match="NUL"):
        chrony_get_field_index(pair.session, "strat\0um")
    with pytest.raises(TypeError, match="field name must be a str"):
        chrony_get_field_index(pair.session, 3)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [-1, 2**64])
def test_constant_name_of_value_outside_uint64_is_none(pair: Pair, value: int) -> None:
    assert chrony_get_field_constant_name(pair.session, 0, value) is None


def test_constant_name_value_must_be_int(pair: Pair) -> None:
    with pytest.raises(TypeError, match="value must be an int"):
        chrony_get_field_constant_name(pair.session, 0, 1.0)  # type: ignore[arg-type]


# -- process_response deadlines ------------------------------------------------


def test_process_response_times_out_and_stays_pending(pair: Pair) -> None:
    s = pair.session
    assert chrony_request_record(s, "tracking", 0) == ChronyError.OK
    assert chrony_needs_response(s) is True
    assert len(pair.peer.recv(1024)) > 0  # the request went out
    start = time.monotonic()
    with pytest.raises(ChronyTimeoutError, match="no reply") as info:
        chrony_process_response(s, timeout=0.1)
    assert 0.09 <= time.monotonic() - start < 1.0
    assert isinstance(info.value, TimeoutError)
    assert chrony_needs_response(s) is True


def test_foreign_datagram_is_ignored_like_in_c(pair: Pair) -> None:
    s = pair.session
    assert chrony_request_record(s, "tracking", 0) == ChronyError.OK
    pair.peer.send(b"not a chronyd reply")
    assert chrony_process_response(s, timeout=1) == ChronyError.OK
    assert chrony_needs_response(s) is True  # still waiting for the real reply
    assert chrony_get_record_number_fields(s) == 0


@pytest.mark.parametrize(
    ("timeout", "exc"),
    [(-1, ValueError), (math.nan, ValueError), (math.inf, ValueError), ("1", TypeError)],
)
def test_process_response_timeout_is_checked(
    pair: Pair, timeout: object, exc: type[Exception]
) -> None:
    with pytest.raises(exc, match="timeout"):
        chrony_process_response(pair.session, timeout=timeout)  # type: ignore[arg-type]


def test_closed_socket_refuses_network_calls(pair: Pair) -> None:
    pair.client.close()
    with pytest.raises(ValueError, match="socket of this session"):
        chrony_request_record(pair.session, "tracking", 0)
    with pytest.raises(ValueError, match="socket of this session"):
        chrony_process_response(pair.session)


# -- deinit ----------------------------------------------------------------------

SESSION_CALLS: list[tuple[str, Callable[[Any], object]]] = [
    ("get_fd", chrony_get_fd),
    ("needs_response", chrony_needs_response),
    ("process_response", chrony_process_response),
    ("request_count", lambda s: chrony_request_report_number_records(s, "sources")),
    ("report_number_records", chrony_get_report_number_records),
    ("request_record", lambda s: chrony_request_record(s, "sources", 0)),
    ("record_number_fields", chrony_get_record_number_fields),
    ("field_name", lambda s: chrony_get_field_name(s, 0)),
    ("field_index", lambda s: chrony_get_field_index(s, "stratum")),
    ("field_type", lambda s: chrony_get_field_type(s, 0)),
    ("field_content", lambda s: chrony_get_field_content(s, 0)),
    ("uinteger", lambda s: chrony_get_field_uinteger(s, 0)),
    ("integer", lambda s: chrony_get_field_integer(s, 0)),
    ("float", lambda s: chrony_get_field_float(s, 0)),
    ("timespec", lambda s: chrony_get_field_timespec(s, 0)),
    ("string", lambda s: chrony_get_field_string(s, 0)),
    ("constant_name", lambda s: chrony_get_field_constant_name(s, 0, 0)),
]


@pytest.mark.parametrize(("name", "call"), SESSION_CALLS, ids=[n for n, _ in SESSION_CALLS])
def test_every_call_refuses_a_deinitialised_session(
    pair: Pair, name: str, call: Callable[[Any], object]
) -> None:
    chrony_deinit_session(pair.session)
    chrony_deinit_session(pair.session)  # twice is harmless
    assert not pair.session.is_open
    with pytest.raises(ValueError, match="deinitialised"):
        call(pair.session)


@pytest.mark.parametrize(("name", "call"), SESSION_CALLS, ids=[n for n, _ in SESSION_CALLS])
def test_every_call_rejects_a_non_session(name: str, call: Callable[[Any], object]) -> None:
    with pytest.raises(TypeError, match="must be a ChronySession"):
        call(3)


def test_deinit_rejects_a_non_session() -> None:
    with pytest.raises(TypeError, match="must be a ChronySession"):
        chrony_deinit_session(None)  # type: ignore[arg-type]


def test_deinit_and_garbage_collection_free_the_c_session() -> None:
    # libchrony keeps /dev/urandom open per session: a leaked session shows as an fd.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        gc.collect()
        before = open_fds()
        _, session = chrony_init_session(sock)
        assert open_fds() == before + 1
        assert session is not None
        chrony_deinit_session(session)
        assert open_fds() == before
        _, session = chrony_init_session(sock)
        assert open_fds() == before + 1
        del session
        gc.collect()
        assert open_fds() == before


def test_default_address_opens_a_socket() -> None:
    # libchrony's fallback ends at UDP 127.0.0.1:323 / ::1, which "connect"
    # without a listener; whichever it picked, it is a closable ChronySocket.
    for address in (None, ""):
        sock = chrony_open_socket(address)
        assert isinstance(sock, socket.socket)
        assert sock.fileno() >= 0
        chrony_close_socket(sock)
        assert sock.fileno() == -1


def test_refused_port_is_recv_failed_not_a_hang() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{probe.getsockname()[1]}"
    sock = chrony_open_socket(address)  # nothing listens there any more
    assert sock is not None
    _, session = chrony_init_session(sock)
    assert session is not None
    assert chrony_request_record(session, "tracking", 0) == ChronyError.OK
    # The ICMP "port unreachable" wakes the wait; libchrony's recv reports it.
    assert chrony_process_response(session, timeout=5) == ChronyError.RECV_FAILED
    chrony_deinit_session(session)
    chrony_close_socket(sock)


def test_deinit_from_another_thread_never_frees_under_a_call(pair: Pair) -> None:
    s = pair.session
    outcomes: list[str] = []

    def reader() -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                chrony_get_field_name(s, 0)
                chrony_get_record_number_fields(s)
                chrony_get_field_content(s, 0)
            except ValueError:
                outcomes.append("refused")
                return
        outcomes.append("finished")

    threads = [threading.Thread(target=reader) for _ in range(3)]
    for t in threads:
        t.start()
    time.sleep(0.02)
    chrony_deinit_session(s)
    for t in threads:
        t.join(timeout=30)
    assert outcomes == ["refused"] * 3


def test_opened_sockets_have_kernel_timeouts_as_a_backstop() -> None:
    sock = chrony_open_socket("127.0.0.1:9")
    assert sock is not None
    try:
        for option in (socket.SO_SNDTIMEO, socket.SO_RCVTIMEO):
            seconds, micros = struct.unpack("@ll", sock.getsockopt(socket.SOL_SOCKET, option, 16))
            assert 0 < seconds + micros / 1e6 <= 5
        assert sock.gettimeout() is None  # still a blocking socket, as libchrony expects
    finally:
        chrony_close_socket(sock)


def test_session_objects_wrap_only_libchrony_sessions() -> None:
    ffi, _ = pychrony._native.load()
    with pytest.raises(TypeError, match="chrony_init_session"):
        ChronySession(12345, 3, None)
    with pytest.raises(TypeError, match="chrony_init_session"):
        ChronySession(ffi.new("int *"), 3, None)
    with pytest.raises(ValueError, match="NULL"):
        ChronySession(ffi.cast("chrony_session *", 0), 3, None)
