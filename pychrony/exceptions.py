"""The exceptions pychrony raises.

Every exception is a :class:`ChronyError`, which is never raised directly::

    ChronyError                     base; .message, .error_code (libchrony code or None)
    ├── ChronyConnectionError       chronyd cannot be reached, or stopped answering
    │   └── ChronyTimeoutError      no reply within the timeout/retries budget
    │                               (also a builtin TimeoutError)
    ├── ChronyPermissionError       the Unix socket refused us, or chronyd refused
    │                               the report (UNAUTHORIZED)
    ├── ChronyDataError             a reply arrived but cannot be used (unknown
    │                               report, bad index, DISABLED, version mismatch)
    └── ChronyLibraryError          libchrony itself is missing or failed

``error_code`` keeps libchrony's ``chrony_err`` value when the error came from
libchrony, so callers can tell, say, ``DISABLED`` (10) from ``INVALID_RESPONSE``
(14) without parsing messages. A :class:`ChronyConnectionError` also keeps the
operating system's ``errno`` when one explains it, e.g. :data:`errno.EMFILE`
when the process ran out of file descriptors.
"""

from __future__ import annotations

__all__ = [
    "ChronyConnectionError",
    "ChronyDataError",
    "ChronyError",
    "ChronyLibraryError",
    "ChronyPermissionError",
    "ChronyTimeoutError",
]


class ChronyError(Exception):
    """Base class of every pychrony exception; never raised directly.

    Args:
        message: what went wrong, in one line.
        error_code: libchrony's ``chrony_err`` code, when libchrony reported it.

    Attributes:
        message: what went wrong.
        error_code: libchrony's error code, or None.
    """

    def __init__(self, message: str, error_code: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.error_code = error_code

    def __str__(self) -> str:
        if self.error_code is not None:
            return f"{self.message} (error code: {self.error_code})"
        return self.message


class ChronyConnectionError(ChronyError):
    """chronyd cannot be reached: no socket, nothing listening, or no reply.

    Args:
        message: what went wrong, in one line.
        error_code: libchrony's ``chrony_err`` code, when libchrony reported it.
        errno: the operating system's error number behind it, when known.

    Attributes:
        errno: the operating system's error number, or None: for example
            :data:`errno.EMFILE` when the process has no file descriptor
            left for the socket (or for libchrony's ``/dev/urandom``),
            :data:`errno.ECONNREFUSED` when nothing listens there.
    """

    def __init__(
        self, message: str, error_code: int | None = None, *, errno: int | None = None
    ) -> None:
        super().__init__(message, error_code)
        self.errno = errno


class ChronyTimeoutError(ChronyConnectionError, TimeoutError):
    """chronyd did not answer within the connection's timeout and retries.

    Also a builtin :class:`TimeoutError`, so generic timeout handling catches it.
    """


class ChronyPermissionError(ChronyError):
    """Access refused: by the Unix socket's permissions, or by chronyd itself.

    chronyd's Unix socket is its control channel and admits only root and
    chronyd's own user. Read-only monitoring works over the UDP command port
    (``ChronyConnection("127.0.0.1")``), which chronyd opens on localhost by
    default, for the reports it serves there.
    """


class ChronyDataError(ChronyError):
    """A request was answered but the answer cannot be used."""


class ChronyLibraryError(ChronyError):
    """libchrony is not installed, not loadable, or failed internally."""
