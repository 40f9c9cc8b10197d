"""The generic layer's exceptions are both the port's classes and the typed layer's."""

from __future__ import annotations

import traceback

import pytest

import pychrony
from pychrony import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
    ChronyTimeoutError,
    libchrony,
)
from pychrony._core.constants import ErrorCode
from pychrony._core.errors import ERROR_TABLE, exception_for
from pychrony.libchrony._errors import to_generic, translated

GENERIC_FOR_CODE: dict[ErrorCode, type[ChronyError]] = {
    ErrorCode.NO_MEMORY: ChronyLibraryError,
    ErrorCode.NO_RANDOM: ChronyLibraryError,
    ErrorCode.RANDOM_FAILED: ChronyLibraryError,
    ErrorCode.UNKNOWN_REPORT: libchrony.RequestError,
    ErrorCode.INVALID_ARGUMENT: libchrony.RequestError,
    ErrorCode.UNEXPECTED_CALL: libchrony.RequestError,
    ErrorCode.SEND_FAILED: libchrony.ConnectionError,
    ErrorCode.RECV_FAILED: libchrony.ConnectionError,
    ErrorCode.UNAUTHORIZED: libchrony.AuthorizationError,
    ErrorCode.DISABLED: libchrony.ResponseError,
    ErrorCode.UNEXPECTED_STATUS: libchrony.ResponseError,
    ErrorCode.OLD_SERVER: libchrony.ResponseError,
    ErrorCode.NEW_SERVER: libchrony.ResponseError,
    ErrorCode.INVALID_RESPONSE: libchrony.ResponseError,
}


def test_chrony_exception_is_the_typed_base() -> None:
    assert libchrony.ChronyException is pychrony.ChronyError


@pytest.mark.parametrize(
    ("generic", "typed"),
    [
        (libchrony.ConnectionError, ChronyConnectionError),
        (libchrony.ConnectionTimeoutError, ChronyTimeoutError),
        (libchrony.ConnectionTimeoutError, TimeoutError),
        (libchrony.ConnectionPermissionError, ChronyPermissionError),
        (libchrony.ConnectionPermissionError, libchrony.ConnectionError),
        (libchrony.AuthorizationError, ChronyPermissionError),
        (libchrony.RequestError, ChronyDataError),
        (libchrony.ResponseError, ChronyDataError),
    ],
)
def test_generic_classes_derive_from_the_typed_ones(generic: type, typed: type) -> None:
    assert issubclass(generic, typed)
    assert issubclass(generic, libchrony.ChronyException)


def test_generic_connection_error_is_not_the_builtin() -> None:
    assert not issubclass(libchrony.ConnectionError, ConnectionError)


def test_every_error_code_has_a_generic_class() -> None:
    assert set(GENERIC_FOR_CODE) == set(ERROR_TABLE)


@pytest.mark.parametrize("code", sorted(GENERIC_FOR_CODE))
def test_core_exception_becomes_generic_and_stays_typed(code: ErrorCode) -> None:
    typed = exception_for(code, "tracking report from 127.0.0.1")
    generic = to_generic(typed)
    assert type(generic) is GENERIC_FOR_CODE[code]
    assert isinstance(generic, type(typed))
    assert generic.message == typed.message
    assert generic.error_code == code
    assert str(generic) == str(typed)


def test_timeout_becomes_connection_timeout() -> None:
    generic = to_generic(ChronyTimeoutError("tracking report from x: no reply"))
    assert isinstance(generic, libchrony.ConnectionTimeoutError)
    assert isinstance(generic, TimeoutError)
    assert isinstance(generic, ChronyTimeoutError)


def test_permission_while_connecting_is_also_a_connection_error() -> None:
    refused = ChronyPermissionError("permission denied opening /run/chrony/chronyd.sock")
    assert type(to_generic(refused, connecting=True)) is libchrony.ConnectionPermissionError
    assert type(to_generic(refused)) is libchrony.AuthorizationError


def test_generic_exception_passes_unchanged() -> None:
    exc = libchrony.ResponseError("x", error_code=10)
    assert to_generic(exc) is exc


def test_translated_reraises_generic_with_original_traceback() -> None:
    def fail() -> None:
        raise exception_for(ErrorCode.DISABLED, "rtcdata report from sock")

    with pytest.raises(libchrony.ResponseError) as info, translated():
        fail()
    assert info.value.error_code == ErrorCode.DISABLED
    assert info.value.__cause__ is None
    assert info.value.__suppress_context__
    frames = [f.name for f in traceback.extract_tb(info.value.__traceback__)]
    assert "fail" in frames


def test_translated_leaves_other_exceptions_alone() -> None:
    with pytest.raises(ValueError, match="boom"), translated():
        raise ValueError("boom")
