"""The generic layer's exceptions, and how the core's exceptions become them.

The core raises the typed layer's exceptions (:mod:`pychrony.exceptions`,
chosen by the one table in :mod:`pychrony._core.errors`). The generic layer
re-raises each as the generic class that also derives from the typed class the
core chose, so both ``except libchrony.ResponseError`` and
``except pychrony.ChronyDataError`` catch it::

    ChronyException (= pychrony.ChronyError)
    ├── ConnectionError              (pychrony.ChronyConnectionError)
    │   ├── ConnectionTimeoutError   (also pychrony.ChronyTimeoutError, builtin TimeoutError)
    │   └── ConnectionPermissionError (also AuthorizationError)
    ├── AuthorizationError           (pychrony.ChronyPermissionError)
    ├── RequestError                 (pychrony.ChronyDataError)
    └── ResponseError                (pychrony.ChronyDataError)

``pychrony.ChronyLibraryError`` (libchrony missing or failing) passes through
unchanged; it is a ``ChronyException`` too.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from .._core.constants import ErrorCode
from ..exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyPermissionError,
    ChronyTimeoutError,
)

__all__ = [
    "AuthorizationError",
    "ChronyException",
    "ConnectionError",
    "ConnectionPermissionError",
    "ConnectionTimeoutError",
    "RequestError",
    "ResponseError",
    "to_generic",
    "translated",
]

ChronyException = ChronyError
"""Base of every exception this layer raises: the same class as :class:`pychrony.ChronyError`."""


class ConnectionError(ChronyConnectionError):
    """chronyd cannot be reached, sending or receiving failed, or the connection is closed.

    Not the builtin :class:`builtins.ConnectionError`: the name follows the
    libchrony Python port.
    """


class ConnectionTimeoutError(ConnectionError, ChronyTimeoutError):
    """chronyd did not answer within the timeout and retries.

    Also a :class:`pychrony.ChronyTimeoutError` and a builtin :class:`TimeoutError`.
    """


class AuthorizationError(ChronyPermissionError):
    """chronyd refused the request (``UNAUTHORIZED``), or its socket refused us.

    Over the UDP command port chronyd 4.3-4.6 refuses selectdata, authdata,
    ntpdata and serverstats; the Unix socket serves them to root and chronyd's
    own user.
    """


class ConnectionPermissionError(ConnectionError, AuthorizationError):
    """Connecting failed because chronyd's Unix socket refused us (permissions).

    Both a :class:`ConnectionError` (the port documents ``Chrony()`` as raising
    it) and an :class:`AuthorizationError`.
    """


class RequestError(ChronyDataError):
    """libchrony rejected the request before sending it.

    An unknown report name (``UNKNOWN_REPORT``), a record index it knows to be
    out of range (``INVALID_ARGUMENT``), or a call out of sequence.
    """


class ResponseError(ChronyDataError):
    """chronyd answered, but not with the record asked for.

    ``error_code`` says why, e.g. ``DISABLED`` (10) for a report chronyd has
    switched off (rtcdata without an RTC file, smoothing without
    ``smoothtime``), ``UNEXPECTED_STATUS`` (11) for a record index beyond the
    report's end, ``INVALID_RESPONSE`` (14) for a malformed reply.
    """


# The codes libchrony's request functions return before anything is sent;
# every other data error is about what chronyd answered.
_REQUEST_CODES = frozenset(
    {ErrorCode.UNKNOWN_REPORT, ErrorCode.INVALID_ARGUMENT, ErrorCode.UNEXPECTED_CALL}
)


def _generic_class(exc: ChronyError, connecting: bool) -> type[ChronyError] | None:
    """The generic class for ``exc``; always a subclass of ``type(exc)``'s typed class."""
    if isinstance(exc, ChronyTimeoutError):
        return ConnectionTimeoutError
    if isinstance(exc, ChronyPermissionError):
        return ConnectionPermissionError if connecting else AuthorizationError
    if isinstance(exc, ChronyConnectionError):
        return ConnectionError
    if isinstance(exc, ChronyDataError):
        return RequestError if exc.error_code in _REQUEST_CODES else ResponseError
    return None


def to_generic(exc: ChronyError, *, connecting: bool = False) -> ChronyError:
    """The generic-layer exception for a typed-layer one (``exc`` itself if already generic).

    Args:
        exc: what the core raised.
        connecting: whether it was raised while opening the connection (a
            refused socket is then also a :class:`ConnectionError`).
    """
    cls = _generic_class(exc, connecting)
    if cls is None or isinstance(exc, cls):
        return exc
    generic = cls(exc.message, error_code=exc.error_code)
    if isinstance(exc, ChronyConnectionError) and isinstance(generic, ChronyConnectionError):
        generic.errno = exc.errno
    return generic


@contextmanager
def translated(*, connecting: bool = False) -> Iterator[None]:
    """Re-raise the core's exceptions inside the block as generic-layer ones."""
    try:
        yield
    except ChronyError as exc:
        generic = to_generic(exc, connecting=connecting)
        if generic is exc:
            raise
        # Same message and code: the typed original adds nothing to the chain.
        raise generic.with_traceback(exc.__traceback__) from None
