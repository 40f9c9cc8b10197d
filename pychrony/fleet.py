"""Many chronyd servers at once: every server and report queried concurrently.

:func:`gather` (a coroutine) and :func:`gather_sync` (for code without an
event loop) ask each server for each report at the same time, each on its
own connection and within its own ``timeout``/``retries`` budget, and return
one :class:`ServerResult` per address: a dead or slow server costs its own
budget, never the others'. Errors do not propagate; each is kept beside the
reports that did arrive::

    from pychrony import gather_sync

    results = gather_sync(["127.0.0.1", "[::1]:323"], reports=("tracking",), timeout=0.5)
    for address, result in results.items():
        if result.ok:
            print(address, "offset", result["tracking"].offset)
        else:
            print(address, "failed:", result.error)

Inside a coroutine use ``await pychrony.gather(...)`` with the same arguments.

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
from typing import Generic, TypeVar

from ._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT, budget
from .aio import AsyncChronyConnection
from .connection import ChronyConnection
from .exceptions import ChronyError, ChronyLibraryError, ChronyTimeoutError
from .models.catalog import REPORTS, ReportSpec, spec_for

__all__ = ["DEFAULT_REPORTS", "Answer", "ServerResult", "each_server", "gather", "gather_sync"]

T = TypeVar("T")

# Beyond a server's own budget, how long to wait for a thread still inside
# libchrony before reporting that server as timed out.
_JOIN_MARGIN = 1.0

#: What :func:`gather` asks for when not told: the state of the clock and its sources.
DEFAULT_REPORTS: tuple[str, ...] = ("tracking", "sources")


@dataclass(frozen=True, slots=True)
class ServerResult:
    """What one server answered.

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
    reports: Mapping[str, object]
    errors: Mapping[str, ChronyError]
    elapsed: float

    @property
    def ok(self) -> bool:
        """Whether every report asked for arrived."""
        return not self.errors

    @property
    def error(self) -> ChronyError | None:
        """The first failure, in the order the reports were asked for, or None."""
        return next(iter(self.errors.values()), None)

    def __getitem__(self, report: str) -> object:
        """The result of ``report``; raises the error it ended in, if it failed.

        Raises:
            ChronyError: the report failed on this server.
            KeyError: the report was not asked for.
        """
        if report in self.errors:
            raise self.errors[report]
        return self.reports[report]


async def gather(
    addresses: Iterable[str | None],
    *,
    reports: Iterable[str] = DEFAULT_REPORTS,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> dict[str | None, ServerResult]:
    """Query every server for every report concurrently.

    Each (server, report) pair runs on its own connection with its own budget
    (:doc:`/guide/timeouts`), so the whole call
    takes about as long as the slowest single report, however many servers
    there are. Each pair holds one socket while it runs.

    Args:
        addresses: chronyd addresses as :class:`~pychrony.ChronyConnection`
            takes them (None: the default address). Repeats are queried once.
        reports: report names from :data:`pychrony.models.catalog.REPORTS`
            (``"tracking"``, ``"sources"``, ...).
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.

    Returns:
        One :class:`ServerResult` per distinct address, in the order given.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: an unknown report name, a malformed address, a bad timeout.
    """
    specs = _specs(reports)
    targets = list(dict.fromkeys(addresses))
    # Build every connection first so a bad address or timing fails before any I/O.
    connections = {
        (address, spec.name): AsyncChronyConnection(address, timeout=timeout, retries=retries)
        for address in targets
        for spec in specs
    }
    start = time.monotonic()
    tasks = [
        asyncio.ensure_future(_one(connections[address, spec.name], spec, start))
        for address in targets
        for spec in specs
    ]
    try:
        outcomes = await asyncio.gather(*tasks)
    finally:
        for task in tasks:  # after an unexpected failure, stop the rest now
            task.cancel()
    results: dict[str | None, ServerResult] = {}
    found = iter(outcomes)
    for address in targets:
        got: dict[str, object] = {}
        failed: dict[str, ChronyError] = {}
        last = 0.0
        for spec in specs:
            value, error, ended = next(found)
            last = max(last, ended)
            if error is None:
                got[spec.name] = value
            else:
                failed[spec.name] = error
        results[address] = ServerResult(address, got, failed, last)
    return results


def gather_sync(
    addresses: Iterable[str | None],
    *,
    reports: Iterable[str] = DEFAULT_REPORTS,
    timeout: float = DEFAULT_TIMEOUT,
    retries: int = DEFAULT_RETRIES,
) -> dict[str | None, ServerResult]:
    """:func:`gather` for code that is not running an event loop.

    Runs its own event loop for the duration of the call, so it must not be
    called from a coroutine (await :func:`gather` there instead).

    Raises:
        RuntimeError: called while an event loop is running in this thread.
        TypeError: an argument of the wrong type.
        ValueError: an unknown report name, a malformed address, a bad timeout.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise RuntimeError("gather_sync() cannot run inside an event loop; await gather() instead")
    return asyncio.run(gather(addresses, reports=reports, timeout=timeout, retries=retries))


def _specs(reports: Iterable[str]) -> list[ReportSpec]:
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
        except KeyError:
            known = ", ".join(spec.name for spec in REPORTS)
            raise ValueError(f"unknown report {name!r}; known reports: {known}") from None
    return specs


async def _one(
    conn: AsyncChronyConnection, spec: ReportSpec, start: float
) -> tuple[object, ChronyError | None, float]:
    """One report from one server: (value, None, elapsed) or (None, error, elapsed)."""
    try:
        async with conn:
            value = await conn._fetch(spec)
    except ChronyError as exc:
        return None, exc, time.monotonic() - start
    return value, None, time.monotonic() - start


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
) -> list[Answer[T]]:
    """Run ``fetch`` on a connection to every server at once; answers in order.

    Each server gets its own thread and :class:`~pychrony.ChronyConnection`,
    so one silent server costs its own budget and never delays the others.

    Args:
        addresses: chronyd addresses (None: the default address).
        fetch: what to ask, given an open connection; it may raise
            :class:`~pychrony.ChronyError`, which is kept in the answer.
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.
        calls: how many getter calls ``fetch`` makes at most, each within one
            budget: bounds the wait for a server that stays silent.

    Raises:
        ChronyLibraryError: libchrony is missing (no server can be asked).
    """

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
    answers: list[Answer[T] | None] = [None] * len(addresses)
    missing: list[ChronyLibraryError] = []

    def work(i: int) -> None:
        try:
            answers[i] = ask(addresses[i])
        except ChronyLibraryError as exc:
            missing.append(exc)

    # Daemon threads: Ctrl-C must not wait for a server that stays silent.
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(addresses))]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + budget(timeout, retries) * (calls + 1) + _JOIN_MARGIN
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    if missing:
        raise missing[0]
    return [
        answer
        if answer is not None
        else Answer(address, None, ChronyTimeoutError(f"{address or 'default'}: no answer in time"))
        for answer, address in zip(answers, addresses, strict=True)
    ]
