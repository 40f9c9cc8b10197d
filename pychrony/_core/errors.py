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

__all__ = ["ERROR_TABLE", "PERMISSION_HINT", "exception_for", "raise_for"]

PERMISSION_HINT = (
    "chronyd's Unix socket admits only root and chronyd's own user; run as one "
    "of them, or monitor through the UDP command port instead "
    '(ChronyConnection("127.0.0.1")), which serves tracking, sources, '
    "sourcestats, activity, rtcdata and smoothing"
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


def exception_for(code: int, context: str, os_errno: int = 0) -> ChronyError:
    """Build the exception for a libchrony error code.

    Args:
        code: a ``chrony_err`` value (unknown values are still reported).
        context: what was being done, e.g. "tracking report from 127.0.0.1:323".
        os_errno: ``errno`` after a failed send/receive, to say why it failed.
    """
    try:
        known = ErrorCode(code)
    except ValueError:
        return ChronyError(f"{context}: unknown libchrony error", error_code=code)
    cls, meaning = ERROR_TABLE.get(known, (ChronyError, known.name))
    message = f"{context}: {meaning}"
    if known in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED) and os_errno:
        message += f" ({os.strerror(os_errno)})"
        if os_errno in (errno_codes.ECONNREFUSED, errno_codes.ENOENT):
            message += "; is chronyd running and listening there?"
    if known is ErrorCode.UNAUTHORIZED:
        message += (
            "; over the UDP command port chronyd serves only monitoring reports "
            "(selectdata, authdata, ntpdata and serverstats need the Unix socket, "
            "or 'opencommands' on chronyd 4.7+)"
        )
    return cls(message, error_code=int(code))


def raise_for(code: int, context: str, os_errno: int = 0) -> NoReturn:
    """Raise :func:`exception_for` of ``code``."""
    raise exception_for(code, context, os_errno)
