"""Shared fixtures: a real sandboxed chronyd pair on loopback.

Locally, a machine without chronyd or the compiled binding skips the tests
that need them, saying what to install. In CI (``CI`` set) that is a failure:
the suite never skips silently there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
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


def sandboxed(box: Sandbox, what: str = "a sandboxed chronyd") -> Iterator[Sandbox]:
    """Start ``box``, yield it, then stop it: the body of a sandbox fixture.

    A fixture says ``yield from sandboxed(Sandbox(...))``. A sandbox that
    cannot start is :func:`missing` (``what`` names it in the message).
    """
    try:
        box.start()
    except SandboxError as exc:
        missing(f"cannot start {what}: {exc}")
    yield box
    box.stop()


@pytest.fixture(scope="session")
def sandbox(native: None) -> Iterator[Sandbox]:
    """A synchronised client chronyd with 3 reachable sources and 1 unreachable."""
    yield from sandboxed(Sandbox(sources=3, unreachable_sources=1))


def address_of(box: Sandbox, transport: str) -> str:
    """The sandbox's client command address over ``transport`` (one of TRANSPORTS)."""
    return box.socket_path if transport == "unix" else box.udp_address


@pytest.fixture(params=TRANSPORTS)
def address(request: pytest.FixtureRequest, sandbox: Sandbox) -> str:
    """The sandbox's command address over each transport in turn."""
    return address_of(sandbox, request.param)
