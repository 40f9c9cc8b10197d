"""A test module's own sandboxed chronyd, beside the session's ``sandbox`` fixture."""

from __future__ import annotations

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
