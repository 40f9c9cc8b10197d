from __future__ import annotations

import errno

import pytest

from pychrony import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
)
from pychrony._core.constants import ErrorCode
from pychrony._core.errors import ERROR_TABLE, exception_for

EXPECTED: dict[ErrorCode, type[ChronyError]] = {
    ErrorCode.NO_MEMORY: ChronyLibraryError,
    ErrorCode.NO_RANDOM: ChronyLibraryError,
    ErrorCode.UNKNOWN_REPORT: ChronyDataError,
    ErrorCode.RANDOM_FAILED: ChronyLibraryError,
    ErrorCode.SEND_FAILED: ChronyConnectionError,
    ErrorCode.RECV_FAILED: ChronyConnectionError,
    ErrorCode.INVALID_ARGUMENT: ChronyDataError,
    ErrorCode.UNEXPECTED_CALL: ChronyDataError,
    ErrorCode.UNAUTHORIZED: ChronyPermissionError,
    ErrorCode.DISABLED: ChronyDataError,
    ErrorCode.UNEXPECTED_STATUS: ChronyDataError,
    ErrorCode.OLD_SERVER: ChronyDataError,
    ErrorCode.NEW_SERVER: ChronyDataError,
    ErrorCode.INVALID_RESPONSE: ChronyDataError,
}


def test_every_error_code_but_ok_is_mapped() -> None:
    assert set(ERROR_TABLE) == set(ErrorCode) - {ErrorCode.OK}
    assert set(EXPECTED) == set(ERROR_TABLE)


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_error_code_maps_to_its_exception_and_keeps_the_code(code: ErrorCode) -> None:
    exc = exception_for(code, "tracking report from here")
    assert type(exc) is EXPECTED[code]
    assert exc.error_code == code
    assert exc.message.startswith("tracking report from here: ")


def test_unknown_code_is_still_reported() -> None:
    exc = exception_for(99, "sources report")
    assert type(exc) is ChronyError
    assert exc.error_code == 99


def test_receive_failure_says_why() -> None:
    exc = exception_for(ErrorCode.RECV_FAILED, "tracking", errno.ECONNREFUSED)
    assert "Connection refused" in exc.message
    assert "is chronyd running" in exc.message


def test_unauthorized_says_which_transport_serves_the_report() -> None:
    exc = exception_for(ErrorCode.UNAUTHORIZED, "ntpdata report from 127.0.0.1")
    assert "ntpdata" in exc.message
    assert "Unix socket" in exc.message
