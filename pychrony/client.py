'''libchrony's C API, function for function, for code ported from C.

Use this layer when porting a C program that drives libchrony, or when
comparing with one: every ``chrony_*`` function exists here under its C name
and returns what C returns. New Python code is better served by the typed
layer (:class:`pychrony.ChronyConnection`), which adds retries, exceptions
and dataclasses.

Return conventions, as in C:

- Request and response functions return a :data:`ChronyError` code
  (``ChronyError.OK`` on success); they do not raise for libchrony errors.
  :func:`chrony_get_error_string` names a code.
- :func:`chrony_open_socket` returns a socket object, or None when no
  connection can be opened (C: a negative fd).
- :func:`chrony_init_session` returns ``(ChronyError, ChronySession | None)``.
- Field getters take a field index of the current record. An index that is
  not a field of it (any int, even beyond C's ``int``) gives what C gives for
  an invalid index, as Python values: None from the name, string, constant
  name and typed value getters, ``ChronyFieldType.NONE`` /
  ``ChronyFieldContent.NONE``, and -1 from :func:`chrony_get_field_index`.
- :func:`chrony_get_field_string` returns None where C returns NULL, e.g. an
  address field with no address.

Where this layer differs from C, it raises rather than crash or mislead:

- a session after :func:`chrony_deinit_session`: :class:`ValueError` (C reads
  freed memory); deinit twice is harmless;
- an argument of the wrong Python type: :class:`TypeError`;
- a name with a NUL byte, or a report name that is not ASCII:
  :class:`ValueError`; a record index outside C's ``int``:
  :class:`OverflowError`;
- a typed getter used on a field of another type (``chrony_get_field_float``
  on a UINTEGER field): :class:`TypeError` naming the field's type (C returns
  0 or NaN);
- network calls on a session whose socket object was closed:
  :class:`ValueError` (C would use whatever file now has that fd number);
- :func:`chrony_process_response` waits at most ``timeout`` seconds for the
  reply and then raises :class:`pychrony.ChronyTimeoutError` (C blocks in
  ``recv`` forever when a UDP reply is lost).

Threads: calls on one session are serialised, so a deinit never frees a
session under a running call, and strings are copied out of libchrony's
process-wide buffer under the same lock the other layers use.

Values mirror C. In particular libchrony returns 16-bit signed fields (the
sources report's ``poll``) from ``chrony_get_field_integer`` without sign
extension, so a poll of -2 reads 65534 here too, exactly as a C program sees
it; the typed and generic layers correct it.

The C-style loop (run by the test suite against a sandboxed chronyd)::

    import os
    import select
    import time

    from pychrony.client import (
        ChronyError, ChronyFieldType, chrony_close_socket, chrony_deinit_session,
        chrony_get_error_string, chrony_get_fd, chrony_get_field_float,
        chrony_get_field_integer, chrony_get_field_name, chrony_get_field_string,
        chrony_get_field_timespec, chrony_get_field_type, chrony_get_field_uinteger,
        chrony_get_record_number_fields, chrony_get_report_number_records,
        chrony_init_session, chrony_needs_response, chrony_open_socket,
        chrony_process_response, chrony_request_record,
        chrony_request_report_number_records,
    )

    def wait_response(session, seconds=1.0):
        """Process replies until libchrony has its answer, within a deadline."""
        deadline = time.monotonic() + seconds
        poller = select.poll()
        poller.register(chrony_get_fd(session), select.POLLIN)
        while chrony_needs_response(session):
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not poller.poll(remaining * 1000):
                raise TimeoutError("no reply from chronyd")
            err = chrony_process_response(session)
            if err != ChronyError.OK:
                return err
        return ChronyError.OK

    def field_value(session, i):
        getter = {
            ChronyFieldType.UINTEGER: chrony_get_field_uinteger,
            ChronyFieldType.INTEGER: chrony_get_field_integer,
            ChronyFieldType.FLOAT: chrony_get_field_float,
            ChronyFieldType.TIMESPEC: chrony_get_field_timespec,
            ChronyFieldType.STRING: chrony_get_field_string,
        }.get(chrony_get_field_type(session, i))
        return getter(session, i) if getter else None

    sock = chrony_open_socket(os.environ.get("PYCHRONY_ADDRESS"))
    if sock is None:
        raise SystemExit("cannot connect to chronyd")
    err, session = chrony_init_session(sock)
    if err != ChronyError.OK:
        chrony_close_socket(sock)
        raise SystemExit(chrony_get_error_string(err))
    try:
        for report in ("tracking", "sources"):
            err = chrony_request_report_number_records(session, report)
            if err == ChronyError.OK:
                err = wait_response(session)
            if err != ChronyError.OK:
                raise SystemExit(f"{report}: {chrony_get_error_string(err)}")
            for record in range(chrony_get_report_number_records(session)):
                err = chrony_request_record(session, report, record)
                if err == ChronyError.OK:
                    err = wait_response(session)
                if err != ChronyError.OK:
                    raise SystemExit(f"{report}: {chrony_get_error_string(err)}")
                print(f"{report} record {record}:")
                for i in range(chrony_get_record_number_fields(session)):
                    print(f"  {chrony_get_field_name(session, i)}: {field_value(session, i)}")
    finally:
        chrony_deinit_session(session)
        chrony_close_socket(sock)

Unlike C, :func:`chrony_process_response` itself also never blocks longer
than its ``timeout``, so the ``select.poll`` above is the C idiom rather than
a necessity.
'''

from __future__ import annotations

import errno
import math
import select
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import IntEnum
from typing import TYPE_CHECKING, Any, TypeVar

from . import _native
from ._core.address import validate_port
from ._core.constants import ErrorCode, FieldContent, FieldType
from ._core.handles import ChronySession, ChronySocket, fd_lock, socket_for_fd
from ._core.report_names import supported_reports
from ._core.session import _STRING_LOCK
from ._core.timespec import TimeSpec, as_chronyc_reads
from ._core.timing import DEFAULT_TIMEOUT
from .exceptions import ChronyLibraryError, ChronyTimeoutError

if TYPE_CHECKING:
    from ._libchrony_cffi import FFI, Lib

__all__ = [
    "ChronyError",
    "ChronyFieldContent",
    "ChronyFieldType",
    "ChronySession",
    "ChronySocket",
    "TimeSpec",
    "chrony_close_socket",
    "chrony_deinit_session",
    "chrony_get_error_string",
    "chrony_get_fd",
    "chrony_get_field_constant_name",
    "chrony_get_field_content",
    "chrony_get_field_float",
    "chrony_get_field_index",
    "chrony_get_field_integer",
    "chrony_get_field_name",
    "chrony_get_field_string",
    "chrony_get_field_timespec",
    "chrony_get_field_type",
    "chrony_get_field_uinteger",
    "chrony_get_number_supported_reports",
    "chrony_get_record_number_fields",
    "chrony_get_report_name",
    "chrony_get_report_number_records",
    "chrony_init_session",
    "chrony_needs_response",
    "chrony_open_socket",
    "chrony_process_response",
    "chrony_request_record",
    "chrony_request_report_number_records",
]

#: libchrony's ``chrony_err`` codes (an IntEnum: ``OK`` ... ``INVALID_RESPONSE``).
#: Not to be confused with the exception :class:`pychrony.ChronyError`.
ChronyError = ErrorCode
#: libchrony's ``chrony_field_type``.
ChronyFieldType = FieldType
#: libchrony's ``chrony_field_content``.
ChronyFieldContent = FieldContent

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1
_UINT64_MAX = 2**64 - 1
_POLL_MAX_MS = _INT_MAX  # poll(2) takes a C int of milliseconds

# The default wait of chrony_process_response is chronyc's own first timeout
# (DEFAULT_TIMEOUT, imported from the retry policy).


# -- argument checks ---------------------------------------------------------


@contextmanager
def _held(session: object, *, network: bool = False) -> Iterator[Any]:
    """Hold ``session``'s lock and yield its live ``chrony_session *``.

    With ``network``, also refuse a session whose socket object was closed:
    its fd number may belong to another file by now.
    """
    if not isinstance(session, ChronySession):
        raise TypeError(
            f"session must be a ChronySession from chrony_init_session, "
            f"not {type(session).__name__}"
        )
    with session.lock:
        ptr = session.pointer()
        if network:
            session.check_socket()
        yield ptr


def _int_arg(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be an int, not {type(value).__name__}")
    return value


def _field_arg(value: object) -> int | None:
    """A field index as a C int, or None when no C int can name a field."""
    index = _int_arg(value, "field index")
    return index if _INT_MIN <= index <= _INT_MAX else None


def _name_bytes(name: object, what: str, *, ascii_only: bool) -> bytes:
    if not isinstance(name, str):
        raise TypeError(f"{what} must be a str, not {type(name).__name__}")
    if "\0" in name:
        raise ValueError(f"{what} must not contain NUL bytes: {name!r}")
    if ascii_only and not name.isascii():
        raise ValueError(f"{what} must be ASCII (libchrony's names are): {name!r}")
    return name.encode("utf-8", "surrogateescape")


_E = TypeVar("_E", bound=IntEnum)


def _enum(cls: type[_E], value: int) -> _E:
    try:
        return cls(value)
    except ValueError:
        raise ChronyLibraryError(
            f"libchrony returned {cls.__name__} value {value}, which this pychrony "
            "does not know; upgrade pychrony"
        ) from None


def _string(ffi: FFI, ptr: Any) -> str | None:
    return None if ptr == ffi.NULL else ffi.string(ptr).decode("utf-8", "replace")


def _report_pointer(report: object) -> Any:
    """The name pointer to pass to C for ``report``: libchrony's own string if known.

    chrony_request_record stores the name pointer it is given and reads it
    again in chrony_process_response (ntpdata and authdata first ask for
    sourcestats). A temporary Python buffer would be freed by then, so known
    names are passed as libchrony's static strings.
    """
    ffi, lib = _native.load()
    name = _name_bytes(report, "report name", ascii_only=True)
    try:
        return lib.chrony_get_report_name(supported_reports().index(name.decode("ascii")))
    except ValueError:
        # Unknown: libchrony returns UNKNOWN_REPORT without keeping the pointer.
        return ffi.new("char[]", name)


# -- sockets -----------------------------------------------------------------


def chrony_open_socket(address: str | None = None) -> ChronySocket | None:
    """Open a socket connected to chronyd, like C's ``chrony_open_socket``.

    Args:
        address: chronyd's Unix socket path (starts with ``/``), or ``IP``,
            ``IP:port``, ``[IPv6]:port`` for its UDP command port (323 by
            default). None or ``""`` tries, like libchrony,
            ``/var/run/chrony/chronyd.sock``, then ``127.0.0.1``, then ``::1``.
            (``PYCHRONY_ADDRESS`` is not consulted here; that is the typed
            layer's convenience.)

    Returns:
        A :class:`ChronySocket` (a :class:`socket.socket`), or None when no
        socket could be opened (C returns a negative fd), including for a
        port that is not 1-65535 in digits: libchrony would read ``:79046``
        or ``:13510junk`` as port 13510, so such an address never reaches
        it. A UDP socket
        "connects" without contacting chronyd, so success does not prove
        chronyd listens; the first request does.

    Raises:
        TypeError: ``address`` is not a str or None.
        ValueError: ``address`` contains a NUL byte.
    """
    ffi, lib = _native.load()
    if address is None or address == "":
        fd = lib.chrony_open_socket(ffi.NULL)
    else:
        name = _name_bytes(address, "address", ascii_only=False)
        assert isinstance(address, str)  # _name_bytes checked it
        if not _port_is_valid(address):
            # libchrony would truncate the port to 16 bits and connect
            # elsewhere; refuse as it refuses an unparsable address.
            ffi.errno = errno.EINVAL
            return None
        fd = lib.chrony_open_socket(name)
    return None if fd < 0 else ChronySocket(fd)


def _port_is_valid(address: str) -> bool:
    try:
        validate_port(address)
    except ValueError:
        return False
    return True


def chrony_close_socket(sock: socket.socket | int) -> None:
    """Close a socket from :func:`chrony_open_socket` (idempotent).

    libchrony also removes the client-side Unix socket file it bound.

    Args:
        sock: the socket object, or its fd as an int (C passes the fd). An fd
            owned by a live :class:`ChronySocket` closes that object, so the
            fd is never closed twice.

    Raises:
        TypeError: neither a socket nor an int.
        ValueError: a negative fd.
    """
    if isinstance(sock, socket.socket):
        if isinstance(sock, ChronySocket):
            sock.close()
            return
        fd = sock.detach()  # the socket object must not close it again
    else:
        fd = _int_arg(sock, "sock")
        if not 0 <= fd <= _INT_MAX:
            raise ValueError(f"not a file descriptor: {fd}")
        owner = socket_for_fd(fd)
        if owner is not None:
            owner.close()
            return
    if fd >= 0:
        _, lib = _native.load()
        lib.chrony_close_socket(fd)


# -- sessions ----------------------------------------------------------------


def chrony_init_session(
    sock: socket.socket | int,
) -> tuple[ChronyError, ChronySession | None]:
    """Start a libchrony session on a socket.

    Args:
        sock: a socket from :func:`chrony_open_socket` (or any connected
            datagram socket to chronyd), or its fd as an int.

    Returns:
        ``(ChronyError.OK, session)``, or ``(code, None)`` when libchrony
        fails (``NO_MEMORY``, ``NO_RANDOM``).

    Raises:
        TypeError: neither a socket nor an int.
        ValueError: a closed socket or a negative fd.
    """
    owner: socket.socket | None
    if isinstance(sock, socket.socket):
        fd = sock.fileno()
        if fd < 0:
            raise ValueError("the socket is closed")
        owner = sock
    else:
        fd = _int_arg(sock, "sock")
        if not 0 <= fd <= _INT_MAX:
            raise ValueError(f"not a file descriptor: {fd}")
        owner = socket_for_fd(fd)
    ffi, lib = _native.load()
    holder = ffi.new("chrony_session **")
    code = _enum(ChronyError, lib.chrony_init_session(holder, fd))
    if code != ChronyError.OK:
        return code, None
    return code, ChronySession(holder[0], fd, owner)


def chrony_deinit_session(session: ChronySession) -> None:
    """Free a session (idempotent); it cannot be used afterwards.

    Like C, this does not close the socket.

    Raises:
        TypeError: not a ChronySession.
    """
    if not isinstance(session, ChronySession):
        raise TypeError(f"session must be a ChronySession, not {type(session).__name__}")
    session.deinit()


def chrony_get_fd(session: ChronySession) -> int:
    """The session's socket descriptor, to wait on with select/poll."""
    with _held(session) as ptr:
        _, lib = _native.load()
        return int(lib.chrony_get_fd(ptr))


def chrony_needs_response(session: ChronySession) -> bool:
    """Whether a request is waiting for :func:`chrony_process_response`."""
    with _held(session) as ptr:
        _, lib = _native.load()
        return bool(lib.chrony_needs_response(ptr))


def chrony_process_response(
    session: ChronySession, *, timeout: float = DEFAULT_TIMEOUT
) -> ChronyError:
    """Receive and process one reply, waiting at most ``timeout`` seconds.

    As in C, one call handles one datagram: a stale reply (wrong sequence
    number) is ignored with ``OK`` while :func:`chrony_needs_response` stays
    True, and for ntpdata and authdata a processed sourcestats reply sends
    the real request; so call it while :func:`chrony_needs_response`.

    Called when no request is pending, it returns
    ``ChronyError.UNEXPECTED_CALL`` at once, as C does (libchrony checks its
    state before receiving, so it cannot block).

    Args:
        session: the session.
        timeout: seconds to wait for the socket to become readable (keyword
            only; 0 means only what has already arrived). C has no timeout
            and would block forever on a lost reply.

    Returns:
        libchrony's result code.

    Raises:
        ChronyTimeoutError: nothing arrived within ``timeout``; the request
            stays pending, so the caller may wait again or send it anew.
        ValueError: a deinitialised session, or a negative or non-finite
            timeout.
        TypeError: wrong argument types.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    if not math.isfinite(timeout) or timeout < 0:
        raise ValueError(f"timeout must be a finite number of seconds >= 0, not {timeout!r}")
    with _held(session, network=True) as ptr:
        _, lib = _native.load()
        if not lib.chrony_needs_response(ptr):
            return _enum(ChronyError, lib.chrony_process_response(ptr))
        fd = int(lib.chrony_get_fd(ptr))
        # Held until recv is done, so no other session on this socket can
        # take the datagram poll announced and leave this recv blocking.
        with fd_lock(fd):
            poller = select.poll()
            poller.register(fd, select.POLLIN)
            if not poller.poll(min(math.ceil(timeout * 1000), _POLL_MAX_MS)):
                raise ChronyTimeoutError(
                    f"no reply from chronyd on fd {fd} within {timeout:g} s "
                    "(the request is still pending)"
                )
            # libchrony may format an address into its shared string buffer here.
            with _STRING_LOCK:
                return _enum(ChronyError, lib.chrony_process_response(ptr))


# -- reports and records -----------------------------------------------------


def chrony_get_number_supported_reports() -> int:
    """How many reports this libchrony knows (10 in libchrony 0.1 and 0.2)."""
    _, lib = _native.load()
    return int(lib.chrony_get_number_supported_reports())


def chrony_get_report_name(report: int) -> str | None:
    """The name of report number ``report``, or None if there is none."""
    index = _int_arg(report, "report index")
    if not _INT_MIN <= index <= _INT_MAX:
        return None
    ffi, lib = _native.load()
    return _string(ffi, lib.chrony_get_report_name(index))


def chrony_request_report_number_records(session: ChronySession, report: str) -> ChronyError:
    """Ask chronyd how many records ``report`` has.

    Returns ``OK`` after sending (then wait with :func:`chrony_process_response`
    while :func:`chrony_needs_response`), or at once without sending for
    single-record reports, or ``UNKNOWN_REPORT``, ``SEND_FAILED``, ...

    Raises:
        ValueError: a deinitialised session; a name with NUL or non-ASCII.
        TypeError: wrong argument types.
    """
    name = _report_pointer(report)
    with _held(session, network=True) as ptr:
        _, lib = _native.load()
        return _enum(ChronyError, lib.chrony_request_report_number_records(ptr, name))


def chrony_get_report_number_records(session: ChronySession) -> int:
    """The record count received after :func:`chrony_request_report_number_records`."""
    with _held(session) as ptr:
        _, lib = _native.load()
        return int(lib.chrony_get_report_number_records(ptr))


def chrony_request_record(session: ChronySession, report: str, record: int) -> ChronyError:
    """Request record number ``record`` of ``report``.

    As in C, single-record reports accept only record 0 (else
    ``INVALID_ARGUMENT``), and an index chronyd does not have is answered by
    chronyd with an error code.

    Raises:
        ValueError: a deinitialised session; a name with NUL or non-ASCII.
        OverflowError: ``record`` outside C's ``int``.
        TypeError: wrong argument types.
    """
    name = _report_pointer(report)
    index = _int_arg(record, "record index")
    if not _INT_MIN <= index <= _INT_MAX:
        raise OverflowError(f"record index {index} does not fit a C int")
    with _held(session, network=True) as ptr:
        _, lib = _native.load()
        # ntpdata/authdata requests read an address via the shared buffer.
        with _STRING_LOCK:
            return _enum(ChronyError, lib.chrony_request_record(ptr, name, index))


# -- fields of the current record -------------------------------------------


def chrony_get_record_number_fields(session: ChronySession) -> int:
    """Number of fields of the record last received (0 before any)."""
    with _held(session) as ptr:
        _, lib = _native.load()
        return int(lib.chrony_get_record_number_fields(ptr))


def chrony_get_field_name(session: ChronySession, field: int) -> str | None:
    """The name of field ``field``, or None if the record has no such field."""
    index = _field_arg(field)
    with _held(session) as ptr:
        ffi, lib = _native.load()
        return None if index is None else _string(ffi, lib.chrony_get_field_name(ptr, index))


def chrony_get_field_index(session: ChronySession, name: str) -> int:
    """The index of the field called ``name``, or -1 (C: negative) if absent.

    Raises:
        ValueError: a deinitialised session, or a NUL byte in ``name``.
        TypeError: wrong argument types.
    """
    name_b = _name_bytes(name, "field name", ascii_only=False)
    with _held(session) as ptr:
        _, lib = _native.load()
        index = int(lib.chrony_get_field_index(ptr, name_b))
        return index if index >= 0 else -1


def chrony_get_field_type(session: ChronySession, field: int) -> ChronyFieldType:
    """How field ``field`` is stored (``NONE`` for no such field)."""
    index = _field_arg(field)
    with _held(session) as ptr:
        _, lib = _native.load()
        if index is None:
            return ChronyFieldType.NONE
        return _enum(ChronyFieldType, lib.chrony_get_field_type(ptr, index))


def chrony_get_field_content(session: ChronySession, field: int) -> ChronyFieldContent:
    """What field ``field`` means (``NONE`` for no such field, or an empty address)."""
    index = _field_arg(field)
    with _held(session) as ptr:
        _, lib = _native.load()
        if index is None:
            return ChronyFieldContent.NONE
        # For address fields libchrony formats the address into its shared buffer.
        with _STRING_LOCK:
            return _enum(ChronyFieldContent, lib.chrony_get_field_content(ptr, index))


_T = TypeVar("_T")


def _typed_value(
    session: ChronySession,
    field: int,
    expected: FieldType,
    read: Callable[[FFI, Lib, Any, int], _T],
) -> _T | None:
    """``read(ffi, lib, ptr, index)`` if ``field`` is a field of type ``expected``.

    None when the record has no such field; TypeError when the field has
    another type (libchrony would answer 0 or NaN, silently).
    """
    index = _field_arg(field)
    with _held(session) as ptr:
        ffi, lib = _native.load()
        if index is None:
            return None
        actual = lib.chrony_get_field_type(ptr, index)
        if actual == FieldType.NONE:
            return None
        if actual != expected:
            real = _enum(ChronyFieldType, actual)
            name = _string(ffi, lib.chrony_get_field_name(ptr, index))
            raise TypeError(
                f"field {index} ({name}) is of type {real.name}, not {expected.name}; "
                f"read it with chrony_get_field_{real.name.lower()}"
            )
        return read(ffi, lib, ptr, index)


def chrony_get_field_uinteger(session: ChronySession, field: int) -> int | None:
    """The value of a UINTEGER field (C ``uint64_t``); None for no such field.

    Raises:
        TypeError: the field is of another type (or wrong argument types).
        ValueError: a deinitialised session.
    """
    return _typed_value(
        session,
        field,
        FieldType.UINTEGER,
        lambda ffi, lib, ptr, i: int(lib.chrony_get_field_uinteger(ptr, i)),
    )


def chrony_get_field_integer(session: ChronySession, field: int) -> int | None:
    """The value of an INTEGER field (C ``int64_t``); None for no such field.

    The value is libchrony's, unchanged: 16-bit signed fields (the sources
    report's ``poll``) come back without sign extension, e.g. 65534 for -2,
    exactly as a C program reads them, so that ported code and its C
    original agree. Correct it with
    ``v - 0x10000 if 0x8000 <= v <= 0xFFFF else v``, or use the typed layer,
    which does.

    Raises:
        TypeError: the field is of another type (or wrong argument types).
        ValueError: a deinitialised session.
    """
    return _typed_value(
        session,
        field,
        FieldType.INTEGER,
        lambda ffi, lib, ptr, i: int(lib.chrony_get_field_integer(ptr, i)),
    )


def chrony_get_field_float(session: ChronySession, field: int) -> float | None:
    """The value of a FLOAT field (C ``double``); None for no such field.

    Raises:
        TypeError: the field is of another type (or wrong argument types).
        ValueError: a deinitialised session.
    """
    return _typed_value(
        session,
        field,
        FieldType.FLOAT,
        lambda ffi, lib, ptr, i: float(lib.chrony_get_field_float(ptr, i)),
    )


def chrony_get_field_timespec(session: ChronySession, field: int) -> TimeSpec | None:
    """The value of a TIMESPEC field; None for no such field.

    Read as chronyc reads it: a chronyd with a 32-bit ``time_t`` marks the
    high word of seconds ``0x7fffffff``, read as 0; nanoseconds are capped at
    999 999 999 (libchrony's C function passes both through).

    Raises:
        TypeError: the field is of another type (or wrong argument types).
        ValueError: a deinitialised session.
    """

    def read(ffi: FFI, lib: Lib, ptr: Any, i: int) -> TimeSpec:
        ts = lib.chrony_get_field_timespec(ptr, i)
        return TimeSpec(*as_chronyc_reads(int(ts.tv_sec), int(ts.tv_nsec)))

    return _typed_value(session, field, FieldType.TIMESPEC, read)


def chrony_get_field_string(session: ChronySession, field: int) -> str | None:
    """The value of a STRING field; None for no such field, a C NULL, or another type.

    As libchrony's ``chrony_get_field_string``, which returns NULL for a field
    that is not a string (or an address with no family), this returns None
    rather than raising; the other typed getters refuse a field of another
    type, since libchrony would give 0 or NaN for it, indistinguishable from
    a value. A copy is returned: libchrony's buffer is shared by the whole
    process and overwritten by the next string read.

    Raises:
        TypeError: wrong argument types.
        ValueError: a deinitialised session.
    """
    index = _field_arg(field)
    with _held(session) as ptr:
        ffi, lib = _native.load()
        if index is None or lib.chrony_get_field_type(ptr, index) != FieldType.STRING:
            return None
        with _STRING_LOCK:
            return _string(ffi, lib.chrony_get_field_string(ptr, index))


def chrony_get_field_constant_name(session: ChronySession, field: int, value: int) -> str | None:
    """The name of ``value`` in an ENUM, FLAGS or BITS field's constants.

    Returns:
        The name (e.g. ``"selected"`` for sources ``state`` 0), or None when
        the field has no constant of that value, has no constants, or does not
        exist (also for a ``value`` outside C's ``uint64_t``).

    Raises:
        TypeError: wrong argument types.
        ValueError: a deinitialised session.
    """
    index = _field_arg(field)
    number = _int_arg(value, "value")
    with _held(session) as ptr:
        ffi, lib = _native.load()
        if index is None or not 0 <= number <= _UINT64_MAX:
            return None
        return _string(ffi, lib.chrony_get_field_constant_name(ptr, index, number))


def chrony_get_error_string(err: int) -> str:
    """The description libchrony gives ``err`` (its "unknown" text for unknown codes).

    The wording is libchrony's and differs between its releases.
    """
    code = _int_arg(err, "error code")
    ffi, lib = _native.load()
    if not 0 <= code <= 0xFFFFFFFF:
        code = len(ChronyError)  # out of the enum's range: libchrony names it unknown
    return _string(ffi, lib.chrony_get_error_string(code)) or "Unknown error"
