"""A user who may not use chronyd's Unix socket gets a clear permission error."""

from __future__ import annotations

import os
import pwd

import pytest

from pychrony import ChronyConnection, ChronyError, ChronyPermissionError
from pychrony._core.errors import PERMISSION_HINT
from pychrony.sandbox import Sandbox
from tests.conftest import missing

pytestmark = pytest.mark.reliability


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
            with ChronyConnection(socket_path, timeout=0.5, retries=1) as conn:
                conn.get_tracking()
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


def _uid_of(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                return int(line.split()[1])  # the real uid
    raise AssertionError(f"no Uid line for pid {pid}")


def test_unprivileged_user_gets_permission_error_with_hint(sandbox: Sandbox) -> None:
    if os.geteuid() != 0:
        missing("switching to an unprivileged user needs root")
    # The real setup: chronyd runs as root and its socket is root's, in a
    # directory chronyd insists others cannot enter (like /run/chrony).
    assert sandbox.directory is not None
    _, client_pid = sandbox.pids
    assert _uid_of(client_pid) == 0, "the sandboxed chronyd must run as root"
    assert os.stat(sandbox.socket_path).st_uid == 0
    assert os.stat(sandbox.directory).st_mode & 0o007 == 0
    outcome = _as_unprivileged_user(sandbox.socket_path)
    assert outcome.startswith("ChronyPermissionError: permission denied opening "), outcome
    assert sandbox.socket_path in outcome
    assert outcome.endswith(PERMISSION_HINT.api), outcome
    assert "UDP command port" in outcome
    assert 'ChronyConnection("127.0.0.1")' in outcome


def test_the_hint_is_right_the_udp_port_serves_the_unprivileged_user(sandbox: Sandbox) -> None:
    """What the hint advises works: the same user reads tracking over UDP."""
    if os.geteuid() != 0:
        missing("switching to an unprivileged user needs root")
    assert _as_unprivileged_user(sandbox.udp_address) == "connected"
