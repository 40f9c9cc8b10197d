"""Many chronyd servers at once: every server and report queried concurrently.

:func:`gather` (a coroutine) and :func:`gather_sync` (for code without an
event loop) ask every server at the same time, each on one connection of
its own (its reports in turn, each within its own ``timeout``/``retries``
budget), and return one :class:`ServerResult` per address: a dead or slow
server costs its own budget, never the others'. Errors do not propagate;
each is kept beside the reports that did arrive::

    from pychrony import gather_sync

    results = gather_sync(["127.0.0.1", "[::1]:323"], reports=("tracking",), timeout=0.5)
    for address, result in results.items():
        if result.ok:
            print(address, "offset", result["tracking"].offset)
        else:
            print(address, "failed:", result.error)

Inside a coroutine use ``await pychrony.gather(...)`` with the same arguments.

At most ``max_connections`` connections are open at once (default
:data:`DEFAULT_MAX_CONNECTIONS`): each costs two file descriptors (its socket
and libchrony's ``/dev/urandom``), and :func:`each_server` one thread
(:func:`gather` runs on the event loop and starts none), so a fleet of any
size stays within a process's descriptor and thread limits. A query waiting
for a free slot has not started: its budget starts when it gets one, so a
server's result never depends on how many others were queued before it.
When descriptors run out all the same (the process holds many files of its
own), the servers affected report a :class:`~pychrony.ChronyConnectionError`
whose ``errno`` is :data:`errno.EMFILE`, each in its own result.

:func:`each_server` runs any function of a blocking
:class:`~pychrony.ChronyConnection` on every server at once (one thread
each), for questions that are not a list of reports; the ``pychrony``
command's repeated ``-a`` uses it.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from ._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT, budget
from .aio import AsyncChronyConnection
from .connection import ChronyConnection
from .exceptions import ChronyError, ChronyLibraryError, ChronyTimeoutError
from .models.catalog import ReportSpec, spec_for
from .report_results import Outcome, ReportResults, collect

__all__ = [
    "DEFAULT_MAX_CONNECTIONS",
    "DEFAULT_REPORTS",
    "Answer",
    "ServerResult",
    "each_server",
    "gather",
    "gather_sync",
]

T = TypeVar("T")

# Beyond a server's own budget, how long to wait for a thread still inside
# libchrony before reporting that server as timed out.
_JOIN_MARGIN = 1.0

#: What :func:`gather` asks for when not told: the state of the clock and its sources.
DEFAULT_REPORTS: tuple[str, ...] = ("tracking", "sources")

#: How many connections :func:`gather` and :func:`each_server` hold open at
#: once when not told: 128 descriptors (two per connection), which leaves
#: room for the rest of a process under the common 1024 limit, and even
#: under 256.
DEFAULT_MAX_CONNECTIONS = 64


def _check_limit(max_connections: object) -> int:
    if isinstance(max_connections, bool) or not isinstance(max_connections, int):
        raise TypeError(f"max_connections must be an int, not {type(max_connections).__name__}")
    if max_connections < 1:
        raise ValueError(f"max_connections must be at least 1, not {max_connections!r}")
    return max_connections


@dataclass(frozen=True, slots=True, init=False)
class ServerResult(ReportResults):
    """What one server answered: its :class:`~pychrony.report_results.ReportResults`.

    ``ok``, ``error``, ``result[name]`` and ``value(spec)`` are those of
    :class:`~pychrony.report_results.ReportResults`.

    Attributes:
        address: the address as given to :func:`gather`.
        reports: report name -> typed result (what the matching
            ``ChronyConnection.get_*`` getter returns), for each report that
            arrived, in the order asked.
        errors: report name -> the :class:`~pychrony.ChronyError` it ended in,
            for each report that did not.
        elapsed: seconds from the start of the query until this server's last
            report arrived or failed.
    """

    address: str | None
    elapsed: float

    def __init__(
        self,
        address: str | None,
        reports: Mapping[str, object],
        errors: Mapping[str, ChronyError],
        elapsed: float,
    ) -> None:
        # The order of pychrony 3.0's ServerResult(address, reports, errors, elapsed).
        object.__setattr__(self, "address", address)
        object.__setattr__(self, "reports", reports)
        object.__setattr__(self, "errors", errors)
        object.__setattr__(self, "elapsed", elapsed)


async def gather(
    addresses: Iterable[str | None],
    *,
    reports: Iterable[str] = DEFAULT_REPORTS,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> dict[str | None, ServerResult]:
    """Query every server for every report concurrently.

    Each server is asked on one connection of its own, its reports one after
    the other, each report within its own budget (:doc:`/guide/timeouts`);
    a server that lets one report time out is not asked the rest (each says
    so, as a :class:`~pychrony.ChronyTimeoutError`), so a silent server costs
    one budget. At most ``max_connections`` servers are asked at once; the
    others wait for a slot, in the order given, and their budget starts only
    when they get one: a server's result (its data, or its own timeout) never
    depends on how many servers were queued before it, at the cost of a
    longer call for a fleet larger than the limit (about ``servers /
    max_connections`` budgets when every server is silent). Everything runs
    on the running event loop: no thread is started.

    Args:
        addresses: chronyd addresses as :class:`~pychrony.ChronyConnection`
            takes them (None: the default address). Repeats are queried once.
        reports: report names from :data:`pychrony.models.catalog.REPORTS`
            (``"tracking"``, ``"sources"``, ...).
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.
        max_connections: connections open at once, at most (two file
            descriptors each).

    Returns:
        One :class:`ServerResult` per distinct address, in the order given;
        :attr:`ServerResult.elapsed` includes the wait for a slot.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: an unknown report name, a malformed address, a bad
            timeout, ``max_connections`` below 1.
    """
    slots = asyncio.Semaphore(_check_limit(max_connections))
    specs = _specs(reports)
    targets = list(dict.fromkeys(addresses))
    # Build every connection first so a bad address or timing fails before any I/O.
    connections = [
        AsyncChronyConnection(address, timeout=timeout, retries=retries) for address in targets
    ]
    start = time.monotonic()
    tasks = [
        asyncio.ensure_future(_one_server(conn, address, specs, start, slots))
        for conn, address in zip(connections, targets, strict=True)
    ]
    try:
        outcomes = await asyncio.gather(*tasks)
    finally:
        for task in tasks:  # after an unexpected failure, stop the rest now
            task.cancel()
    return {result.address: result for result in outcomes}


def gather_sync(
    addresses: Iterable[str | None],
    *,
    reports: Iterable[str] = DEFAULT_REPORTS,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> dict[str | None, ServerResult]:
    """:func:`gather` for code that is not running an event loop.

    Runs its own event loop for the duration of the call, so it must not be
    called from a coroutine (await :func:`gather` there instead).

    Raises:
        RuntimeError: called while an event loop is running in this thread.
        TypeError: an argument of the wrong type.
        ValueError: an unknown report name, a malformed address, a bad
            timeout, ``max_connections`` below 1.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("gather_sync() cannot run inside an event loop; await gather() instead")
    return asyncio.run(
        gather(
            addresses,
            reports=reports,
            timeout=timeout,
            retries=retries,
            max_connections=max_connections,
        )
    )


def _specs(reports: Iterable[str]) -> list[ReportSpec[Any]]:
    if isinstance(reports, str):
        raise TypeError("reports must be a collection of report names, not one str")
    names = list(dict.fromkeys(reports))
    if not names:
        raise ValueError("no reports asked for")
    specs = []
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"report names must be str, not {type(name).__name__}")
        try:
            specs.append(spec_for(name))
        except KeyError as exc:  # its message names the known reports: keep it
            raise ValueError(*exc.args) from None
    return specs


async def _one_server(
    conn: AsyncChronyConnection,
    address: str | None,
    specs: Sequence[ReportSpec[Any]],
    start: float,
    slots: asyncio.Semaphore,
) -> ServerResult:
    """Every report from one server, on one connection opened inside a slot."""
    # The connection opens (and its budget starts) only inside a slot, and
    # closes before the slot passes on: a slot is the two descriptors.
    async with slots:
        try:
            async with conn:
                answered = await _fetch_reports(conn, specs)
        except ChronyError as exc:  # it could not even open: every report says why
            answered = collect((spec, None, exc) for spec in specs)
    return ServerResult(address, answered.reports, answered.errors, time.monotonic() - start)


async def _fetch_reports(
    conn: AsyncChronyConnection, specs: Sequence[ReportSpec[Any]]
) -> ReportResults:
    """Each report in turn on ``conn``, each one's value or error kept.

    After a timeout the rest are not asked: the server is silent, and asking
    would only spend one more budget per report to learn it again.
    """
    outcomes: list[Outcome] = []
    silent: ChronyTimeoutError | None = None
    for spec in specs:
        if silent is not None:
            outcomes.append(Outcome(spec, None, _not_asked(conn, spec, silent)))
            continue
        try:
            outcomes.append(Outcome(spec, await conn.fetch(spec), None))
        except ChronyTimeoutError as exc:
            silent = exc
            outcomes.append(Outcome(spec, None, exc))
        except ChronyError as exc:
            outcomes.append(Outcome(spec, None, exc))
    return collect(outcomes)


def _not_asked(
    conn: AsyncChronyConnection, spec: ReportSpec[Any], silent: ChronyTimeoutError
) -> ChronyTimeoutError:
    return ChronyTimeoutError(
        f"{spec.name} report from {conn._session.describe()}: not asked, "
        f"the server did not answer in time ({silent.message})"
    )


@dataclass(frozen=True)
class Answer(Generic[T]):
    """One server's answer to :func:`each_server`.

    Attributes:
        address: the address as given.
        value: what the function returned (None when it failed).
        error: the :class:`~pychrony.ChronyError` it ended in, or None.
        used: the address the connection actually used (``None`` given:
            whichever default answered), or None when it never connected.
    """

    address: str | None
    value: T | None = None
    error: ChronyError | None = None
    used: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the server answered."""
        return self.error is None


def each_server(
    addresses: Sequence[str | None],
    fetch: Callable[[ChronyConnection], T],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
    calls: int = 1,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> list[Answer[T]]:
    """Run ``fetch`` on a connection to every server, concurrently; answers in order.

    Each server gets its own thread and :class:`~pychrony.ChronyConnection`,
    so one silent server costs its own budget and never delays the others.
    At most ``max_connections`` servers are asked at once (one thread and two
    file descriptors each); the rest wait for a slot, in the order given, and
    a server's budget starts when it gets one, so its answer never depends
    on how many servers were queued before it.

    Args:
        addresses: chronyd addresses (None: the default address).
        fetch: what to ask, given an open connection; it may raise
            :class:`~pychrony.ChronyError`, which is kept in the answer.
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.
        calls: how many getter calls ``fetch`` makes at most, each within one
            budget: bounds the wait for a server that stays silent.
        max_connections: servers asked at once, at most.

    Raises:
        ChronyLibraryError: libchrony is missing (no server can be asked).
        TypeError, ValueError: ``max_connections`` is not an int of at least 1.
    """
    limit = _check_limit(max_connections)

    def ask(address: str | None) -> Answer[T]:
        try:
            with ChronyConnection(address, timeout=timeout, retries=retries) as conn:
                return Answer(address, fetch(conn), None, conn.address)
        except ChronyLibraryError:
            raise
        except ChronyError as exc:
            return Answer(address, None, exc)

    if len(addresses) == 1:
        return [ask(addresses[0])]
    return _Dispatch(addresses, ask, limit, budget(timeout, retries) * (calls + 1)).run()


class _Dispatch(Generic[T]):
    """Runs ``ask`` on every address from ``limit`` worker threads, each within its allowance.

    The workers take the addresses in order, one at a time, so no more than
    ``limit`` threads ever exist (a thread per server would briefly hold one
    more, a finished thread still exiting as the next starts). A worker
    still inside its server's call past the allowance is reported as a
    timeout and replaced (it keeps running as a daemon thread: Python cannot
    stop it, and it exits as soon as that call returns), so a stuck server
    can delay the others by one allowance at most.
    """

    def __init__(
        self,
        addresses: Sequence[str | None],
        ask: Callable[[str | None], Answer[T]],
        limit: int,
        allowance: float,
    ) -> None:
        self.addresses = addresses
        self.ask = ask
        self.limit = limit
        self.allowance = allowance + _JOIN_MARGIN
        self.answers: list[Answer[T] | None] = [None] * len(addresses)
        self.following = 0  # the next address a worker takes
        self.running: dict[int, float] = {}  # index -> when it is given up on
        self.missing: ChronyLibraryError | None = None
        self.changed = threading.Condition()

    def run(self) -> list[Answer[T]]:
        """Ask every server; return the answers in order."""
        with self.changed:
            for _ in range(min(self.limit, len(self.addresses))):
                self._hire()
            while True:
                now = time.monotonic()
                for index, given_up in list(self.running.items()):
                    if given_up <= now:
                        del self.running[index]  # its answer stays None: a timeout
                        if self._work_left():
                            self._hire()  # in place of the worker still stuck in that call
                if not self.running and not self._work_left():
                    break
                wait = min(self.running.values()) - now if self.running else None
                self.changed.wait(None if wait is None else max(0.0, wait))
        if self.missing is not None:
            raise self.missing
        return [
            answer
            if answer is not None
            else Answer(
                address, None, ChronyTimeoutError(f"{address or 'default'}: no answer in time")
            )
            for answer, address in zip(self.answers, self.addresses, strict=True)
        ]

    def _work_left(self) -> bool:
        return self.following < len(self.addresses) and self.missing is None

    def _hire(self) -> None:
        # Daemon threads: Ctrl-C must not wait for a server that stays silent.
        threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        while True:
            with self.changed:
                if not self._work_left():
                    self.changed.notify()
                    return
                index = self.following
                self.following += 1
                # The budget starts now, as the call does.
                self.running[index] = time.monotonic() + self.allowance
            answer: Answer[T] | None = None
            missing: ChronyLibraryError | None = None
            try:
                answer = self.ask(self.addresses[index])
            except ChronyLibraryError as exc:
                missing = exc
            with self.changed:
                kept = self.running.pop(index, None) is not None
                if kept:  # not given up on meanwhile
                    self.answers[index] = answer
                    if missing is not None and self.missing is None:
                        self.missing = missing
                self.changed.notify()
                if not kept:
                    return  # replaced while stuck: the replacement carries on
