"""Shared fixtures: a real sandboxed chronyd pair on loopback.

Locally, a machine without chronyd or the compiled binding skips the tests
that need them, saying what to install. In CI (``CI`` set) that is a failure:
the suite never skips silently there.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import pytest

from pychrony import ChronyLibraryError
from pychrony._native import load
from pychrony.sandbox import Sandbox, SandboxError

SETUP_HINT = "run `make test` (scripts/setup provisions libchrony and chronyd)"

# How a test reaches a sandbox's client chronyd: its Unix socket or its UDP command port.
TRANSPORTS = ("unix", "udp")


def missing(what: str) -> NoReturn:
    """Fail in CI, skip elsewhere, naming what to install."""
    message = f"{what}; {SETUP_HINT}"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def native() -> None:
    """The compiled binding is importable and libchrony loads."""
    try:
        load()
    except ChronyLibraryError as exc:
        missing(str(exc))


@contextmanager
def started(box: Sandbox, what: str = "a sandboxed chronyd") -> Iterator[Sandbox]:
    """Run ``box`` for the block, then stop it.

    A sandbox that cannot start is :func:`missing` (``what`` names it in the
    message): a failure in CI, a skip naming what to install elsewhere.
    """
    try:
        box.start()
    except SandboxError as exc:
        missing(f"cannot start {what}: {exc}")
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


@pytest.fixture(scope="session")
def sandbox(native: None) -> Iterator[Sandbox]:
    """A synchronised client chronyd with 3 reachable sources and 1 unreachable."""
    with started(Sandbox(sources=3, unreachable_sources=1)) as box:
        yield box


def address_of(box: Sandbox, transport: str) -> str:
    """The sandbox's client command address over ``transport`` (one of TRANSPORTS)."""
    return box.socket_path if transport == "unix" else box.udp_address


@pytest.fixture(params=TRANSPORTS)
def address(request: pytest.FixtureRequest, sandbox: Sandbox) -> str:
    """The sandbox's command address over each transport in turn."""
    return address_of(sandbox, request.param)
