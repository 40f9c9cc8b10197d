"""Standard output and error that may be closed, full or gone, without a traceback.

A command run by cron, a monitoring agent or ``| head`` may find its
standard output closed (``>&-``: Python then sets :data:`sys.stdout` to
None), full (``/dev/full``: ENOSPC) or abandoned by its reader (EPIPE).
Writing then raises :exc:`OSError`; :func:`prepare` makes the closed case
raise it too, and :func:`settle` makes sure the interpreter's own last flush
cannot fail after the command has already reported the problem (that flush
would print "Exception ignored" and turn the exit code into 120).
"""

from __future__ import annotations

import errno
import os
import sys
from typing import Any, TextIO

__all__ = [
    "ClosedStream",
    "OutputError",
    "prepare",
    "printable",
    "say",
    "settle",
    "stdout_broken",
    "write",
]


class OutputError(Exception):
    """Writing a command's output failed.

    Attributes:
        reason: the :exc:`OSError` the stream raised.
    """

    def __init__(self, reason: OSError) -> None:
        super().__init__(reason.strerror or str(reason))
        self.reason = reason


def write(stream: TextIO, text: str) -> None:
    """Write and flush ``text``.

    Raises:
        OutputError: the stream is closed, full, or its reader has gone.
    """
    try:
        stream.write(text)
        stream.flush()
    except OSError as exc:
        raise OutputError(exc) from exc


class ClosedStream:
    """Stands in for a standard stream the process was started without."""

    def write(self, text: str) -> int:
        """Refuse, as a write to a closed descriptor does.

        Raises:
            OSError: always, with ``EBADF``.
        """
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))

    def flush(self) -> None:
        """Nothing is buffered."""

    def isatty(self) -> bool:
        """Not a terminal."""
        return False

    def fileno(self) -> int:
        """There is no descriptor.

        Raises:
            OSError: always, with ``EBADF``.
        """
        raise OSError(errno.EBADF, os.strerror(errno.EBADF))


def prepare() -> None:
    """Replace a missing (closed) stdout or stderr with a :class:`ClosedStream`.

    The descriptor itself is left alone: libchrony may be handed that number
    for a socket, which must never be written to as output.
    """
    if sys.stdout is None:
        sys.stdout = ClosedStream()
    if sys.stderr is None:
        sys.stderr = ClosedStream()


def stdout_broken() -> bool:
    """Whether standard output can no longer take what was written to it."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        return True
    return isinstance(sys.stdout, ClosedStream)


def settle() -> None:
    """Make the interpreter's final flush of stdout harmless.

    When stdout cannot be flushed, what is still buffered is dropped by
    pointing its descriptor at :data:`os.devnull` (never done for a stdout the
    process was started without, whose number may now belong to a socket).
    """
    stream: Any = sys.stdout
    if isinstance(stream, ClosedStream):
        return
    try:
        stream.flush()
        return
    except (OSError, ValueError):
        pass
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
        stream.flush()
    except (OSError, ValueError, AttributeError):
        pass


def say(line: str) -> None:
    """Write one line to stderr if it can be written at all; never raises."""
    try:
        sys.stderr.write(line + "\n")
        sys.stderr.flush()
    except (OSError, ValueError, AttributeError):
        pass


def printable(text: str) -> str:
    r"""``text`` with every control character escaped, so it stays on one line.

    Line breaks, tabs, escape sequences and the like (anything
    :meth:`str.isprintable` refuses) become their Python escapes (``\n``,
    ``\x1b``); printable characters, accented letters included, are kept.
    """
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
