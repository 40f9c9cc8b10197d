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


@pytest.mark.parametrize("code", [ErrorCode.NO_RANDOM, ErrorCode.RANDOM_FAILED])
@pytest.mark.parametrize("os_errno", [errno.EMFILE, errno.ENFILE])
def test_descriptor_exhaustion_is_a_connection_error_carrying_errno(
    code: ErrorCode, os_errno: int
) -> None:
    exc = exception_for(code, "starting a libchrony session on 127.0.0.1", os_errno)
    assert type(exc) is ChronyConnectionError
    assert exc.errno == os_errno
    assert exc.error_code == code
    assert "out of file descriptors" in exc.message
    assert errno.errorcode[os_errno] in exc.message
    assert "max_connections" in exc.message


def test_urandom_missing_for_another_reason_stays_a_library_error() -> None:
    exc = exception_for(ErrorCode.NO_RANDOM, "starting a session", errno.ENOENT)
    assert type(exc) is ChronyLibraryError


def test_socket_failures_keep_their_errno() -> None:
    exc = exception_for(ErrorCode.RECV_FAILED, "tracking", errno.ECONNREFUSED)
    assert isinstance(exc, ChronyConnectionError)
    assert exc.errno == errno.ECONNREFUSED
    silent = exception_for(ErrorCode.SEND_FAILED, "tracking")
    assert isinstance(silent, ChronyConnectionError)
    assert silent.errno is None


def test_the_generic_layer_keeps_errno() -> None:
    from pychrony.libchrony._errors import ConnectionError as GenericConnectionError
    from pychrony.libchrony._errors import to_generic

    typed = exception_for(ErrorCode.NO_RANDOM, "starting a session", errno.EMFILE)
    generic = to_generic(typed)
    assert isinstance(generic, GenericConnectionError)
    assert generic.errno == errno.EMFILE
