"""Asking one or several chronyd servers the same question, concurrently.

:func:`pychrony.fleet.each_server` gives each server its own thread and
:class:`~pychrony.ChronyConnection` with the command line's timeout and
retries, so one silent server costs at most one connection's budget and never
delays the answers of the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .._core.hints import for_cli
from .._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ..connection import ChronyConnection
from ..exceptions import ChronyError
from ..fleet import DEFAULT_MAX_CONNECTIONS, each_server
from .streams import printable

__all__ = ["Outcome", "Target", "query"]

T = TypeVar("T")


@dataclass(frozen=True)
class Target:
    """Where and how to reach one chronyd.

    Attributes:
        address: as given with ``-a``; None for chronyd's default addresses.
        timeout: seconds to wait for a reply before resending.
        retries: resends, each doubling the wait.
    """

    address: str | None
    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

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
        exception: the :class:`~pychrony.ChronyError` behind ``error``.
    """

    target: Target
    value: T | None = None
    error: str | None = None
    address: str = ""
    exception: ChronyError | None = None

    @property
    def ok(self) -> bool:
        """Whether the server answered."""
        return self.error is None

    @property
    def label(self) -> str:
        """The server's name in outputs."""
        return self.address or self.target.label

    @property
    def error_line(self) -> str:
        """The error as one line naming the server once.

        pychrony's messages name the address they were about; only one that
        does not (chronyd's default addresses, say) is prefixed with it.
        """
        error = self.error or ""
        # Compared as escaped onto one line, as the error was.
        names = {printable(n) for n in (self.label, self.target.label, self.address)} - {""}
        if any(name in error for name in names) or self.target.address is None:
            return error
        return f"{self.label}: {error}"


def ask(target: Target, fetch: Callable[[ChronyConnection], T]) -> Outcome[T]:
    """Open a connection to one server, run ``fetch`` on it, and close it."""
    return query([target], fetch)[0]


def query(
    targets: Sequence[Target],
    fetch: Callable[[ChronyConnection], T],
    *,
    calls: int = 1,
    max_connections: int = DEFAULT_MAX_CONNECTIONS,
) -> list[Outcome[T]]:
    """Ask every target, concurrently (:func:`pychrony.fleet.each_server`), in order.

    Args:
        targets: the servers (the command line gives them one timeout and
            retries).
        fetch: what to ask, given an open connection.
        calls: how many requests ``fetch`` makes at most, each within one
            connection budget: bounds the wait for a server that stays silent.
        max_connections: servers asked at once, at most (``--max-connections``).
    """
    if not targets:
        return []
    first = targets[0]
    answers = each_server(
        [t.address for t in targets],
        fetch,
        timeout=first.timeout,
        retries=first.retries,
        calls=calls,
        max_connections=max_connections,
    )
    return [
        Outcome(
            t,
            a.value,
            None if a.ok or a.error is None else printable(for_cli(a.error)),
            a.used or "",
            a.error,
        )
        for t, a in zip(targets, answers, strict=True)
    ]


def one_line(message: str) -> str:
    """A message squeezed onto one line (errors are one stderr line each)."""
    return " ".join(message.split())
