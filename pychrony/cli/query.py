"""Asking one or several chronyd servers the same question, concurrently.

Each server gets its own thread and its own :class:`~pychrony.ChronyConnection`
with the command line's timeout and retries, so one silent server costs at
most one connection's budget and never delays the answers of the others.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .._core.session import budget
from ..connection import ChronyConnection
from ..exceptions import ChronyError, ChronyLibraryError

__all__ = ["Outcome", "Target", "query"]

T = TypeVar("T")

# Beyond a connection's own budget, how long to wait for a thread that is
# still inside libchrony before reporting its server as timed out.
_JOIN_MARGIN = 1.0


@dataclass(frozen=True)
class Target:
    """Where and how to reach one chronyd.

    Attributes:
        address: as given with ``-a``; None for chronyd's default addresses.
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.
    """

    address: str | None
    timeout: float = 1.0
    retries: int = 2

    @property
    def label(self) -> str:
        """How outputs name this server."""
        return self.address if self.address is not None else "default"


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """One server's answer, or why there is none.

    Attributes:
        target: the server asked.
        value: what ``fetch`` returned (None when it failed).
        error: the error, as one line, when the query failed.
        address: the address actually used (chronyd's default addresses
            resolve to one of them), else the target's label.
    """

    target: Target
    value: T | None = None
    error: str | None = None
    address: str = ""

    @property
    def ok(self) -> bool:
        """Whether the server answered."""
        return self.error is None

    @property
    def label(self) -> str:
        """The server's name in outputs."""
        return self.address or self.target.label


def ask(target: Target, fetch: Callable[[ChronyConnection], T]) -> Outcome[T]:
    """Open a connection to one server, run ``fetch`` on it, and close it."""
    try:
        with ChronyConnection(target.address, timeout=target.timeout, retries=target.retries) as c:
            return Outcome(target, fetch(c), None, c.address or "")
    except ChronyLibraryError:
        raise  # not this server's fault: the whole command cannot work
    except ChronyError as exc:
        return Outcome(target, None, one_line(str(exc)))


def query(
    targets: Sequence[Target], fetch: Callable[[ChronyConnection], T], *, calls: int = 1
) -> list[Outcome[T]]:
    """Ask every target, concurrently, and return their outcomes in order.

    Args:
        targets: the servers.
        fetch: what to ask, given an open connection.
        calls: how many requests ``fetch`` makes at most, each within one
            connection budget: bounds the wait for a server that stays silent.
    """
    if len(targets) == 1:
        return [ask(targets[0], fetch)]
    outcomes: list[Outcome[T] | None] = [None] * len(targets)

    missing: list[ChronyLibraryError] = []

    def work(i: int) -> None:
        try:
            outcomes[i] = ask(targets[i], fetch)
        except ChronyLibraryError as exc:
            missing.append(exc)

    # Daemon threads: Ctrl-C must not wait for a server that stays silent.
    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread, target in zip(threads, targets, strict=True):
        thread.join(budget(target.timeout, target.retries) * (calls + 1) + _JOIN_MARGIN)
    if missing:
        raise missing[0]
    return [
        out if out is not None else Outcome(t, None, f"{t.label}: no answer in time")
        for out, t in zip(outcomes, targets, strict=True)
    ]


def one_line(message: str) -> str:
    """A message squeezed onto one line (errors are one stderr line each)."""
    return " ".join(message.split())
