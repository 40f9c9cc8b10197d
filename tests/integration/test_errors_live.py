"""Error codes as a real chronyd and libchrony produce them."""

from __future__ import annotations

from contextlib import closing

import pytest

from pychrony import (
    ChronyConnection,
    ChronyConnectionError,
    ChronyDataError,
    ChronyPermissionError,
)
from pychrony._core.constants import ErrorCode
from pychrony._core.session import Session
from pychrony.sandbox import Sandbox


@pytest.mark.parametrize(
    ("report", "index", "code"),
    [
        ("nosuchreport", 0, ErrorCode.UNKNOWN_REPORT),
        ("tracking", 1, ErrorCode.INVALID_ARGUMENT),  # tracking has one record
        ("rtcdata", 0, ErrorCode.DISABLED),  # the sandbox has no rtcfile
    ],
)
def test_refused_record_is_a_data_error_with_its_code(
    sandbox: Sandbox, report: str, index: int, code: ErrorCode
) -> None:
    with closing(Session(sandbox.socket_path)) as session, pytest.raises(ChronyDataError) as info:
        session.record(report, index)
    assert info.value.error_code == code


def test_report_refused_over_udp_is_a_permission_error(sandbox: Sandbox) -> None:
    with (
        closing(Session(sandbox.udp_address)) as session,
        pytest.raises(ChronyPermissionError, match="ntpdata") as info,
    ):
        session.records("ntpdata")
    assert info.value.error_code == ErrorCode.UNAUTHORIZED


def test_missing_unix_socket_is_a_connection_error(sandbox: Sandbox) -> None:
    assert sandbox.directory is not None
    with pytest.raises(ChronyConnectionError, match="no such socket"):
        ChronyConnection(str(sandbox.directory / "nothing.sock")).open()


def test_a_name_that_cannot_resolve_is_explained() -> None:
    # An empty label: refused before any query leaves this machine.
    with pytest.raises(ChronyConnectionError, match=r"no\.\.such\.invalid: not a valid host name"):
        ChronyConnection("no..such.invalid").open()


@pytest.mark.parametrize("index", [-1, 1 << 16])
def test_bad_record_index_never_reaches_c(sandbox: Sandbox, index: int) -> None:
    with closing(Session(sandbox.socket_path)) as session, pytest.raises(IndexError):
        session.record("sources", index)


@pytest.mark.parametrize("name", ["", "track\0ing", "é"])
def test_bad_report_name_never_reaches_c(sandbox: Sandbox, name: str) -> None:
    with (
        closing(Session(sandbox.socket_path)) as session,
        pytest.raises(ChronyDataError, match="invalid report name"),
    ):
        session.record_count(name)
