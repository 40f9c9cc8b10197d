"""The generic layer against a real sandboxed chronyd, over both transports."""

from __future__ import annotations

import os
import pwd
import socket
from collections.abc import Callable, Iterator

import pytest

from pychrony import (
    ChronyConnection,
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyPermissionError,
    ChronyTimeoutError,
    Transport,
    libchrony,
)
from pychrony._core.constants import ErrorCode
from pychrony.models.catalog import spec_for
from pychrony.sandbox import Sandbox
from tests.helpers.silent import silent_port

LIBCHRONY_REPORTS = [
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
REFUSED_OVER_UDP = {"selectdata", "authdata", "ntpdata", "serverstats"}
DISABLED_IN_SANDBOX = {"rtcdata"}  # the sandbox has no rtcfile
SINGLE = {"tracking", "serverstats", "activity", "rtcdata", "smoothing"}


@pytest.fixture
def chrony(address: str) -> Iterator[libchrony.Chrony]:
    with libchrony.connect(address) as conn:
        yield conn


def is_udp(chrony: libchrony.Chrony) -> bool:
    return chrony.transport is Transport.COMMAND_PORT


def test_available_reports_are_libchronys(chrony: libchrony.Chrony) -> None:
    assert chrony.get_available_reports() == LIBCHRONY_REPORTS


def test_every_served_report_reads_completely(chrony: libchrony.Chrony) -> None:
    refused = REFUSED_OVER_UDP if is_udp(chrony) else set()
    served = [r for r in chrony.get_available_reports() if r not in refused | DISABLED_IN_SANDBOX]
    assert len(served) == (5 if is_udp(chrony) else 9)
    for name in served:
        count = chrony.get_record_count(name)
        report = chrony.get_report(name)
        assert report.name == name
        assert len(report) == count, name
        assert count == 1 if name in SINGLE else count == 4, name  # 4 sources in the sandbox
        for index, record in enumerate(report):
            assert (record.report_name, record.index) == (name, index)
            assert len(record) > 0
            for field in record:
                assert field.name
                assert str(field)
                assert record[field.name] is field or record[field.name].name == field.name
        first = chrony.get_record(name)
        assert [f.name for f in first] == [f.name for f in report[0]]
        iterated = list(chrony.iter_records(name))
        assert [r.index for r in iterated] == list(range(count))
        assert [r.as_dict().keys() for r in iterated] == [r.as_dict().keys() for r in report]


@pytest.mark.parametrize("name", sorted(REFUSED_OVER_UDP))
def test_refused_reports_raise_authorization_error_over_udp(sandbox: Sandbox, name: str) -> None:
    # libchrony may count some of them with a request chronyd allows (the
    # per-source reports count sources), so only fetching records is refused.
    with libchrony.connect(sandbox.udp_address) as chrony:
        getters: list[Callable[[], object]] = [
            lambda: chrony.get_record(name),
            lambda: chrony.get_report(name),
            lambda: list(chrony.iter_records(name)),
        ]
        convenience = {"serverstats": chrony.get_serverstats, "selectdata": chrony.get_selectdata}
        if name in convenience:
            getters.append(convenience[name])
        for get in getters:
            with pytest.raises(libchrony.AuthorizationError, match="refused") as info:
                get()
            assert isinstance(info.value, ChronyPermissionError)
            assert info.value.error_code == ErrorCode.UNAUTHORIZED
        assert chrony.get_tracking()["stratum"].value == 9  # still usable


def test_disabled_rtcdata_raises_response_error(chrony: libchrony.Chrony) -> None:
    with pytest.raises(libchrony.ResponseError, match="disabled") as info:
        chrony.get_rtcdata()
    assert isinstance(info.value, ChronyDataError)
    assert info.value.error_code == ErrorCode.DISABLED == libchrony.ErrorCode.DISABLED


def test_get_all_reports_leaves_out_refused_and_disabled(chrony: libchrony.Chrony) -> None:
    everything = chrony.get_all_reports()
    left_out = DISABLED_IN_SANDBOX | (REFUSED_OVER_UDP if is_udp(chrony) else set())
    assert list(everything) == [r for r in LIBCHRONY_REPORTS if r not in left_out]
    for name, value in everything.items():
        assert isinstance(value, libchrony.Record if name in SINGLE else libchrony.Report), name


def test_shapes_agree_with_the_report_catalogue() -> None:
    # get_all_reports takes single-vs-many from the catalogue; it must say what
    # the port's conveniences return.
    for name in LIBCHRONY_REPORTS:
        try:
            many = spec_for(name).many
        except KeyError:
            continue
        assert many == (name not in SINGLE), name


def test_conveniences_return_the_port_shapes(sandbox: Sandbox) -> None:
    with libchrony.connect(sandbox.socket_path) as chrony:
        for get in (
            chrony.get_tracking,
            chrony.get_serverstats,
            chrony.get_activity,
            chrony.get_smoothing,
        ):
            assert isinstance(get(), libchrony.Record)
        for many in (chrony.get_sources, chrony.get_sourcestats, chrony.get_selectdata):
            assert isinstance(many(), libchrony.Report)
        assert chrony.get_tracking().report_name == "tracking"
        activity = chrony.get_activity()
        assert sum(f.value for f in activity) == 4  # every source is in exactly one state
        assert chrony.get_smoothing()["offset"].unit == "s"


def _compare_with_typed(address: str, attempts: int = 3) -> None:
    """Generic values equal the typed layer's (retried: chronyd may reselect between reads)."""
    last: AssertionError | None = None
    for _ in range(attempts):
        with ChronyConnection(address) as conn:
            typed_t = conn.get_tracking()
            generic_t = conn.get_record("tracking")
            typed_s = conn.get_sources()
            generic_s = conn.get_report("sources")
        try:
            assert generic_t["stratum"].value == typed_t.stratum
            assert generic_t["reference ID"].value == typed_t.reference_id
            assert generic_t["address"].value == typed_t.reference_ip
            assert [r["address"].value for r in generic_s] == [s.address for s in typed_s]
            assert [r["stratum"].value for r in generic_s] == [s.stratum for s in typed_s]
            assert [r["poll"].value for r in generic_s] == [s.poll for s in typed_s]
            return
        except AssertionError as exc:
            last = exc
    assert last is not None
    raise last


def test_values_equal_the_typed_layers(address: str) -> None:
    _compare_with_typed(address)


def test_reference_id_and_poll_are_chronyds(sandbox: Sandbox) -> None:
    with libchrony.connect(sandbox.socket_path) as chrony:
        tracking = chrony.get_tracking()
        polls = {s["poll"].value for s in chrony.get_sources()}
    assert str(tracking["reference ID"]) == f"{tracking['reference ID'].value:08X}"
    assert tracking["address"].value in {"127.0.0.1", "127.0.0.2", "127.0.0.3"}
    assert tracking["reference ID"].value == int.from_bytes(
        socket.inet_aton(tracking["address"].value), "big"
    )
    assert polls <= {-2, -1, 0}  # minpoll/maxpoll -2: negative, so sign-corrected
    assert isinstance(tracking["reference time"].value, libchrony.TimeSpec)


# -- bad requests ------------------------------------------------------------


def test_unknown_report_is_a_request_error(chrony: libchrony.Chrony) -> None:
    for call in (lambda: chrony.get_record_count("bogus"), lambda: chrony.get_report("bogus")):
        with pytest.raises(libchrony.RequestError, match="does not know this report") as info:
            call()
        assert info.value.error_code == ErrorCode.UNKNOWN_REPORT
        assert isinstance(info.value, ChronyDataError)


def test_bad_record_indexes(chrony: libchrony.Chrony) -> None:
    with pytest.raises(libchrony.RequestError) as info:
        chrony.get_record("tracking", 5)
    assert info.value.error_code == ErrorCode.INVALID_ARGUMENT
    with pytest.raises(libchrony.ResponseError) as resp:
        chrony.get_record("sources", 99)
    assert resp.value.error_code == ErrorCode.UNEXPECTED_STATUS
    with pytest.raises(IndexError):
        chrony.get_record("sources", -1)
    with pytest.raises(TypeError):
        chrony.get_record(b"sources")  # type: ignore[arg-type]
    # The connection is still usable after all of that.
    assert chrony.get_tracking()["stratum"].value == 9


# -- lifecycle ---------------------------------------------------------------


def test_chrony_lifecycle(sandbox: Sandbox) -> None:
    chrony = libchrony.Chrony(sandbox.socket_path, timeout=0.5, retries=1)
    assert not chrony.closed
    assert chrony.address == sandbox.socket_path
    assert chrony.transport is Transport.UNIX_SOCKET
    assert (chrony.timeout, chrony.retries) == (0.5, 1)
    assert "connected to" in repr(chrony)
    with chrony as entered:
        assert entered is chrony
        assert entered.get_record_count("tracking") == 1
    assert chrony.closed
    assert "closed" in repr(chrony)
    chrony.close()  # idempotent
    for use in (chrony.get_tracking, chrony.get_available_reports, chrony.__enter__):
        with pytest.raises(libchrony.ConnectionError, match="is closed"):
            use()
    with pytest.raises(libchrony.ConnectionError, match="is closed"):
        next(chrony.iter_records("sources"))


def test_connect_defaults_to_pychrony_address(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.udp_address)
    with libchrony.connect() as chrony:
        assert chrony.address == sandbox.udp_address
        assert (chrony.timeout, chrony.retries) == (1.0, 2)  # the core's defaults
    assert chrony.closed


def test_connect_to_missing_socket_is_a_connection_error(tmp_path: os.PathLike[str]) -> None:
    missing = os.path.join(os.fspath(tmp_path), "none.sock")
    with pytest.raises(libchrony.ConnectionError, match="cannot connect") as info:
        libchrony.Chrony(missing)
    assert isinstance(info.value, ChronyConnectionError)
    with pytest.raises(libchrony.ConnectionError), libchrony.connect(missing):
        pass


def test_bad_arguments_are_python_errors() -> None:
    with pytest.raises(ValueError, match="timeout"):
        libchrony.Chrony("127.0.0.1", timeout=0)
    with pytest.raises(TypeError, match="address"):
        libchrony.Chrony(123)  # type: ignore[arg-type]


def test_silent_server_is_a_connection_timeout() -> None:
    with (
        silent_port() as address,
        libchrony.connect(address, timeout=0.05, retries=1) as chrony,
        pytest.raises(libchrony.ConnectionTimeoutError, match="no reply") as info,
    ):
        chrony.get_tracking()
    assert isinstance(info.value, ChronyTimeoutError)
    assert isinstance(info.value, TimeoutError)
    assert isinstance(info.value, libchrony.ConnectionError)


def test_unprivileged_user_gets_connection_permission_error(sandbox: Sandbox) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop root, try, report the classes caught, exit
        outcome = "connected"
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            libchrony.Chrony(sandbox.socket_path)
        except ChronyError as exc:
            outcome = " ".join(
                cls.__name__
                for cls in (
                    libchrony.ConnectionPermissionError,
                    libchrony.ConnectionError,
                    libchrony.AuthorizationError,
                    ChronyPermissionError,
                )
                if isinstance(exc, cls)
            )
        except BaseException as exc:
            outcome = f"unexpected {type(exc).__name__}: {exc}"
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    assert outcome == (
        "ConnectionPermissionError ConnectionError AuthorizationError ChronyPermissionError"
    )


# -- the same generic methods on ChronyConnection ----------------------------


def test_chrony_connection_has_the_generic_methods(address: str) -> None:
    with ChronyConnection(address) as conn:
        assert isinstance(conn, libchrony.GenericReports)
        assert conn.get_available_reports() == LIBCHRONY_REPORTS
        assert conn.get_record_count("sources") == 4
        assert conn.get_record("tracking")["stratum"].value == conn.get_tracking().stratum
        assert len(conn.get_report("sourcestats")) == 4
        assert [r.index for r in conn.iter_records("sources")] == [0, 1, 2, 3]
        everything = conn.get_all_reports()
        assert isinstance(everything["tracking"], libchrony.Record)
        assert "rtcdata" not in everything
        with pytest.raises(libchrony.RequestError):
            conn.get_record("bogus")
        if conn.transport is Transport.COMMAND_PORT:
            with pytest.raises(ChronyPermissionError):
                conn.get_report("ntpdata")
    # The typed connection reconnects on use; so do its generic methods.
    assert conn.get_record_count("tracking") == 1
    conn.close()
