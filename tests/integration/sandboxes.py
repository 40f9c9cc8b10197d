"""A test module's own sandboxed chronyd, beside the session's ``sandbox`` fixture.

A module with its own sandbox may stop its daemon without stalling any
other test.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from pychrony.sandbox import Sandbox, SandboxError
from tests.conftest import missing


@contextmanager
def started(box: Sandbox) -> Iterator[Sandbox]:
    """Run ``box`` for the block, then stop it.

    A chronyd that cannot start is a missing tool (:func:`tests.conftest.missing`):
    a failure in CI, a skip naming what to install elsewhere.
    """
    try:
        box.start()
    except SandboxError as exc:
        missing(f"cannot start a sandboxed chronyd: {exc}")
        raise
    try:
        yield box
    finally:
        box.stop()


@contextmanager
def paused(box: Sandbox, watchdog: float) -> Iterator[None]:
    """``box``'s client chronyd stopped (``SIGSTOP``) for the block, resumed after it.

    A watchdog resumes it after ``watchdog`` seconds even if the block hangs.
    """
    _, pid = box.pids  # the server, then the client chronyd
    os.kill(pid, signal.SIGSTOP)
    timer = threading.Timer(watchdog, os.kill, (pid, signal.SIGCONT))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        os.kill(pid, signal.SIGCONT)
