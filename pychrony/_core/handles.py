"""Python objects that own libchrony's C handles for :mod:`pychrony.client`.

libchrony hands out two raw handles: a socket file descriptor and a
``chrony_session *``. Used raw from Python both are dangerous: libchrony
dereferences a freed session (a segfault), and an fd closed by a socket object
and then by ``chrony_close_socket`` may close an unrelated file that reused
the number. The classes here make each handle released exactly once and
refuse use after release with a Python exception.
"""

from __future__ import annotations

import os
import socket
import threading
import warnings
import weakref
from typing import Any

from .. import _native
from .sockets import guard_socket

__all__ = ["ChronySession", "ChronySocket", "fd_lock", "socket_for_fd"]

# Live ChronySockets by fd, so a raw fd handed to chrony_close_socket closes
# the Python object that owns it instead of pulling the fd from under it.
_SOCKETS: weakref.WeakValueDictionary[int, ChronySocket] = weakref.WeakValueDictionary()
_SOCKETS_LOCK = threading.Lock()

# One lock per fd held from "poll says readable" to "recv done": two sessions
# on one socket must not both see a datagram and then one block in recv
# after the other consumed it.
_FD_LOCKS: dict[int, threading.Lock] = {}


def _after_fork_in_child() -> None:
    # Parent threads may have held these at the fork; they do not exist here.
    global _SOCKETS_LOCK, _FD_LOCKS
    _SOCKETS_LOCK = threading.Lock()
    _FD_LOCKS = {}


os.register_at_fork(after_in_child=_after_fork_in_child)


def fd_lock(fd: int) -> threading.Lock:
    """The lock serialising waits and receives on ``fd``."""
    with _SOCKETS_LOCK:
        return _FD_LOCKS.setdefault(fd, threading.Lock())


def socket_for_fd(fd: int) -> ChronySocket | None:
    """The open :class:`ChronySocket` that owns ``fd``, if any."""
    with _SOCKETS_LOCK:
        sock = _SOCKETS.get(fd)
    return sock if sock is not None and sock.fileno() == fd else None


class ChronySocket(socket.socket):
    """A socket opened by ``chrony_open_socket``, closed by ``chrony_close_socket``.

    An ordinary :class:`socket.socket` (``fileno()``, ``getsockname()``,
    ``with`` blocks) with kernel send and receive timeouts of 2 s (so neither
    of libchrony's blocking calls can hang), whose :meth:`close` hands the fd
    back to libchrony, which also removes the client-side Unix socket file
    (``libchrony.N`` beside chronyd's socket) it bound when opening. Closing
    is idempotent, and a socket dropped without closing is closed the same
    way (with a :class:`ResourceWarning`, like any socket). In a child
    process after ``fork()``, closing closes only the child's copy of the fd:
    the socket file belongs to the parent.

    Args:
        fd: a descriptor returned by libchrony's ``chrony_open_socket``; the
            object takes ownership of it.
    """

    def __init__(self, fd: int) -> None:
        super().__init__(fileno=fd)
        # Blocking as in C, but a stopped chronyd's full queue (or a datagram
        # taken by another reader of the fd) cannot block a call for long.
        guard_socket(fd, blocking=True)
        self._pid = os.getpid()
        with _SOCKETS_LOCK:
            _SOCKETS[fd] = self

    def close(self) -> None:
        """Close through libchrony (unlinking its Unix client socket file) once."""
        fd = self.detach()  # -1 once closed; marks the Python object closed
        if fd < 0:
            return
        with _SOCKETS_LOCK:
            if _SOCKETS.get(fd) is self:
                del _SOCKETS[fd]
        if self._pid != os.getpid():
            # Inherited over fork(): the client socket file is the parent's,
            # still in use there; close only this process's copy of the fd.
            os.close(fd)
            return
        _, lib = _native.load()
        lib.chrony_close_socket(fd)

    def __del__(self) -> None:
        # Replaces socket's own finaliser, which would close the fd without
        # removing libchrony's socket file.
        if self.fileno() >= 0:
            warnings.warn(f"unclosed {self!r}", ResourceWarning, stacklevel=2)
            self.close()


class ChronySession:
    """A libchrony session (``chrony_session *``) that knows whether it is alive.

    Created by :func:`pychrony.client.chrony_init_session`; not meant to be
    constructed directly. After :func:`~pychrony.client.chrony_deinit_session`
    every function refuses it with :class:`ValueError` (libchrony itself would
    read freed memory). A session dropped without deinit is freed by the
    garbage collector. Calls on one session from several threads are
    serialised, so a deinit cannot free it under a running call.

    The session keeps the socket object it was created from alive; like in C
    it does not close it.
    """

    def __init__(self, ptr: Any, fd: int, sock: socket.socket | None) -> None:
        ffi, lib = _native.load()
        if not isinstance(ptr, ffi.CData) or ffi.typeof(ptr) is not ffi.typeof("chrony_session *"):
            raise TypeError("ChronySession wraps a session from chrony_init_session only")
        if ptr == ffi.NULL:
            raise ValueError("ChronySession needs a session, not NULL")
        # ffi.gc frees a forgotten session; ffi.release runs it early, once.
        self._ptr: Any = ffi.gc(ptr, lib.chrony_deinit_session)
        self._fd = fd
        self._sock = sock
        self.lock = threading.RLock()

    @property
    def is_open(self) -> bool:
        """False once the session has been deinitialised."""
        return self._ptr is not None

    @property
    def fd(self) -> int:
        """The descriptor the session was created on."""
        return self._fd

    def pointer(self) -> Any:
        """The live ``chrony_session *``; call with :attr:`lock` held.

        Raises:
            ValueError: the session was deinitialised.
        """
        if self._ptr is None:
            raise ValueError(
                "the libchrony session was deinitialised (chrony_deinit_session); "
                "start a new one with chrony_init_session"
            )
        return self._ptr

    def check_socket(self) -> None:
        """Refuse network use once the socket object this session was made from is closed.

        Raises:
            ValueError: the socket was closed; its fd number may now belong
                to another file.
        """
        if self._sock is not None and self._sock.fileno() != self._fd:
            raise ValueError(
                f"the socket of this session (fd {self._fd}) was closed; "
                "open a new one and start a new session"
            )

    def deinit(self) -> None:
        """Free the C session now (idempotent)."""
        with self.lock:
            ptr, self._ptr = self._ptr, None
            self._sock = None
            if ptr is not None:
                ffi, _ = _native.load()
                ffi.release(ptr)

    def __repr__(self) -> str:
        state = f"fd={self._fd}" if self._ptr is not None else "deinitialised"
        return f"<ChronySession {state}>"
