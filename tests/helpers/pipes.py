"""Reading a child process's pipe with a deadline, so a silent child cannot hang a test."""

from __future__ import annotations

import os
import select
import time


def read_line(fd: int, deadline: float) -> str:
    """One line from the pipe ``fd``, or what came before ``deadline`` (monotonic) or EOF.

    An empty string means nothing came in time or the pipe closed.
    """
    # Byte by byte, straight from the pipe: nothing is read ahead of the line,
    # so select() never waits on data a buffer already holds, and the rest of
    # the output is still there for proc.stdout/stderr.read().
    line = bytearray()
    while not line.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        byte = os.read(fd, 1) if ready else b""
        if not byte:
            break
        line += byte
    return line.decode(errors="replace")
