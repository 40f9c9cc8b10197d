"""How every socket libchrony opens is guarded before its first send.

libchrony's sockets are blocking, and libchrony has no deadline of its own.
A chronyd that is stopped or hung stops reading its Unix socket; once
``net.unix.max_dgram_qlen`` datagrams (10 by default, from all clients
together) are queued there, a blocking ``send()`` waits until chronyd runs
again, far past any budget, and in asyncio it freezes the whole event loop.
A blocking ``recv()`` after a datagram was taken by another reader of the
same fd would wait just as long.

So each layer guards a socket right after ``chrony_open_socket``, through
:func:`guard_socket`:

- the core session (typed, generic and asyncio layers) makes it
  non-blocking: a full queue then fails the send at once with ``EAGAIN``,
  which the session treats as a lost attempt (wait, resend, within the
  budget);
- the C-mirror layer (:mod:`pychrony.client`) keeps C's blocking socket, as
  a program ported from C expects, with kernel send and receive timeouts
  (:data:`KERNEL_TIMEOUT`) so neither call can block for long.
"""

from __future__ import annotations

import contextlib
import os
import socket
import struct

__all__ = ["KERNEL_TIMEOUT", "guard_socket", "remove_client_socket_file"]

#: Seconds a blocking C-mirror socket may block in one send or receive.
KERNEL_TIMEOUT = 2


def guard_socket(fd: int, *, blocking: bool) -> None:
    """Make sure no send or receive on ``fd`` can block past a deadline.

    Args:
        fd: a descriptor from ``chrony_open_socket`` (either transport).
        blocking: keep the socket blocking, bounded by :data:`KERNEL_TIMEOUT`
            (the C-mirror layer); otherwise make it non-blocking.

    Raises:
        OSError: the descriptor refused the option (it is not a socket).
    """
    if not blocking:
        os.set_blocking(fd, False)
        return
    timeval = struct.pack("@ll", KERNEL_TIMEOUT, 0)
    # A borrowed socket object, detached afterwards: it must not close the fd.
    sock = socket.socket(fileno=fd)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, timeval)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, timeval)
    finally:
        sock.detach()


def remove_client_socket_file(fd: int) -> None:
    """Remove the client socket file libchrony bound for ``fd``, leaving the fd open.

    libchrony binds each Unix-socket client to ``DIR/libchrony.XXXX/YYYY/sock``
    beside chronyd's socket, and only ``chrony_close_socket`` removes it. When
    the socket cannot be closed (at exit, a call is still using it), this
    removes the file and its two directories the same way, so nothing is left
    in chronyd's directory; the socket itself stays usable for sending, and
    closes with the process. A UDP socket, or one whose file is already gone,
    is left alone.
    """
    sock = socket.socket(fileno=fd)
    try:
        name = sock.getsockname()
    except OSError:
        return
    finally:
        sock.detach()
    if sock.family != socket.AF_UNIX or not isinstance(name, str) or not name.startswith("/"):
        return
    try:
        os.unlink(name)
    except OSError:
        return
    directory = name
    with contextlib.suppress(OSError):
        for _ in range(2):  # YYYY, then libchrony.XXXX
            directory = os.path.dirname(directory)
            os.rmdir(directory)
