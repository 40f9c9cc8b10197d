"""Exit codes of the ``pychrony`` command, in one place (see :mod:`pychrony.cli`)."""

from __future__ import annotations

from enum import IntEnum

__all__ = ["EPILOG", "ExitCode"]


class ExitCode(IntEnum):
    """What ``pychrony`` returns to its shell.

    Attributes:
        OK: success.
        FAILED: chronyd could not be queried (at least one server, with ``-a``
            repeated).
        USAGE: bad command line.
        MISSING: libchrony or an optional dependency is not installed.
        OUTPUT_FAILED: standard output cannot be written (closed when the
            command started, or full: ENOSPC); ``EX_IOERR`` of sysexits.h.
        INTERRUPTED: Ctrl-C (128 + SIGINT).
        CLOSED_OUTPUT: standard output closed early (128 + SIGPIPE).
    """

    OK = 0
    FAILED = 1
    USAGE = 2
    MISSING = 3
    OUTPUT_FAILED = 74
    INTERRUPTED = 130
    CLOSED_OUTPUT = 141


EPILOG = """\
exit codes:
  0    success
  1    chronyd could not be queried (with several -a: at least one failed)
  2    bad usage
  3    libchrony or an optional extra is missing
  74   standard output cannot be written (closed, or full)
  130  interrupted (Ctrl-C)
  141  standard output closed early
  `pychrony check` uses the monitoring plugin codes instead:
  0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
"""
