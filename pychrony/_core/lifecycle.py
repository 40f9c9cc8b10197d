"""What happens to live libchrony sessions at interpreter exit and after fork().

Two moments can free or close a C session behind the back of the code using
it, and both used to crash or break a working process:

- **Exit.** ``weakref.finalize`` runs its finalizers at exit while daemon
  threads may still be inside libchrony on the same session (CFFI releases
  the GIL during C calls): freeing it then is a use-after-free. Instead
  :func:`_at_exit` first marks the process as exiting (no session opens
  again), then *retires* every live session: it waits for the call in
  flight (woken at once through :func:`wake_fd`, or at most that call's
  budget), and closes the session under its lock;
  a session still busy after that is leaked rather than freed under a
  running call (the process is ending anyway).
- **fork().** A child inherits every session, sharing the parent's sockets.
  libchrony's ``chrony_close_socket`` removes the client socket file it bound
  in chronyd's socket directory, so a child closing it (or merely exiting and
  running finalizers) would cut the parent off from chronyd's replies. The
  child instead drops what it inherited with a plain ``close()`` of its copy
  of the descriptor, leaks the C session (another thread of the parent may
  have been inside it at the fork; its state is not to be trusted) and opens
  afresh on first use.

The sessions register themselves with :func:`track`; the registry holds them
weakly, so it never keeps one alive.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
import weakref
from collections.abc import Callable
from typing import Protocol

from .records import _STRING_LOCK

__all__ = ["Retirable", "exiting", "track", "wait_for_cleanup", "wake_fd"]


class Retirable(Protocol):
    """What the registry needs of a session."""

    def retire(self) -> None:
        """Close at exit, waiting for a call in flight at most its budget."""

    def forget_inherited(self) -> None:
        """In a forked child: drop the parent's socket and session untouched."""


def _wake_pipe() -> tuple[int, int]:
    read_end, write_end = os.pipe()
    for fd in (read_end, write_end):
        os.set_blocking(fd, False)
        os.set_inheritable(fd, False)
    return read_end, write_end


_LIVE: weakref.WeakSet[Retirable] = weakref.WeakSet()
_LIVE_LOCK = threading.Lock()
_EXITING = threading.Event()
_CLEANED = threading.Event()
# Readable from the moment exit begins: the C exchange polls it beside the
# socket, so calls in flight end at once instead of at their deadline.
_WAKE_READ, _WAKE_WRITE = _wake_pipe()


def track(session: Retirable) -> None:
    """Have ``session`` retired at exit and forgotten in forked children."""
    with _LIVE_LOCK:
        _LIVE.add(session)


#: Whether the interpreter is exiting (no session may open any more). The
#: event's own method: every call asks, and a wrapper would double its cost.
exiting: Callable[[], bool] = _EXITING.is_set


def wake_fd() -> int:
    """A descriptor that becomes readable when the interpreter starts exiting."""
    return _WAKE_READ


def wait_for_cleanup(timeout: float) -> None:
    """Block a call made while exiting until the exit cleanup is over (at most ``timeout``).

    Such a call fails anyway; waiting first keeps daemon threads that retry
    in a loop from spinning, which would starve the calls still in flight
    that the cleanup is waiting for.
    """
    _CLEANED.wait(min(timeout, threading.TIMEOUT_MAX))


def _live() -> list[Retirable]:
    with _LIVE_LOCK:
        return list(_LIVE)


def _at_exit() -> None:
    _EXITING.set()  # from now on no call starts
    with contextlib.suppress(OSError):
        os.write(_WAKE_WRITE, b"\0")  # and calls in flight end at their next wait
    try:
        for session in _live():
            session.retire()
    finally:
        _CLEANED.set()


def _after_fork_in_child() -> None:
    global _LIVE_LOCK, _WAKE_READ, _WAKE_WRITE
    # The parent's lock may have been held by a thread that does not exist here.
    _LIVE_LOCK = threading.Lock()
    # The pipe is the parent's: the child's exit must not wake the parent's calls.
    for fd in (_WAKE_READ, _WAKE_WRITE):
        with contextlib.suppress(OSError):
            os.close(fd)
    _WAKE_READ, _WAKE_WRITE = _wake_pipe()
    for session in _live():
        session.forget_inherited()


atexit.register(_at_exit)
# libchrony's string buffer is shared by the whole process; hold its lock over
# the fork so a child never inherits it held by a thread it does not have.
os.register_at_fork(before=_STRING_LOCK.acquire, after_in_parent=_STRING_LOCK.release)
os.register_at_fork(after_in_child=_STRING_LOCK.release)
os.register_at_fork(after_in_child=_after_fork_in_child)
