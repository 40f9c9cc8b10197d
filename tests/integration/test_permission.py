"""A user who may not use chronyd's Unix socket gets a clear permission error."""

from __future__ import annotations

import os
import pwd

import pytest

from pychrony import ChronyConnection, ChronyError, ChronyPermissionError
from pychrony.sandbox import Sandbox


def _as_unprivileged_user(socket_path: str) -> str:
    """Try to connect from a forked child running as ``nobody``; return the outcome."""
    nobody = pwd.getpwnam("nobody")
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: drop root, try, report, exit without cleanup
        outcome = "connected"
        try:
            os.setgroups([])
            os.setgid(nobody.pw_gid)
            os.setuid(nobody.pw_uid)
            ChronyConnection(socket_path).open()
        except ChronyPermissionError as exc:
            outcome = f"ChronyPermissionError: {exc}"
        except ChronyError as exc:
            outcome = f"{type(exc).__name__}: {exc}"
        except BaseException as exc:  # reported to the parent
            outcome = f"unexpected {type(exc).__name__}: {exc}"
        os.write(write_end, outcome.encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        outcome = pipe.read().decode()
    os.waitpid(pid, 0)
    return outcome


def test_unprivileged_user_gets_permission_error_with_hint(sandbox: Sandbox) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root to switch to an unprivileged user")
    outcome = _as_unprivileged_user(sandbox.socket_path)
    assert outcome.startswith("ChronyPermissionError: permission denied"), outcome
    assert "UDP command port" in outcome
    assert 'ChronyConnection("127.0.0.1")' in outcome
