"""``AsyncChronyConnection``: chronyd's typed reports as asyncio coroutines.

The event loop itself watches libchrony's socket (``loop.add_reader``): no
thread per call, and nothing blocks the loop. Deadlines, resends, the reopen
after a chronyd restart and the error mapping are the very steps
:class:`~pychrony.ChronyConnection` runs (:mod:`pychrony._core.session`);
only the waiting differs::

    import asyncio
    from pychrony import AsyncChronyConnection

    async def main() -> None:
        async with AsyncChronyConnection("127.0.0.1", timeout=0.5) as conn:
            status, sources = await asyncio.gather(conn.get_tracking(), conn.get_sources())
            print(status.stratum, len(sources))

    asyncio.run(main())

Calls on one connection are served one at a time, in order, so tasks may
share a connection; for parallel requests to one chronyd open several
connections, and for many servers use :func:`pychrony.gather`.

Cancelling a call (``task.cancel()``, :func:`asyncio.wait_for`) leaves the
connection usable: a call abandoned while its reply is outstanding closes the
socket, so the late reply is never seen, and the next call opens a fresh one.
"""

from __future__ import annotations

import asyncio
import collections
import time
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar, overload

from ._core.address import RESOLVER_SILENT, ResolutionError, found_or_fail, lookup_args
from ._core.report_names import supported_reports
from ._core.session import Session, Steps, Wait
from ._core.session_info import SessionInfo
from ._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ._fetch import StepsCache, cached_steps
from .libchrony._errors import AuthorizationError, ResponseError, translated
from .libchrony._generic import SKIPPED_CODES, _single_record
from .libchrony._records import Record, Report
from .models import catalog
from .models.catalog import ManyReport, OneReport, OptionalReport, ReportSpec

if TYPE_CHECKING:
    # Only the getters' annotations name the models; each loads with its
    # report, as for ChronyConnection.
    from .models import (
        Activity,
        AuthData,
        NTPData,
        RTCData,
        SelectData,
        ServerStats,
        Smoothing,
        Source,
        SourceStats,
        TrackingStatus,
    )

__all__ = ["AsyncChronyConnection", "drive_async"]

T = TypeVar("T")
M = TypeVar("M")


class AsyncChronyConnection(SessionInfo):
    """A connection to chronyd whose typed getters are coroutines.

    Use it with ``async with``; it may be entered again after the block ends.
    Addresses, ``timeout`` and ``retries`` mean exactly what they mean for
    :class:`~pychrony.ChronyConnection`, and so do the exceptions: no call
    takes longer than its budget (:doc:`/guide/timeouts`), counted
    from the call, including any wait for other tasks' calls on the same
    connection (that wait ends in :class:`~pychrony.ChronyTimeoutError`
    saying the connection was busy).

    A connection belongs to one event loop at a time.

    Args:
        address: chronyd's Unix socket path, or its UDP command port
            (``IP``, ``IP:port``, ``[IPv6]:port``, a host name with or without
            ``:port``, resolved on the event loop within the call's budget);
            None tries chronyd's defaults.
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: an empty address, or a non-positive timeout.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self._session = Session(address, timeout, retries)
        self._turns = _Turns()
        self._typed: StepsCache = {}

    # -- lifecycle -----------------------------------------------------------

    async def open(self) -> AsyncChronyConnection:
        """Connect now (``async with`` does this for you).

        Opening a socket does not wait for chronyd, so this does not block;
        a host name is resolved by the event loop (``loop.getaddrinfo``)
        within one budget.

        Raises:
            ChronyPermissionError: the Unix socket refused us.
            ChronyConnectionError: chronyd cannot be reached, or a name does
                not resolve.
            ChronyTimeoutError: the resolver did not answer within the budget.
            ChronyLibraryError: libchrony is not installed.
        """
        deadline = self._session.deadline()
        await _resolve_names(self._session, deadline)
        self._session.open(deadline)
        return self

    async def close(self) -> None:
        """Disconnect once calls already in progress have ended; idempotent."""
        await self._turns.acquire(None)
        try:
            self._session.close()
        finally:
            self._turns.release()

    async def __aenter__(self) -> AsyncChronyConnection:
        return await self.open()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        state = f"open on {self.address}" if self.is_open else "closed"
        return f"<AsyncChronyConnection {state}>"

    # -- calls ---------------------------------------------------------------

    async def _call(self, make_steps: Callable[[float], Steps[T]], what: str) -> T:
        """Run one call's steps on the loop, within one budget counted from now."""
        session = self._session
        deadline = session.deadline()
        turns = self._turns
        if not turns.take() and not await turns.acquire(session.budget):
            raise session.busy_error(what)
        try:
            if not session.is_open:
                # The steps open the session; a name must be known by then,
                # or its lookup would block the loop.
                await _resolve_names(session, deadline)
            # hold/unhold rather than held(): the generator-based context
            # manager costs over ten times as much (measured: 4 us against 0.3).
            session.hold()
            try:
                steps = make_steps(deadline)
                first = _first_step(steps)
                if isinstance(first, _Ended):
                    return first.value  # no coroutine to run: the usual fast reply
                return await _drive(steps, first)
            finally:
                session.unhold()
        finally:
            turns.release()

    @overload
    async def fetch(self, spec: ManyReport[M]) -> list[M]: ...
    @overload
    async def fetch(self, spec: OptionalReport[M]) -> M | None: ...
    @overload
    async def fetch(self, spec: OneReport[M]) -> M: ...
    @overload
    async def fetch(self, spec: ReportSpec[Any]) -> object: ...
    async def fetch(self, spec: ReportSpec[Any]) -> object:
        """Fetch and decode one report of the catalogue, as :meth:`pychrony.ChronyConnection.fetch`.

        ``await conn.fetch(catalog.TRACKING)`` is ``await conn.get_tracking()``,
        typed the same way.

        Raises:
            ChronyError: the subclass for what went wrong, as the getters raise.
        """
        return await self._call(*cached_steps(self._typed, self._session, spec))

    async def get_tracking(self) -> TrackingStatus:
        """The system clock's synchronisation state (``chronyc tracking``).

        Raises:
            ChronyError: the subclass for what went wrong; a
                :class:`ChronyTimeoutError` when chronyd does not answer in time.
        """
        return await self.fetch(catalog.TRACKING)

    async def get_sources(self) -> list[Source]:
        """Every time source (``chronyc sources``)."""
        return await self.fetch(catalog.SOURCES)

    async def get_source_stats(self) -> list[SourceStats]:
        """Measurement statistics of every source (``chronyc sourcestats``)."""
        return await self.fetch(catalog.SOURCESTATS)

    async def get_rtc_data(self) -> RTCData | None:
        """The real-time clock's tracking data, or None when chronyd has it disabled."""
        return await self.fetch(catalog.RTCDATA)

    async def get_select_data(self) -> list[SelectData]:
        """How source selection sees every source (``chronyc selectdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return await self.fetch(catalog.SELECTDATA)

    async def get_activity(self) -> Activity:
        """How many sources are online and offline (``chronyc activity``)."""
        return await self.fetch(catalog.ACTIVITY)

    async def get_auth_data(self) -> list[AuthData]:
        """Authentication of every source, in the order of :meth:`get_sources`.

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return await self.fetch(catalog.AUTHDATA)

    async def get_ntp_data(self) -> list[NTPData]:
        """The last NTP exchange with every NTP source (``chronyc ntpdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return await self.fetch(catalog.NTPDATA)

    async def get_server_stats(self) -> ServerStats:
        """Counters of chronyd as a server (``chronyc serverstats``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return await self.fetch(catalog.SERVERSTATS)

    async def get_smoothing(self) -> Smoothing | None:
        """Time smoothing of chronyd, or None when ``smoothtime`` is not configured."""
        return await self.fetch(catalog.SMOOTHING)

    # -- generic reports (pychrony.libchrony's Record / Report) ---------------
    #
    # The same methods as ChronyConnection's (pychrony.libchrony._generic), raising
    # the generic layer's exceptions; see there for what each raises.

    async def get_available_reports(self) -> list[str]:
        """The report names libchrony supports, in libchrony's order."""
        with translated():
            return list(supported_reports())

    async def get_record_count(self, report_name: str) -> int:
        """How many records chronyd holds for ``report_name``."""
        with translated():
            steps = self._session.record_count_steps(report_name)
            return await self._call(steps, f"{report_name} report")

    async def get_record(self, report_name: str, record_index: int = 0) -> Record:
        """Record ``record_index`` of ``report_name``."""
        with translated():
            steps = self._session.record_steps(report_name, record_index)
            raw = await self._call(steps, f"{report_name} report")
        return Record.from_raw(report_name, record_index, raw)

    async def get_report(self, report_name: str) -> Report:
        """Every record of ``report_name``, fetched within one call's time budget."""
        with translated():
            steps = self._session.records_steps(report_name)
            raw = await self._call(steps, f"{report_name} report")
        return Report(report_name, [Record.from_raw(report_name, i, r) for i, r in enumerate(raw)])

    async def iter_records(self, report_name: str) -> AsyncIterator[Record]:
        """Yield the records of ``report_name``, each requested when the loop asks for it.

        The count is read first; each record then has its own time budget.
        """
        count = await self.get_record_count(report_name)
        for index in range(count):
            yield await self.get_record(report_name, index)

    async def get_all_reports(self) -> dict[str, Report | Record]:
        """Every available report chronyd serves, by name.

        As :meth:`pychrony.ChronyConnection.get_all_reports`: single-record
        reports map to a :class:`Record`, the others to a :class:`Report`, and
        reports chronyd refuses, has disabled or is too old for are left out.
        """
        reports: dict[str, Report | Record] = {}
        for name in await self.get_available_reports():
            try:
                if _single_record(name):
                    reports[name] = await self.get_record(name)
                else:
                    reports[name] = await self.get_report(name)
            except (AuthorizationError, ResponseError) as exc:
                if exc.error_code not in SKIPPED_CODES:
                    raise
        return reports


async def _resolve_names(session: Session, deadline: float) -> None:
    """Resolve the host names ``session`` will open, on the event loop, by ``deadline``.

    A name that does not resolve (or not in time) is left for the session's
    open to report with the other addresses it tried.
    """
    loop = asyncio.get_running_loop()
    for name in session.names_to_resolve():
        host, port, family, kind = lookup_args(name)
        left = deadline - time.monotonic()
        try:
            infos = await asyncio.wait_for(
                loop.getaddrinfo(host, port, family=family, type=kind), max(0.0, left)
            )
        except asyncio.TimeoutError:
            session.fail_lookup(name, ResolutionError(name, RESOLVER_SILENT, timed_out=True))
            continue
        except (OSError, UnicodeError) as exc:
            try:
                found_or_fail(name, None, exc)
            except ResolutionError as failure:
                session.fail_lookup(name, failure)
            continue
        try:
            session.learn(name, found_or_fail(name, infos, None))
        except ResolutionError as failure:
            session.fail_lookup(name, failure)


async def drive_async(steps: Steps[T]) -> T:
    """Run ``steps`` to completion, letting the running event loop watch the socket.

    If the awaiting task is cancelled, the steps are closed, which resets the
    session (see :meth:`pychrony._core.session.Session._steps`).
    """
    first = _first_step(steps)
    if isinstance(first, _Ended):
        return first.value
    return await _drive(steps, first)


class _Ended(Generic[T]):
    """Steps that ended at their first step, and their result."""

    __slots__ = ("value",)

    def __init__(self, value: T) -> None:
        self.value = value


def _first_step(steps: Steps[T]) -> Wait | _Ended[T]:
    """Run ``steps`` to their first wait, or to their end.

    A reply within the C exchange's grace (or an error) ends them there, and
    then no coroutine needs to drive them.
    """
    try:
        return next(steps)
    except StopIteration as done:
        # The generator's return value: typed T by Steps[T], Any to StopIteration.
        return _Ended(done.value)


async def _drive(steps: Steps[T], wait: Wait) -> T:
    """:func:`drive_async` from the steps' first ``wait`` on."""
    loop = asyncio.get_running_loop()
    try:
        while True:
            wait = steps.send(await _readable(loop, wait))
    except StopIteration as done:
        result: T = done.value
        return result
    finally:
        steps.close()


async def _readable(loop: asyncio.AbstractEventLoop, wait: Wait) -> bool:
    """Whether ``wait.fd`` becomes readable before ``wait.until``."""
    delay = wait.until - time.monotonic()
    if delay <= 0:
        return False
    if wait.sleeps:
        await asyncio.sleep(delay)
        return False
    ready: asyncio.Future[bool] = loop.create_future()
    loop.add_reader(wait.fd, _settle, ready, True)
    timer = loop.call_later(delay, _settle, ready, False)
    try:
        return await ready
    finally:
        timer.cancel()
        # Unregister before anyone may close the socket, so the selector never
        # holds a closed (and possibly reused) descriptor.
        loop.remove_reader(wait.fd)


def _settle(future: asyncio.Future[bool], value: bool) -> None:
    if not future.done():
        future.set_result(value)


class _Turns:
    """First-come, first-served turns on one connection, with a give-up time.

    asyncio.Lock with wait_for can lose a lock acquired just as the waiter is
    cancelled (before Python 3.12); handing turns over explicitly cannot.
    """

    def __init__(self) -> None:
        self._busy = False
        self._waiting: collections.deque[asyncio.Future[bool]] = collections.deque()

    def take(self) -> bool:
        """Take the turn if it is free now (no coroutine: the usual case is this)."""
        if self._busy or self._waiting:
            return False
        self._busy = True
        return True

    async def acquire(self, timeout: float | None) -> bool:
        """Take the turn, waiting at most ``timeout`` seconds (None: no limit)."""
        if self.take():
            return True
        loop = asyncio.get_running_loop()
        turn: asyncio.Future[bool] = loop.create_future()
        self._waiting.append(turn)
        timer = None if timeout is None else loop.call_later(timeout, _settle, turn, False)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled() and turn.result():
                self.release()  # handed the turn just as we were cancelled: pass it on
            raise
        finally:
            if timer is not None:
                timer.cancel()
            if turn in self._waiting:
                self._waiting.remove(turn)

    def release(self) -> None:
        """End the current turn, handing it to the longest waiter still waiting."""
        while self._waiting:
            turn = self._waiting.popleft()
            if not turn.done():
                turn.set_result(True)
                return
        self._busy = False
