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
whenever it needs the socket. The driver,
:func:`pychrony.aio.drive_async`, only waits, with ``loop.add_reader``, for
:class:`~pychrony.AsyncChronyConnection`. A blocking call
(:class:`~pychrony.ChronyConnection`, the generic layer) runs the same
exchange in C instead, which waits itself (:class:`Call`)::

    call = session.records_steps("sources")    # validates the name now
    raw = session.run(call, "sources report")   # blocking, within one budget
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
import weakref
from collections.abc import Callable, Generator, Iterator
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, NoReturn, TypeVar, overload

from .. import _native
from ..exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyPermissionError,
    ChronyTimeoutError,
)
from . import lifecycle
from .address import (
    ResolutionError,
    Transport,
    candidates_for,
    is_name,
    resolve,
    transport_of,
    validate_address,
    validate_port,
)
from .constants import ErrorCode
from .errors import (
    DESCRIPTOR_ERRNOS,
    EXHAUSTION_HINT,
    PERMISSION_HINT,
    UNREACHABLE_ERRNOS,
    exception_for,
)
from .hints import with_hint
from .records import (
    _STRING_LOCK,
    RAW,
    DamagedRecordError,
    LayoutMemo,
    RawField,
    RawRecord,
    decode_all_packed,
    decode_packed,
    read_fields,
)
from .sockets import guard_socket, remove_client_socket_file
from .timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT, RetryPolicy, budget, validate_timing
from .tried import (
    UNREACHABLE_REASONS,
    Attempts,
    open_failure_reason,
    reason_of,
)

__all__ = [
    "MAX_RECORDS",
    "_STRING_LOCK",
    "Call",
    "RawField",
    "RawRecord",
    "Session",
    "Steps",
    "Wait",
    "budget",
    "validate_timing",
]

if TYPE_CHECKING:
    from .._libchrony_cffi import Lib
    from .records import Decoder

T = TypeVar("T")

# The most records pychrony accepts in one report, a practical ceiling rather
# than chronyd's own limit. Every record-bearing report (sources, sourcestats,
# selectdata, ntpdata, authdata) has one record per source, and chronyd's hard
# limit (MAX_SOURCES, 65536, in ntp_sources.c) is never approached: each
# source is an NTP exchange every poll interval, a pool directive adds 4
# sources (16 at most), and the busiest real configurations have tens to a
# few hundred sources. 8192 leaves a wide margin above that, while a hostile
# or corrupt server claiming more is refused after the one count request
# instead of costing tens of thousands of record requests within one budget.
# (A claim up to the ceiling costs at most MAX_RECORDS + 1 requests, and still
# ends when the call's budget is spent: records_steps checks it per record.)
MAX_RECORDS = 8192

# chronyd's own limit on sources (MAX_SOURCES in ntp_sources.c): no record
# index can reach it, so a larger one never reaches C.
_CHRONYD_MAX_SOURCES = 1 << 16

# Seconds beyond a call's budget that exit waits for it: a call that times out
# ends at its deadline and still has to close its socket.
_RETIRE_GRACE = 0.5

# The C exchange's record buffer per session: its first size (a tracking
# record needs under 1 KiB), and the most it grows to when a report does not
# fit (a report larger still is packed a buffer at a time).
_BUFFER_FIRST = 4096
_BUFFER_MOST = 1 << 20

_RECONNECT_ERRNOS = frozenset({errno.ECONNREFUSED, errno.ENOTCONN, errno.ENOENT, errno.EPIPE})


#: One call's protocol steps: yields :class:`Wait`, is sent whether the socket
#: became readable, returns the call's result.
Steps = Generator["Wait", bool, T]


def _release(lib: Any, state: dict[str, Any], lock: Any) -> None:
    """Free a session's C resources once (the garbage collector's finalizer).

    Only run when nobody holds the :class:`Session` any more, so no call can
    be inside libchrony on it; the lock is tried anyway, and a session that is
    somehow still busy is leaked rather than freed under the call.
    """
    if not lock.acquire(blocking=False):
        return
    try:
        _free(lib, state)
    finally:
        lock.release()


def _free(lib: Any, state: dict[str, Any]) -> None:
    """Deinit the C session and close its socket (call with the session lock held)."""
    session, fd, pid = state.get("session"), state.get("fd"), state.get("pid")
    state["session"] = state["fd"] = state["pid"] = None
    if pid is not None and pid != os.getpid():
        # Inherited over fork() and not yet forgotten: never unlink the
        # parent's client socket file, never touch a session its threads used.
        _close_quietly(fd)
        return
    if session is not None:
        lib.chrony_deinit_session(session)
    if fd is not None:
        lib.chrony_close_socket(fd)


def _close_quietly(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


class Call(Generic[T]):
    """One call's work for either driver: steps, and a blocking run in C.

    Calling it builds the call's :data:`Steps` for a deadline (what the
    asyncio driver runs); :meth:`Session.run` calls :attr:`blocking`
    instead, which lets C wait for the socket.
    """

    __slots__ = ("blocking", "steps")

    def __init__(self, steps: Callable[[float], Steps[T]], blocking: Callable[[float], T]) -> None:
        self.steps = steps
        self.blocking = blocking

    def __call__(self, deadline: float) -> Steps[T]:
        return self.steps(deadline)


class Session:
    """A libchrony session with deadlines, retries and error mapping.

    Thread-safe: one request/response is in flight at a time, so replies can
    never cross between threads sharing a session. A blocking call's budget
    includes its wait for the session (:meth:`run`). The asyncio driver
    serialises its own tasks and must be the session's only user.

    The C session is freed only under the session's lock, so never while a
    call is inside libchrony on it, also at interpreter exit and after
    ``fork()`` (see :mod:`pychrony._core.lifecycle`).

    Args:
        address: Unix socket path, ``IP`` / ``IP:port`` / ``[IPv6]:port``, or
            None to try chronyd's defaults in chronyc's order.
        timeout: seconds to wait for the first reply before resending.
        retries: resends after the first request, each doubling the wait.
    """

    def __init__(
        self,
        address: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self.requested_address = validate_address(address)
        self.policy = RetryPolicy.of(timeout, retries)
        self._budget = self.policy.budget  # read on every call; the policy is frozen
        self._lock = threading.RLock()
        self._state: dict[str, Any] = {"session": None, "fd": None, "pid": None}
        self._address: str | None = None
        self._finalizer: weakref.finalize[Any, Any] | None = None
        # Names resolved for this session (kept across a reopen after a
        # chronyd restart; dropped on close), and what opening tried before
        # the address in use and left untried, for messages.
        self._resolved: dict[str, tuple[str, ...]] = {}
        self._lookup_failures: dict[str, ResolutionError] = {}
        self._attempts: Attempts | None = None
        # Where the address in use is among the candidates ((candidate,
        # address) positions), and whether it has answered since it opened:
        # only one that never answered is left for the next (chronyd went
        # away from one that did; another address may be another chronyd).
        self._position = (0, 0)
        self._answered = False
        # The C exchange's state (pychrony_exchange *) and the buffers it points to.
        self._x: Any = None
        self._waits: Any = None  # the retry waits x.waits points to, kept alive here
        self._unpack: Any = None  # ffi.unpack, once the state exists
        # The record buffer x.out points to, kept alive here (and read from
        # here: x.out makes a new cdata object on every read).
        self._out: Any = None
        self._x_fd: int | None = None  # x.fd as Python last set it (read on every call)

    # -- state ---------------------------------------------------------------

    @property
    def timeout(self) -> float:
        """Seconds to wait for the first reply."""
        return self.policy.timeout

    @property
    def retries(self) -> int:
        """Resends after the first request."""
        return self.policy.retries

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
        return self._budget

    def describe(self) -> str:
        """The address for messages: the one in use, else the one asked for.

        When opening fell through earlier candidates (chronyd's defaults, or
        a name's addresses), it says which and why, and which were not tried,
        each address once (:class:`~pychrony._core.tried.Attempts`).
        """
        if self._attempts is None:
            return self.requested_address or "chronyd (default addresses)"
        return self._attempts.describe()

    # -- open / close --------------------------------------------------------

    def open(
        self,
        deadline: float | None = None,
        _start: tuple[int, int] = (0, 0),
        _failed: tuple[tuple[str, str], ...] = (),
    ) -> None:
        """Open the socket and the libchrony session (no-op when open).

        Args:
            deadline: the :func:`time.monotonic` instant by which resolving a
                host name must end (default: one budget from now).
            _start: where to start in the candidates, ``(candidate, address)``
                (the session's own use: reopening, moving on).
            _failed: ``(address, why)`` of the addresses that failed before.

        Raises:
            ValueError: the address is malformed, or has a port that is not
                1-65535 in digits (refused before libchrony or the network
                sees it).
            ChronyPermissionError: a Unix socket refused us.
            ChronyConnectionError: nothing could be opened, a name does not
                resolve, or the interpreter is exiting.
            ChronyTimeoutError: the resolver did not answer by the deadline.
            ChronyLibraryError: libchrony is missing or failed.
        """
        with self._lock:
            if self.is_open:
                return
            if lifecycle.exiting():
                # A session opened now would outlive the exit cleanup and
                # leave its client socket file behind.
                raise self._exiting_error()
            fd, chosen = self._open_socket(
                self.deadline() if deadline is None else deadline, _start, _failed
            )
            ffi, lib = _native.load()
            holder = ffi.new("chrony_session **")
            code = lib.chrony_init_session(holder, fd)
            if code != ErrorCode.OK:
                os_errno = ffi.errno  # why /dev/urandom failed (EMFILE: out of descriptors)
                lib.chrony_close_socket(fd)
                raise exception_for(code, f"starting a libchrony session on {chosen}", os_errno)
            self._state.update(session=holder[0], fd=fd, pid=os.getpid())
            self._address = chosen
            # Free the C session and unlink libchrony's client socket file even
            # when a caller forgets to close. Exit is lifecycle's business: a
            # finalizer run at exit would not wait for calls in flight.
            self._finalizer = weakref.finalize(self, _release, lib, self._state, self._lock)
            self._finalizer.atexit = False
            lifecycle.track(self)

    def _exiting_error(self) -> ChronyConnectionError:
        return ChronyConnectionError(
            f"cannot use the connection to {self.describe()}: the interpreter is exiting"
        )

    def _open_socket(
        self,
        deadline: float,
        start: tuple[int, int] = (0, 0),
        failed: tuple[tuple[str, str], ...] = (),
    ) -> tuple[int, str]:
        """Open the first address that opens; return its fd and the address.

        Candidates are tried in order; a host name stands for each of its
        addresses, in the resolver's order (as chronyc tries them). ``start``
        is where to begin (``(candidate, address)`` positions: the address in
        use for a reopen, the next one when it did not answer), ``failed``
        what failed before, for messages.
        """
        ffi, lib = _native.load()
        candidates = self._candidates()
        for candidate in candidates:
            # Malformed addresses are bad usage: refused before anything is
            # sent or resolved (libchrony would truncate a port to 16 bits).
            validate_port(candidate)
            is_name(candidate)
        failures: list[tuple[str, str]] = list(failed)  # (address, why it failed)
        denied: str | None = None
        timed_out = False
        err = 0
        for i in range(start[0], len(candidates)):
            candidate = candidates[i]
            try:
                addresses = self._addresses(candidate, deadline)
            except ResolutionError as exc:
                failures.append((exc.host, exc.reason))
                timed_out = timed_out or exc.timed_out
                continue
            for n in range(start[1] if i == start[0] else 0, len(addresses)):
                address = addresses[n]
                fd = lib.chrony_open_socket(address.encode("utf-8", "surrogateescape"))
                if fd >= 0:
                    try:
                        guard_socket(fd, blocking=False)
                    except OSError:
                        lib.chrony_close_socket(fd)
                        raise
                    self._attempts = Attempts(
                        address,
                        candidate if candidate != address else None,
                        tuple(failures),
                        addresses[n + 1 :] + candidates[i + 1 :],
                    )
                    self._position = (i, n)
                    self._answered = False
                    return fd, address
                err = ffi.errno
                if err in (errno.EACCES, errno.EPERM) and denied is None:
                    denied = address
                failures.append((address, open_failure_reason(address, err)))
        raise _open_failure(failures, denied, timed_out, err)

    def _addresses(self, candidate: str, deadline: float) -> tuple[str, ...]:
        """The addresses ``candidate`` stands for: itself, or a name's (resolved once)."""
        if not is_name(candidate):
            return (candidate,)
        failed = self._lookup_failures.pop(candidate, None)
        if failed is not None:
            raise failed
        known = self._resolved.get(candidate)
        if known is None:
            known = self._resolved[candidate] = resolve(candidate, deadline)
        return known

    def names_to_resolve(self) -> tuple[str, ...]:
        """The host names opening needs and has not resolved yet (for the asyncio layer)."""
        return tuple(c for c in self._candidates() if c not in self._resolved and _named(c))

    def learn(self, name: str, addresses: tuple[str, ...]) -> None:
        """Use ``addresses`` for ``name`` (resolved elsewhere, e.g. by the event loop)."""
        self._resolved[name] = addresses

    def fail_lookup(self, name: str, failure: ResolutionError) -> None:
        """Report ``failure`` for ``name`` at the next open instead of resolving it."""
        self._lookup_failures[name] = failure

    def _candidates(self) -> tuple[str, ...]:
        return candidates_for(self.requested_address)

    def close(self) -> None:
        """Release the session and socket (idempotent)."""
        with self._lock:
            if self._finalizer is not None:
                self._finalizer.detach()
                self._finalizer = None
            _, lib = _native.load()
            if self._state["fd"] is not None:
                _free(lib, self._state)
            self._address = None
            self._resolved = {}
            self._attempts = None

    def _reopen(self, deadline: float, why: str | None = None) -> None:
        """Reopen on the address in use, or (``why`` it failed given) on the next one.

        The C exchange in progress is pointed at the new socket. The names'
        addresses still hold: resolving again could block an event loop
        driving these steps. Raises as :meth:`open` does when no address is
        left that opens.
        """
        resolved, (i, n) = self._resolved, self._position
        failed = self._attempts.failed if self._attempts is not None else ()
        if why is not None and self._attempts is not None:
            failed = (*failed, (self._attempts.address, why))
            n += 1
        self.close()
        self._resolved = resolved
        self.open(deadline, (i, n), failed)
        self._exchange_state()

    def _can_move_on(self) -> bool:
        """Whether the address in use never answered and another is left to try."""
        attempts = self._attempts
        return not self._answered and attempts is not None and bool(attempts.untried)

    def retire(self) -> None:
        """Close for good at interpreter exit, never under a running call.

        Waits for a call in flight at most one budget (it cannot take longer)
        and a moment to finish, then closes under the lock; if the session is
        still busy, it is leaked instead of freed, and only its client socket
        file is removed.
        """
        wait = min(self.budget + _RETIRE_GRACE, threading.TIMEOUT_MAX)
        if self._lock.acquire(timeout=wait):
            try:
                self.close()
            finally:
                self._lock.release()
            return
        # Still busy: leak the C session and its socket (the process is
        # ending), but leave no client socket file in chronyd's directory.
        if self._finalizer is not None:
            self._finalizer.detach()
        fd = self._state["fd"]
        if fd is not None and self._state["pid"] == os.getpid():
            remove_client_socket_file(fd)

    def forget_inherited(self) -> None:
        """In a child after ``fork()``: drop the parent's socket and session untouched.

        Only the child's copy of the descriptor is closed (the parent's socket
        and its client socket file stay as they are); the C session is leaked,
        since a thread of the parent may have been inside it. The next call
        opens afresh.
        """
        self._lock = threading.RLock()  # it may have been held by a parent thread
        self._x = None  # it polls the parent's exit pipe
        if self._finalizer is not None:
            self._finalizer.detach()
            self._finalizer = None
        fd = self._state["fd"]
        self._state.update(session=None, fd=None, pid=None)
        self._address = None
        _close_quietly(fd)

    # -- requests ------------------------------------------------------------
    #
    # Each request is a generator of protocol steps (see :class:`Wait`) for the
    # asyncio driver of :mod:`pychrony.aio`, which only waits: the steps do
    # everything else. A blocking call runs the same exchange in C (Call).

    def deadline(self) -> float:
        """The monotonic time by which a call starting now must end."""
        return time.monotonic() + self.budget

    def busy_error(self, what: str) -> ChronyTimeoutError:
        """The error of a call whose budget ran out while another call held the session."""
        return ChronyTimeoutError(
            f"{what} from {self.describe()}: the connection was busy with other calls for "
            f"the whole budget of {self.budget:g} s ({self.policy.describe()})"
        )

    def run(self, call: Call[T], what: str) -> T:
        """Run one call to the end, blocking (in C), within one budget.

        The budget starts now and covers waiting for other threads' calls on
        this session as well as the exchange itself.

        Raises:
            ChronyTimeoutError: the budget ran out (also while the session was busy).
            ChronyConnectionError: the interpreter is exiting.
        """
        limit = self._budget
        deadline = time.monotonic() + limit
        # A huge timeout can make the budget infinite; the lock takes at most
        # TIMEOUT_MAX. Try it without a timeout first: that is the usual case
        # and costs a third as much.
        lock = self._lock
        if not lock.acquire(False) and not lock.acquire(True, min(limit, threading.TIMEOUT_MAX)):
            if lifecycle.exiting():
                self._refuse_at_exit(deadline)
            raise self.busy_error(what)
        if lifecycle.exiting():
            # Exit began before this call, or while it queued behind the call
            # in flight: the session is retire()'s from now on.
            lock.release()
            self._refuse_at_exit(deadline)
        try:
            return call.blocking(deadline)
        finally:
            lock.release()

    def _refuse_at_exit(self, deadline: float) -> NoReturn:
        """End a call made while exiting, once the exit cleanup is over (or at ``deadline``).

        Waiting first keeps daemon threads that retry in a loop from
        spinning, which would starve the calls still in flight that the
        cleanup is waiting for.
        """
        lifecycle.wait_for_cleanup(deadline - time.monotonic())
        raise self._exiting_error()

    def hold(self) -> None:
        """Hold the session for a call driven elsewhere (the asyncio driver), never waiting.

        The asyncio driver serialises its own tasks; holding the lock as well
        keeps :meth:`retire` from freeing the C session under a call running
        on an event loop in another thread. End it with :meth:`unhold`.

        Raises:
            ChronyConnectionError: the interpreter is exiting, or another
                thread holds the session (it belongs to one event loop).
        """
        if lifecycle.exiting() or not self._lock.acquire(blocking=False):
            if lifecycle.exiting():
                raise self._exiting_error()
            raise ChronyConnectionError(
                f"the connection to {self.describe()} is in use by another thread; "
                "an asynchronous connection belongs to one event loop"
            )

    def unhold(self) -> None:
        """End what :meth:`hold` began."""
        self._lock.release()

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """:meth:`hold` for the length of a ``with`` block."""
        self.hold()
        try:
            yield
        finally:
            self.unhold()

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
    # the returned Call builds the steps (or runs blocking) for a deadline.

    def record_count_steps(self, report: str) -> Call[int]:
        """Steps asking for ``report``'s record count (validated now)."""
        report_b = _report_bytes(report)
        request = self._lib().pychrony_request

        def blocking(deadline: float) -> int:
            self._run_blocking(request, (report_b, -1, deadline), report)
            return self._counted(report)

        return Call(lambda deadline: self._count(report, report_b, deadline), blocking)

    @overload
    def record_steps(self, report: str, index: int) -> Call[RawRecord]: ...
    @overload
    def record_steps(self, report: str, index: int, decoder: Decoder[T]) -> Call[T]: ...
    def record_steps(self, report: str, index: int, decoder: Decoder[Any] = RAW) -> Call[Any]:
        """Steps fetching record ``index`` of ``report`` (validated now).

        The call's value is the record as ``decoder`` decodes it (by default
        the :class:`RawRecord` itself).
        """
        report_b = _report_bytes(report)
        _check_index(index)
        request = self._lib().pychrony_request
        memo = LayoutMemo()  # this call's records share their layout

        def blocking(deadline: float) -> Any:
            n = self._run_blocking(request, (report_b, index, deadline), report)
            return self._record_of(n, report, index, decoder, memo)

        return Call(
            lambda deadline: self._record(report, report_b, index, deadline, decoder, memo),
            blocking,
        )

    @overload
    def records_steps(self, report: str) -> Call[list[RawRecord]]: ...
    @overload
    def records_steps(self, report: str, decoder: Decoder[T]) -> Call[list[T]]: ...
    def records_steps(self, report: str, decoder: Decoder[Any] = RAW) -> Call[list[Any]]:
        """Steps fetching every record of ``report`` (validated now), each ``decoder``'s value."""
        report_b = _report_bytes(report)

        def blocking(deadline: float) -> list[Any]:
            lib = self._lib()
            args = (report_b, MAX_RECORDS, deadline)
            found: list[Any] = []
            n = self._run_blocking(lib.pychrony_report, args, report)
            while n == lib.PYCHRONY_NO_ROOM:
                self._overflow(found, report, decoder)
                n = self._run_blocking(lib.pychrony_report, args, report, lib.PYCHRONY_RESUME)
            return self._records_of(found, report, decoder)

        return Call(lambda deadline: self._records(report, report_b, deadline, decoder), blocking)

    def _count(self, report: str, report_b: bytes, deadline: float) -> Steps[int]:
        lib = self._lib()
        yield from self._steps(lib.pychrony_request, (report_b, -1, deadline), report)
        return self._counted(report)

    def _record(
        self,
        report: str,
        report_b: bytes,
        index: int,
        deadline: float,
        decoder: Decoder[T],
        memo: LayoutMemo,
    ) -> Steps[T]:
        lib = self._lib()
        n = yield from self._steps(lib.pychrony_request, (report_b, index, deadline), report)
        return self._record_of(n, report, index, decoder, memo)

    def _records(
        self, report: str, report_b: bytes, deadline: float, decoder: Decoder[T]
    ) -> Steps[list[T]]:
        lib = self._lib()
        args = (report_b, MAX_RECORDS, deadline)
        found: list[T] = []
        n = yield from self._steps(lib.pychrony_report, args, report)
        while n == lib.PYCHRONY_NO_ROOM:
            self._overflow(found, report, decoder)
            n = yield from self._steps(lib.pychrony_report, args, report, lib.PYCHRONY_RESUME)
        return self._records_of(found, report, decoder)

    # -- one request's exchange ----------------------------------------------
    #
    # The exchange runs in C (decl/pychrony_helpers.c, one call per record,
    # or per report): send -> await the reply -> (lost: resend with a doubled
    # wait) until the answer, the last attempt or the deadline; then it packs
    # the record. It comes back to Python only for what needs Python, each an
    # outcome below 0 that _resolve deals with: a stale socket to reopen
    # (chronyd was restarted; then it resends at once), an error to raise, a
    # signal's handlers to run (EINTR), the exit cleanup (lifecycle's pipe,
    # polled beside the socket), and for the asyncio driver each wait.

    @staticmethod
    def _lib() -> Lib:
        return _native.load()[1]

    def _exchange_state(self) -> Any:
        """The C exchange's state for this session, pointed at its socket (open it first)."""
        x = self._x
        if x is None:
            ffi, _ = _native.load()
            x = ffi.new("pychrony_exchange *")
            waits = ffi.new("double[]", list(self.policy.waits()))
            x.waits = waits
            x.attempts_max = self.policy.attempts
            # A forked child gets a new pipe and forgets this state (forget_inherited).
            x.wake_fd = lifecycle.wake_fd()
            self._waits = waits
            self._x = x
            self._unpack = ffi.unpack
            self._grow(_BUFFER_FIRST)
        x.fd = self._x_fd = self._state["fd"]
        return x

    def _grow(self, size: int | None = None) -> None:
        """Give the exchange a larger record buffer (double, up to _BUFFER_MOST)."""
        x = self._x
        size = size or min(2 * x.size, _BUFFER_MOST)
        if size != x.size:
            ffi, _ = _native.load()
            out = ffi.new("char[]", size)
            x.out, x.size = out, size
            self._out = out

    def _run_blocking(
        self, call: Callable[..., int], args: tuple[Any, ...], report: str, mode: int = 0
    ) -> int:
        """Run a C exchange to its end, waiting in C; return its result (>= 0, or NO_ROOM)."""
        state = self._state
        if state["session"] is None:
            self.open(args[-1])  # the call's deadline bounds a host name's lookup too
        x = self._x
        if x is None or self._x_fd != state["fd"]:
            x = self._exchange_state()
        try:
            n = call(state["session"], x, *args, mode)
            while n < 0:
                mode = self._resolve(x, n, report)
                if mode < 0:
                    self._answered = True
                    return n
                n = call(state["session"], x, *args, mode)
            self._answered = True
            return n
        except ChronyError:
            raise
        except BaseException:
            # A signal's handler raised (KeyboardInterrupt) with a reply
            # outstanding: close, so the late reply dies with the socket and
            # the next call starts on a fresh one.
            self.close()
            raise

    def _steps(
        self, call: Callable[..., int], args: tuple[Any, ...], report: str, mode: int = 0
    ) -> Steps[int]:
        """A C exchange as steps: its waits are yielded to the driver (asyncio's loop).

        A driver that abandons the steps while a reply is outstanding (a
        cancelled task, an interrupt) closes the generator: the session is then
        closed, so a late reply dies with its socket and the next call starts
        on a fresh one instead of inheriting libchrony's "needs response" state.
        """
        lib = self._lib()
        self.open(args[-1])  # the call's deadline bounds a host name's lookup too
        x = self._exchange_state()
        state = self._state
        mode |= lib.PYCHRONY_NOWAIT
        try:
            while True:
                n = call(state["session"], x, *args, mode)
                if n == lib.PYCHRONY_WANT_READ or n == lib.PYCHRONY_WANT_TIME:
                    reading = n == lib.PYCHRONY_WANT_READ
                    readable = yield Wait(x.fd if reading else -1, x.until)
                    if lifecycle.exiting():
                        raise self._exiting_error()  # exit's cleanup waits for this call
                    mode = lib.PYCHRONY_NOWAIT | lib.PYCHRONY_RESUME
                    if readable and reading:
                        mode |= lib.PYCHRONY_READABLE
                    continue
                if n >= 0:
                    self._answered = True
                    return n
                resume = self._resolve(x, n, report)
                if resume < 0:
                    self._answered = True
                    return n
                mode = resume | lib.PYCHRONY_NOWAIT
        except GeneratorExit:
            self.close()
            raise

    def _resolve(self, x: Any, n: int, report: str) -> int:
        """Deal with outcome ``n`` (< 0) of a C exchange.

        Returns the mode to resume the exchange in, or -1 when the outcome is
        the caller's (NO_ROOM: the record is held, read it another way).

        Raises:
            ChronyError: the subclass for what went wrong.
        """
        lib = self._lib()
        if n == lib.PYCHRONY_INTERRUPTED:
            # The signal's handlers ran on the way here (at the return from
            # C) and none raised: resume the same attempt.
            return int(lib.PYCHRONY_RESUME)
        if n == lib.PYCHRONY_NO_ROOM:
            return -1
        what = f"{report} report" if x.index < 0 else f"{report} report (record {x.index})"
        if n == lib.PYCHRONY_FAILED:
            code, os_errno = x.code, x.os_errno
            if _stale_socket(code, os_errno):
                if not x.reopened:
                    # The socket outlived chronyd (it was restarted): reopen
                    # once per request and address, and resend at once.
                    self._reopen(x.deadline)
                    x.reopened = 1
                    return int(lib.PYCHRONY_RESUME)
                if self._can_move_on():
                    # Nothing answers there: as chronyc, go on to the next
                    # address, with fresh attempts but the same deadline.
                    self._reopen(x.deadline, reason_of(os_errno))
                    x.reopened = x.attempts = x.wait_index = 0
                    return int(lib.PYCHRONY_RESUME)
            self._fail(code, what, os_errno)
        if n == lib.PYCHRONY_TIMEOUT:
            if x.malformed:
                self._fail(ErrorCode.INVALID_RESPONSE, what, 0)
            attempts = x.attempts
            raise self._timeout(
                f"{what} from {self.describe()}: no reply after {attempts} "
                f"attempt{'s' if attempts > 1 else ''} ({self.policy.describe()})"
            )
        if n == lib.PYCHRONY_EXITING:
            raise self._exiting_error()  # exit's cleanup waits for this call
        if n == lib.PYCHRONY_BUDGET:
            # Replies that come fast never reach a resend's deadline check; a
            # huge count must still end within the budget.
            raise self._timeout(
                f"{report} report from {self.describe()}: the budget of "
                f"{self.budget:g} s ran out after {x.index} of {x.count} records "
                f"({self.policy.describe()})"
            )
        if n == lib.PYCHRONY_BAD_COUNT:
            self._counted(report)
        raise ChronyDataError(f"{what} from {self.describe()}: the exchange ended with {n}")

    def _counted(self, report: str) -> int:
        """The record count the exchange read, once it is plausible."""
        count = int(self._x.count)
        if not 0 <= count <= MAX_RECORDS:
            raise ChronyDataError(
                f"{report} report from {self.describe()}: implausible record count {count} "
                f"(pychrony reads at most {MAX_RECORDS} records, far more than any real "
                "chronyd has sources)"
            )
        return count

    def _record_of(
        self, n: int, report: str, index: int, decoder: Decoder[T], memo: LayoutMemo
    ) -> T:
        """The record a C exchange answered with (``n``: its result), decoded."""
        if n < 0:  # NO_ROOM: libchrony holds it; read it field by field
            record = self._read_held(report, index)
            self._grow()
            return decoder(record, index)
        try:
            return decode_packed(self._unpack(self._out, n & 0xFFFF), n, decoder, index, memo)
        except DamagedRecordError as exc:
            raise self._unreadable(report, index, exc.__cause__ or exc) from exc

    def _overflow(self, found: list[T], report: str, decoder: Decoder[T]) -> None:
        """A report outgrew the buffer: take what it holds and the record libchrony holds."""
        x = self._x
        self._records_of(found, report, decoder)
        found.append(decoder(self._read_held(report, x.index), x.index))
        x.index += 1
        x.used = 0
        self._grow()

    def _records_of(self, found: list[T], report: str, decoder: Decoder[T]) -> list[T]:
        """``found`` with the records the C exchange packed appended, decoded."""
        try:
            decode_all_packed(self._unpack(self._out, self._x.used), decoder, found)
        except DamagedRecordError as exc:
            raise self._unreadable(report, len(found), exc.__cause__ or exc) from exc
        return found

    def _read_held(self, report: str, index: int) -> RawRecord:
        try:
            return read_fields(self._state["session"])
        except Exception as exc:  # whatever chronyd sent, never more than a data error
            raise self._unreadable(report, index, exc) from exc

    def _unreadable(self, report: str, index: int, exc: BaseException) -> ChronyDataError:
        return ChronyDataError(
            f"{report} report from {self.describe()}: record {index} cannot be read: "
            f"{type(exc).__name__}: {exc}"
        )

    def _timeout(self, message: str) -> ChronyTimeoutError:
        self.close()  # late replies die with the socket; a later call starts clean
        return ChronyTimeoutError(message)

    def _fail(self, code: int, what: str, os_errno: int) -> NoReturn:
        attempts = self._attempts
        if (
            attempts is not None
            and attempts.fell_through
            and code in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED)
            and os_errno
            and os_errno not in DESCRIPTOR_ERRNOS
        ):
            # Nothing answered where opening led: list every address tried.
            message = f"{what}: {attempts.listing(reason_of(os_errno))}"
            if os_errno in UNREACHABLE_ERRNOS:
                message += "; is chronyd running?"
            exc: Exception = ChronyConnectionError(message, error_code=code, errno=os_errno)
        else:
            exc = exception_for(code, f"{what} from {self.describe()}", os_errno)
        if code in (ErrorCode.SEND_FAILED, ErrorCode.RECV_FAILED):
            self.close()  # the socket is suspect; the next call reopens it
        raise exc


class Wait(NamedTuple):
    """A step's request to its driver: resume when ``fd`` is readable or at ``until``.

    An ``fd`` of -1 asks only to wait until ``until`` (see :attr:`sleeps`). The
    driver answers ``True`` when the socket became readable and ``False``
    when ``until`` (a :func:`time.monotonic` instant) passed first. A driver
    may also answer ``False`` early; the steps then simply wait again.
    """

    fd: int
    until: float

    @property
    def sleeps(self) -> bool:
        """Whether this is a plain wait until ``until`` with no socket to watch (``fd`` -1)."""
        return self.fd < 0


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
    if not 0 <= index < _CHRONYD_MAX_SOURCES:
        raise IndexError(f"record index {index} out of range")


def _open_failure(
    failures: list[tuple[str, str]], denied: str | None, timed_out: bool, err: int
) -> ChronyConnectionError | ChronyPermissionError:
    """The error of an open that found no address: each tried, with why it failed."""
    if denied is not None:
        return with_hint(
            ChronyPermissionError, f"permission denied opening {denied}", PERMISSION_HINT
        )
    if len(failures) == 1:
        what = "cannot connect to chronyd at {}: {}".format(*failures[0])
    else:
        what = "cannot connect to chronyd: tried " + ", ".join(
            f"{a} ({why})" for a, why in failures
        )
    if any(why in UNREACHABLE_REASONS for _, why in failures):
        what += "; is chronyd running?"
    if timed_out and not err:
        return ChronyTimeoutError(what)
    if err in DESCRIPTOR_ERRNOS:
        return with_hint(ChronyConnectionError, what, EXHAUSTION_HINT, error_code=-1, errno=err)
    # error_code: chrony_open_socket's failure return (-1), as pychrony 2.x gave.
    return ChronyConnectionError(what, error_code=-1, errno=err or None)


def _named(candidate: str) -> bool:
    try:
        return is_name(candidate)
    except ValueError:
        return False  # open() refuses it
