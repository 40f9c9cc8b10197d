"""One libchrony session: open, request, wait with a deadline, resend, decode.

libchrony itself has no timeout and no retransmission: after a request it
expects the caller to wait for the socket and call
``chrony_process_response()``. A lost UDP reply would leave a naive caller
blocked forever. :class:`Session` polls the socket against a deadline and
resends with chronyc's semantics: wait ``timeout`` seconds, resend, double the
wait, at most ``retries`` times. Every request libchrony sends carries a fresh
sequence number and libchrony drops replies whose number does not match, so a
late reply to an earlier attempt can never be taken for the current one.

Each public call has one overall deadline (the whole retry budget), so a report
of many records cannot take longer than one request could.

The protocol is written once, as *steps*: a generator that sends requests,
processes replies, resends, reopens a stale socket and maps errors, and yields
a :class:`Wait` ("resume me when this fd is readable, or at this instant")
whenever it needs the socket. A driver only waits: :func:`drive_blocking`
with ``poll`` for :class:`~pychrony.ChronyConnection` and the generic layer,
:func:`pychrony.aio.drive_async` with ``loop.add_reader`` for
:class:`~pychrony.AsyncChronyConnection`::

    steps = session.records_steps("sources")   # validates the name now
    raw = session.run(steps, "sources report")  # blocking, within one budget
"""

from __future__ import annotations

import errno
import math
import os
import select
import threading
import time
import weakref
from collections.abc import Callable, Generator
from typing import Any, NamedTuple, TypeVar, cast

from .. import _native
from ..exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyPermissionError,
    ChronyTimeoutError,
)
from .address import Transport, candidates_for, transport_of, validate_address, validate_port
from .constants import ErrorCode
from .errors import DESCRIPTOR_ERRNOS, PERMISSION_HINT, describe_exhaustion, exception_for
from .records import _STRING_LOCK, RawField, RawRecord, read_fields

__all__ = [
    "_STRING_LOCK",
    "RawField",
    "RawRecord",
    "Session",
    "Steps",
    "Wait",
    "budget",
    "drive_blocking",
    "validate_timing",
]

T = TypeVar("T")

# A chronyd with more records than this is not a chronyd; stop before looping
# on a corrupt count.
MAX_RECORDS = 1 << 16

# The longest single poll() of the blocking driver, in seconds.
_POLL_SLICE = 3600.0

_RECONNECT_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ENOTCONN, errno.ENOENT, errno.EPIPE})


#: One call's protocol steps: yields :class:`Wait`, is sent whether the socket
#: became readable, returns the call's result.
Steps = Generator["Wait", bool, T]


def validate_timing(timeout: object, retries: object) -> tuple[float, int]:
    """Check ``timeout`` and ``retries`` as chronyc would accept them.

    Raises:
        TypeError: wrong types.
        ValueError: non-positive or non-finite timeout, negative retries.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    try:
        seconds = float(timeout)
    except OverflowError:  # an int beyond any float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"timeout must be a positive, finite number of seconds, not {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise TypeError(f"retries must be an int, not {type(retries).__name__}")
    if not 0 <= retries <= 30:
        raise ValueError(f"retries must be between 0 and 30, not {retries!r}")
    return seconds, retries


def budget(timeout: float, retries: int) -> float:
    """The longest one call may take: ``timeout`` doubled on each of ``retries`` resends."""
    return float(timeout * (2 ** (retries + 1) - 1))


def _release(lib: Any, state: dict[str, Any]) -> None:
    """Free a session's C resources once (also run by the GC finalizer)."""
    session, fd = state.get("session"), state.get("fd")
    state["session"] = state["fd"] = None
    if session is not None:
        lib.chrony_deinit_session(session)
    if fd is not None:
        lib.chrony_close_socket(fd)


class Session:
    """A libchrony session with deadlines, retries and error mapping.

    Thread-safe: one request/response is in flight at a time, so replies can
    never cross between threads sharing a session. A blocking call's budget
    includes its wait for the session (:meth:`run`). The asyncio driver
    serialises its own tasks and must be the session's only user.

    Args:
        address: Unix socket path, ``IP`` / ``IP:port`` / ``[IPv6]:port``, or
            None to try chronyd's defaults in chronyc's order.
        timeout: seconds to wait for the first reply before resending.
        retries: resends after the first request, each doubling the wait.
    """

    def __init__(self, address: str | None = None, timeout: float = 1.0, retries: int = 2) -> None:
        self.requested_address = validate_address(address)
        self.timeout, self.retries = validate_timing(timeout, retries)
        self._lock = threading.RLock()
        # The blocking driver's poll object, kept across calls (used under _lock).
        self._pollers: dict[int, Any] = {}
        self._state: dict[str, Any] = {"session": None, "fd": None}
        self._address: str | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None

    # -- state ---------------------------------------------------------------

    @property
    def address(self) -> str | None:
        """The address in use, or None while closed."""
        return self._address

    @property
    def transport(self) -> Transport | None:
        """The transport in use, or None while closed."""
        return None if self._address is None else transport_of(self._address)

    @property
    def is_open(self) -> bool:
        """Whether a socket and session are held."""
        return self._state["session"] is not None

    @property
    def budget(self) -> float:
        """Seconds one call may take at most."""
        return budget(self.timeout, self.retries)

    def describe(self) -> str:
        """The address for messages: the one in use, else the one asked for."""
        return self._address or self.requested_address or "chronyd (default addresses)"

    # -- open / close --------------------------------------------------------

    def open(self) -> None:
        """Open the socket and the libchrony session (no-op when open).

        Raises:
            ValueError: the address has a port that is not 1-65535 in digits
                (refused before libchrony or the network sees it).
            ChronyPermissionError: a Unix socket refused us.
            ChronyConnectionError: nothing could be opened.
            ChronyLibraryError: libchrony is missing or failed.
        """
        with self._lock:
            if self.is_open:
                return
            ffi, lib = _native.load()
            candidates = self._candidates()
            failures: list[str] = []
            denied: str | None = None
            fd = -1
            chosen = ""
            for candidate in candidates:
                validate_port(candidate)  # libchrony would truncate it to 16 bits
                fd = lib.chrony_open_socket(candidate.encode("utf-8", "surrogateescape"))
                if fd >= 0:
                    chosen = candidate
                    break
                err = ffi.errno
                if err in (errno.EACCES, errno.EPERM) and denied is None:
                    denied = candidate
                failures.append(f"{candidate}: {_describe_open_errno(candidate, err)}")
            if fd < 0:
                if denied is not None:
                    raise ChronyPermissionError(
                        f"permission denied opening {denied}: {PERMISSION_HINT}"
                    )
                # error_code: chrony_open_socket's failure return (-1), as pychrony 2.x gave.
                raise ChronyConnectionError(
                    "cannot connect to chronyd: " + "; ".join(failures),
                    error_code=fd,
                    errno=err or None,
                )
            holder = ffi.new("chrony_session **")
            code = lib.chrony_init_session(holder, fd)
            if code != ErrorCode.OK:
                os_errno = ffi.errno  # why /dev/urandom failed (EMFILE: out of descriptors)
                lib.chrony_close_socket(fd)
                raise exception_for(code, f"starting a libchrony session on {chosen}", os_errno)
            self._state["session"], self._state["fd"] = holder[0], fd
            self._address = chosen
            # Free the C session and unlink libchrony's client socket file even
            # when a caller forgets to close.
            self._finalizer = weakref.finalize(self, _release, lib, self._state)

    def _candidates(self) -> tuple[str, ...]:
        return candidates_for(self.requested_address)

    def close(self) -> None:
        """Release the session and socket (idempotent)."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer()
                self._finalizer = None
            self._address = None

    def _reopen(self) -> None:
        self.close()
        self.open()

    # -- requests ------------------------------------------------------------
    #
    # Each request is a generator of protocol steps (see :class:`Wait`) so the
    # same code serves the blocking driver below and the asyncio driver of
    # :mod:`pychrony.aio`: the drivers only wait, the steps do everything else.

    def deadline(self) -> float:
        """The monotonic time by which a call starting now must end."""
        return time.monotonic() + self.budget

    def busy_error(self, what: str) -> ChronyTimeoutError:
        """The error of a call whose budget ran out while another call held the session."""
        return ChronyTimeoutError(
            f"{what} from {self.describe()}: the connection was busy with other calls for "
            f"the whole budget of {self.budget:g} s (timeout {self.timeout:g} s, "
            f"retries {self.retries})"
        )

    def run(self, steps: Callable[[float], Steps[T]], what: str) -> T:
        """Run one call's steps to the end, blocking, within one budget.

        The budget starts now and covers waiting for other threads' calls on
        this session as well as the exchange itself.

        Raises:
            ChronyTimeoutError: the budget ran out (also while the session was busy).
        """
        limit = self.budget
        deadline = time.monotonic() + limit
        # A huge timeout can make the budget infinite; the lock takes at most
        # TIMEOUT_MAX. Try it without a timeout first: that is the usual case
        # and costs a third as much.
        if not self._lock.acquire(blocking=False) and not self._lock.acquire(
            timeout=min(limit, threading.TIMEOUT_MAX)
        ):
            raise self.busy_error(what)
        try:
            return drive_blocking(steps(deadline), self._pollers)
        finally:
            self._lock.release()

    def record_count(self, report: str) -> int:
        """Number of records chronyd holds for ``report``.

        Raises:
            ChronyError: the subclass for what went wrong (see :mod:`pychrony.exceptions`).
        """
        return self.run(self.record_count_steps(report), f"{report} report")

    def record(self, report: str, index: int) -> RawRecord:
        """Fetch record ``index`` of ``report`` and decode its fields."""
        return self.run(self.record_steps(report, index), f"{report} report")

    def records(self, report: str) -> list[RawRecord]:
        """Fetch every record of ``report`` within one call's budget."""
        return self.run(self.records_steps(report), f"{report} report")

    # Validation happens when these are called, before any budget starts;
    # the returned function builds the steps for a given deadline.

    def record_count_steps(self, report: str) -> Callable[[float], Steps[int]]:
        """Steps asking for ``report``'s record count (validated now)."""
        report_b = _report_bytes(report)
        return lambda deadline: self._count(report, report_b, deadline)

    def record_steps(self, report: str, index: int) -> Callable[[float], Steps[RawRecord]]:
        """Steps fetching record ``index`` of ``report`` (validated now)."""
        report_b = _report_bytes(report)
        _check_index(index)
        return lambda deadline: self._record(report, report_b, index, deadline)

    def records_steps(self, report: str) -> Callable[[float], Steps[list[RawRecord]]]:
        """Steps fetching every record of ``report`` (validated now)."""
        report_b = _report_bytes(report)

        def steps(deadline: float) -> Steps[list[RawRecord]]:
            count = yield from self._count(report, report_b, deadline)
            found = []
            for i in range(count):
                found.append((yield from self._record(report, report_b, i, deadline)))
            return found

        return steps

    def _count(self, report: str, report_b: bytes, deadline: float) -> Steps[int]:
        _, lib = _native.load()
        yield from self._exchange(
            lambda s: lib.chrony_request_report_number_records(s, report_b),
            f"{report} report",
            deadline,
        )
        count = int(lib.chrony_get_report_number_records(self._state["session"]))
        if not 0 <= count <= MAX_RECORDS:
            raise ChronyDataError(
                f"{report} report from {self.describe()}: implausible record count {count}"
            )
        return count

    def _record(
        self, report: str, report_b: bytes, index: int, deadline: float
    ) -> Steps[RawRecord]:
        _, lib = _native.load()
        yield from self._exchange(
            lambda s: lib.chrony_request_record(s, report_b, index),
            f"{report} report (record {index})",
            deadline,
        )
        try:
            return read_fields(self._state["session"])
        except Exception as exc:  # whatever chronyd sent, never more than a data error
            raise ChronyDataError(
                f"{report} report from {self.describe()}: record {index} cannot be read: "
                f"{type(exc).__name__}: {exc}"
            ) from exc

    def _exchange(self, send: Callable[[Any], int], what: str, deadline: float) -> Steps[None]:
        """Send a request and process replies until libchrony has its answer.

        Yields a :class:`Wait` whenever the answer needs the socket to become
        readable; the driver sends back whether it did. Reopens the socket once
        per call when it turns out stale (chronyd was restarted), then resends
        with doubling waits until ``deadline``.

        A driver that abandons the steps while a reply is outstanding (a
        cancelled task, an interrupt) closes the generator: the session is then
        closed, so a late reply dies with its socket and the next call starts
        on a fresh one instead of inheriting libchrony's "needs response" state.
        """
        ffi, lib = _native.load()
        self.open()
        reopened = False
        wait = self.timeout
        attempts = 0
        try:
            while True:
                session = self._state["session"]
                attempts += 1
                malformed = False
                code = send(session)
                # errno and the stale-socket check only matter on failure; on
                # the hot path they would cost as much as the C call itself.
                if code != ErrorCode.OK:
                    os_errno = ffi.errno
                    if not reopened and _stale_socket(code, os_errno):
                        reopened = True
                        self._reopen()
                        continue
                    self._fail(code, what, os_errno)
                attempt_end = min(time.monotonic() + wait, deadline)
                while lib.chrony_needs_response(session):
                    if time.monotonic() >= attempt_end:
                        break
                    if not (yield Wait(self._state["fd"], attempt_end)):
                        continue
                    code = lib.chrony_process_response(session)
                    if code != ErrorCode.OK:
                        os_errno = ffi.errno
                        if not reopened and _stale_socket(code, os_errno):
                            reopened = True
                            self._reopen()
                            break
                        malformed = code == ErrorCode.INVALID_RESPONSE
                        if malformed:
                            # A datagram damaged in transit (truncated):
                            # libchrony has given up on the request, so count
                            # it as a lost attempt and resend now rather than
                            # fail on one packet.
                            break
                        self._fail(code, what, os_errno)
                else:
                    return
                if reopened and self._state["session"] is not session:
                    continue  # resend on the fresh socket within the same budget
                if time.monotonic() >= deadline or attempts > self.retries:
                    if malformed:
                        self._fail(ErrorCode.INVALID_RESPONSE, what, 0)
                    timeout = ChronyTimeoutError(
                        f"{what} from {self.describe()}: no reply after {attempts} "
                        f"attempt{'s' if attempts > 1 else ''} "
                        f"(timeout {self.timeout:g} s, retries {self.retries})"
                    )
                    self.close()  # late replies die with the socket; a later call starts clean
                    raise timeout
                wait *= 2
        except GeneratorExit:
            self.close()
            raise

    def _fail(self, code: int, what: str, os_errno: int) -> None:
        exc = exception_for(code, f"{what} from {self.describe()}", os_errno)
        if code in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED):
            self.close()  # the socket is suspect; the next call reopens it
        raise exc


class Wait(NamedTuple):
    """A step's request to its driver: resume when ``fd`` is readable or at ``until``.

    The driver answers ``True`` when the socket became readable and ``False``
    when ``until`` (a :func:`time.monotonic` instant) passed first. A driver
    may also answer ``False`` early; the steps then simply wait again.
    """

    fd: int
    until: float


def drive_blocking(steps: Steps[T], pollers: dict[int, Any] | None = None) -> T:
    """Run ``steps`` to completion, waiting on the socket with :func:`select.poll`.

    Args:
        steps: the call's steps.
        pollers: poll objects to reuse, by fd (the caller's, used by one
            thread at a time); a poll object only holds fd numbers, so one
            stays valid for whatever socket later has its number.
    """
    poller: Any = None
    polled_fd = -1
    try:
        wait = next(steps)
        while True:
            if wait.fd != polled_fd:  # the first wait, or a new socket after a reopen
                poller = pollers.get(wait.fd) if pollers is not None else None
                if poller is None:
                    poller = select.poll()
                    poller.register(wait.fd, select.POLLIN)
                    if pollers is not None:
                        pollers.clear()  # one socket at a time
                        pollers[wait.fd] = poller
                polled_fd = wait.fd
            remaining = wait.until - time.monotonic()
            # poll() takes a C int of milliseconds: wait a long deadline in slices
            # (the steps wait again while time remains).
            wait_ms = max(1, math.ceil(min(remaining, _POLL_SLICE) * 1000))
            readable = remaining > 0 and bool(poller.poll(wait_ms))
            wait = steps.send(readable)
    except StopIteration as done:
        return cast(T, done.value)
    finally:
        steps.close()  # interrupted mid-wait: let the steps reset the session


def _stale_socket(code: int, os_errno: int) -> bool:
    """Whether a failure means the socket outlived chronyd (restarted) and a reopen may cure it."""
    failed = code in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED)
    return failed and os_errno in _RECONNECT_ERRNOS


# Report names already checked, encoded: every call names one of a handful.
_REPORT_BYTES: dict[str, bytes] = {}


def _report_bytes(report: object) -> bytes:
    if type(report) is str:
        known = _REPORT_BYTES.get(report)
        if known is not None:
            return known
    if not isinstance(report, str):
        raise TypeError(f"report name must be a str, not {type(report).__name__}")
    if not report or "\0" in report or len(report) > 64 or not report.isascii():
        raise ChronyDataError(
            f"invalid report name {report!r}", error_code=ErrorCode.UNKNOWN_REPORT
        )
    encoded = report.encode("ascii")
    if type(report) is str and len(_REPORT_BYTES) < 256:
        _REPORT_BYTES[report] = encoded
    return encoded


def _check_index(index: object) -> None:
    if isinstance(index, bool) or not isinstance(index, int):
        raise TypeError(f"record index must be an int, not {type(index).__name__}")
    if not 0 <= index < MAX_RECORDS:
        raise IndexError(f"record index {index} out of range")


def _describe_open_errno(address: str, err: int) -> str:
    if err == errno.EINVAL and not address.startswith("/"):
        return "not an IP address (optionally with :port) nor an absolute socket path"
    if err == errno.ENOENT:
        return "no such socket (is chronyd running?)"
    if err == errno.ECONNREFUSED:
        return "connection refused (is chronyd running?)"
    if err in DESCRIPTOR_ERRNOS:
        return describe_exhaustion(err)
    return os.strerror(err) if err else "cannot open"
