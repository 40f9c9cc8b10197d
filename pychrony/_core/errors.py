"""The one table from libchrony error codes to exceptions."""

from __future__ import annotations

import errno as errno_codes
import os
from typing import NoReturn

from ..exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
)
from .constants import ErrorCode
from .hints import Hint, with_hint

__all__ = [
    "DESCRIPTOR_ERRNOS",
    "ERROR_TABLE",
    "EXHAUSTION_HINT",
    "PERMISSION_HINT",
    "UNAUTHORIZED_HINT",
    "UNREACHABLE_ERRNOS",
    "describe_exhaustion",
    "exception_for",
    "raise_for",
]

_SOCKET_RULE = (
    "chronyd's Unix socket admits only root and chronyd's own user; run as one "
    "of them, or monitor through the UDP command port instead "
)
_UDP_REPORTS = "which serves tracking, sources, sourcestats, activity, rtcdata and smoothing"

PERMISSION_HINT = Hint(
    api=f'{_SOCKET_RULE}(ChronyConnection("127.0.0.1")), {_UDP_REPORTS}',
    cli=f"{_SOCKET_RULE}(-a 127.0.0.1), {_UDP_REPORTS}",
)

# Over the UDP command port chronyd 4.3-4.6 refuse four reports.
_UNAUTHORIZED_NOTE = (
    "over the UDP command port chronyd serves only monitoring reports "
    "(selectdata, authdata, ntpdata and serverstats need the Unix socket, "
)
UNAUTHORIZED_HINT = Hint(
    api=f'{_UNAUTHORIZED_NOTE}ChronyConnection("/var/run/chrony/chronyd.sock"), '
    "or 'opencommands' on chronyd 4.7+)",
    cli=f"{_UNAUTHORIZED_NOTE}-a /var/run/chrony/chronyd.sock, or 'opencommands' on chronyd 4.7+)",
)

EXHAUSTION_HINT = Hint(
    api="lower gather()'s max_connections or raise the limit (ulimit -n)",
    cli="lower --max-connections or raise the limit (ulimit -n)",
)

# The process (EMFILE) or the whole system (ENFILE) has no file descriptor
# left: a failure to open a socket or /dev/urandom then says nothing about
# chronyd nor about libchrony, only that too much is open at once.
DESCRIPTOR_ERRNOS = frozenset({errno_codes.EMFILE, errno_codes.ENFILE})

# Errors meaning nothing listens at an address: chronyd is not running there.
UNREACHABLE_ERRNOS = frozenset({errno_codes.ENOENT, errno_codes.ECONNREFUSED})


def describe_exhaustion(os_errno: int) -> str:
    """What running out of file descriptors means (:data:`EXHAUSTION_HINT` says what to do)."""
    return (
        f"out of file descriptors ({os.strerror(os_errno)}, "
        f"{errno_codes.errorcode.get(os_errno, os_errno)}): too many connections or files "
        "are open at once"
    )


# code -> (exception class, what it means to a caller)
ERROR_TABLE: dict[ErrorCode, tuple[type[ChronyError], str]] = {
    ErrorCode.NO_MEMORY: (ChronyLibraryError, "libchrony ran out of memory"),
    ErrorCode.NO_RANDOM: (ChronyLibraryError, "libchrony cannot open /dev/urandom"),
    ErrorCode.RANDOM_FAILED: (ChronyLibraryError, "libchrony cannot read /dev/urandom"),
    ErrorCode.SEND_FAILED: (ChronyConnectionError, "sending the request failed"),
    ErrorCode.RECV_FAILED: (ChronyConnectionError, "receiving the reply failed"),
    ErrorCode.UNKNOWN_REPORT: (ChronyDataError, "libchrony does not know this report"),
    ErrorCode.INVALID_ARGUMENT: (ChronyDataError, "invalid argument to libchrony"),
    ErrorCode.UNEXPECTED_CALL: (ChronyDataError, "libchrony call out of sequence"),
    ErrorCode.UNAUTHORIZED: (ChronyPermissionError, "chronyd refused the request"),
    ErrorCode.DISABLED: (ChronyDataError, "the report is disabled in chronyd"),
    ErrorCode.UNEXPECTED_STATUS: (ChronyDataError, "chronyd answered with an unexpected status"),
    ErrorCode.OLD_SERVER: (ChronyDataError, "chronyd is too old for this request"),
    ErrorCode.NEW_SERVER: (ChronyDataError, "chronyd is newer than this libchrony understands"),
    ErrorCode.INVALID_RESPONSE: (ChronyDataError, "chronyd's reply is malformed"),
}


# The codes of calls that open a descriptor (the session's /dev/urandom) or
# use the socket: only for these does errno tell why they failed.
_DESCRIPTOR_CODES = frozenset(
    {
        ErrorCode.NO_RANDOM,
        ErrorCode.RANDOM_FAILED,
        ErrorCode.SEND_FAILED,
        ErrorCode.RECV_FAILED,
    }
)


def exception_for(code: int, context: str, os_errno: int = 0) -> ChronyError:
    """Build the exception for a libchrony error code.

    Args:
        code: a ``chrony_err`` value (unknown values are still reported).
        context: what was being done, e.g. "tracking report from 127.0.0.1:323".
        os_errno: ``errno`` after the failed call, to say why it failed.

    Descriptor exhaustion (``EMFILE``/``ENFILE``) is a
    :class:`~pychrony.ChronyConnectionError` carrying that ``errno``
    whatever the code: libchrony reports a ``/dev/urandom`` it could not
    open as ``NO_RANDOM``, which would otherwise read as a broken library.
    """
    try:
        known = ErrorCode(code)
    except ValueError:
        return ChronyError(f"{context}: unknown libchrony error", error_code=code)
    if os_errno in DESCRIPTOR_ERRNOS and known in _DESCRIPTOR_CODES:
        return with_hint(
            ChronyConnectionError,
            f"{context}: {describe_exhaustion(os_errno)}",
            EXHAUSTION_HINT,
            error_code=int(code),
            errno=os_errno,
        )
    cls, meaning = ERROR_TABLE.get(known, (ChronyError, known.name))
    if known in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED) and os_errno:
        # The reason first, in the operating system's words; which libchrony
        # step failed stays in error_code.
        meaning = os.strerror(os_errno)
        if os_errno in UNREACHABLE_ERRNOS:
            meaning += "; is chronyd running and listening there?"
    message = f"{context}: {meaning}"
    if issubclass(cls, ChronyConnectionError):
        return cls(message, error_code=int(code), errno=os_errno or None)
    if known is ErrorCode.UNAUTHORIZED:
        return with_hint(cls, message, UNAUTHORIZED_HINT, error_code=int(code))
    return cls(message, error_code=int(code))


def raise_for(code: int, context: str, os_errno: int = 0) -> NoReturn:
    """Raise :func:`exception_for` of ``code``."""
    raise exception_for(code, context, os_errno)
