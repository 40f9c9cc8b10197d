"""fork() and interpreter exit never break a working process nor crash one.

- After ``fork()`` the parent and the child both keep working: the child
  drops the sessions it inherited without removing the parent's client
  socket file (libchrony's ``chrony_close_socket`` would) and opens its own
  on first use; a child that simply exits leaves the parent's socket alone.
- A process whose daemon threads (blocking calls, and an event loop) are
  inside calls when it exits neither
  crashes (the C session is freed only under its lock) nor leaves a client
  socket file in chronyd's directory.

Each scenario runs in a fresh interpreter, so its exit is the one under test.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox

pytestmark = pytest.mark.reliability

# Scenarios per test: each exit is a race, so one run proves little. The
# default keeps the suite's share around twenty seconds; the issue's
# acceptance run is PYCHRONY_EXIT_RUNS=200.
EXIT_RUNS = int(os.environ.get("PYCHRONY_EXIT_RUNS", "20"))
RUN_TIMEOUT = 30.0

_FORK = """
import os, sys
from pychrony import ChronyConnection
from pychrony import client as c

path, mode = sys.argv[1], sys.argv[2]
conn = ChronyConnection(path, timeout=0.5, retries=1)
conn.get_tracking()
sock = c.chrony_open_socket(path)
err, session = c.chrony_init_session(sock)
assert err == c.ChronyError.OK

def raw_call():
    assert c.chrony_request_report_number_records(session, "sources") == c.ChronyError.OK
    while c.chrony_needs_response(session):
        assert c.chrony_process_response(session, timeout=1.0) == c.ChronyError.OK
    return c.chrony_get_report_number_records(session)

raw_call()
if mode == "busy":
    # Threads inside calls on the same connections at the moment of the fork:
    # the child must not inherit their locks held.
    import threading
    def busy():
        while True:
            conn.get_sources()
    for _ in range(3):
        threading.Thread(target=busy, daemon=True).start()
pid = os.fork()
if pid == 0:
    if mode in ("calls", "busy"):
        # The child's own sessions: the typed one reopens, the C-mirror one is new.
        conn.get_tracking()
        conn.get_sources()
        s2 = c.chrony_open_socket(path)
        e2, sess2 = c.chrony_init_session(s2)
        assert e2 == c.ChronyError.OK
        c.chrony_deinit_session(sess2)
        c.chrony_close_socket(s2)
        c.chrony_close_socket(sock)  # the inherited one: closes only the child's fd
    sys.exit(0)  # normal exit: atexit and finalizers run in the child
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
# The parent's sessions still work, on their original sockets.
conn.get_tracking()
assert raw_call() >= 1
conn.close()
c.chrony_deinit_session(session)
c.chrony_close_socket(sock)
print("ok")
"""

_EXIT = """
import asyncio, sys, threading, time
from pychrony import AsyncChronyConnection, ChronyConnection, ChronyError

path = sys.argv[1]
shared = ChronyConnection(path, timeout=0.2, retries=1)

def loop(conn):
    while True:
        try:
            conn.get_sources()
        except ChronyError:
            pass

async def aloop():
    async with AsyncChronyConnection(path, timeout=0.2, retries=1) as conn:
        while True:
            try:
                await conn.get_sources()
            except ChronyError:
                await asyncio.sleep(0)

for i in range(6):
    threading.Thread(target=loop, args=(shared,), daemon=True).start()
    own = ChronyConnection(path, timeout=0.2, retries=1)
    threading.Thread(target=loop, args=(own,), daemon=True).start()
# An event loop in a daemon thread: its calls are inside libchrony too.
threading.Thread(target=asyncio.run, args=(aloop(),), daemon=True).start()
time.sleep(0.05 + 0.25 * (int(sys.argv[2]) % 20) / 20)
if sys.argv[3] == "raise":
    raise RuntimeError("an exception exit")
sys.exit(0)
"""


def _files(box: Sandbox) -> set[str]:
    assert box.directory is not None
    return set(os.listdir(box.directory))


def _leftovers(box: Sandbox, before: set[str]) -> set[str]:
    return _files(box) - before


def _run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script), *args],
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )


@pytest.mark.parametrize("mode", ["exits", "calls", "busy"])
def test_parent_and_child_both_keep_working_after_fork(sandbox: Sandbox, mode: str) -> None:
    before = _files(sandbox)
    done = _run(_FORK, sandbox.socket_path, mode)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
    assert _leftovers(sandbox, before) == set()


@pytest.mark.parametrize("how", ["exit", "raise"])
def test_exit_with_threads_inside_calls_never_crashes_nor_leaves_files(
    sandbox: Sandbox, how: str
) -> None:
    before = _files(sandbox)
    outcomes: dict[int, int] = {}
    for run in range(EXIT_RUNS):
        code = _run(_EXIT, sandbox.socket_path, str(run), how).returncode
        outcomes[code] = outcomes.get(code, 0) + 1
    crashes = {code: n for code, n in outcomes.items() if code < 0}
    assert not crashes, {signal.Signals(-c).name: n for c, n in crashes.items()}
    assert outcomes == {0 if how == "exit" else 1: EXIT_RUNS}, outcomes
    assert _leftovers(sandbox, before) == set()
    assert Path(sandbox.socket_path).exists()


_LAZY_AT_FORK = """
import os, sys
import pychrony
from pychrony import _lazy

lazy = {m for exports in _lazy._EVERY for m in exports.modules()}
assert lazy and not lazy <= set(sys.modules), "nothing left to load lazily"
pid = os.fork()
if pid == 0:
    missing = lazy - set(sys.modules)
    os._exit(0 if not missing else 3)
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, "the child lacks lazily loaded modules"
print(len(lazy))
"""


def test_no_lazy_import_is_in_flight_at_a_fork() -> None:
    # A thread importing a lazily loaded module at the moment of a fork would
    # leave the child that module's import lock held by nobody: the child's
    # first use of the name would wait forever. The fork hook imports them all
    # first, so every one is loaded in the child (the "busy" fork test above
    # hung about one run in twenty without it).
    done = _run(_LAZY_AT_FORK)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) >= 10
