from __future__ import annotations

import pytest

from pychrony import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
    ChronyTimeoutError,
)


@pytest.mark.parametrize(
    "cls",
    [
        ChronyConnectionError,
        ChronyDataError,
        ChronyLibraryError,
        ChronyPermissionError,
        ChronyTimeoutError,
    ],
)
def test_every_exception_is_a_chrony_error(cls: type[ChronyError]) -> None:
    exc = cls("boom", error_code=6)
    assert isinstance(exc, ChronyError)
    assert exc.message == "boom"
    assert exc.error_code == 6


def test_timeout_is_a_connection_error_and_a_builtin_timeout() -> None:
    exc = ChronyTimeoutError("late")
    assert isinstance(exc, ChronyConnectionError)
    assert isinstance(exc, TimeoutError)
    with pytest.raises(TimeoutError):
        raise exc


def test_str_shows_code_only_when_there_is_one() -> None:
    assert str(ChronyError("plain")) == "plain"
    assert str(ChronyError("coded", error_code=9)) == "coded (error code: 9)"
    assert ChronyError("plain").error_code is None


def test_connection_errors_carry_an_optional_errno() -> None:
    import errno
    import pickle

    assert ChronyConnectionError("gone").errno is None
    assert ChronyTimeoutError("late").errno is None
    exc = ChronyConnectionError("no fds", error_code=2, errno=errno.EMFILE)
    assert (exc.errno, exc.error_code) == (errno.EMFILE, 2)
    copy = pickle.loads(pickle.dumps(exc))
    assert (copy.errno, copy.error_code, copy.message) == (errno.EMFILE, 2, "no fds")
