"""Ctrl-C during a long wait for chronyd interrupts at once, and the connection lives on.

The blocking exchange waits in C (``poll()`` with the GIL released). A
signal must not wait for the deadline: on ``EINTR`` the C helper returns,
Python runs the handler, and a ``KeyboardInterrupt`` arrives while the
reply is still outstanding. The session is then closed, so the next call
on the same connection opens a fresh socket and works.

A fresh interpreter is blocked on a chronyd stopped by ``SIGSTOP`` (it
reads nothing, answers nothing) with a 7 s timeout, and is sent ``SIGINT``
by this test, or sends it to itself from another thread. Both sides read
``CLOCK_MONOTONIC``, which is one clock for the whole machine.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator

import pytest

from pychrony.sandbox import Sandbox
from tests.conftest import TRANSPORTS, address_of, paused, started
from tests.helpers.pipes import read_line

pytestmark = pytest.mark.reliability

# How soon the KeyboardInterrupt must arrive after the signal is sent.
PROMPT = 0.2
# The child's wait for a reply: far longer than PROMPT, and than the test's
# own slack, so only an interrupted wait ends in time.
TIMEOUT = 7.0
# Time the child is given to be inside the wait before the signal.
SETTLE = 0.3
# chronyd is resumed after this long whatever happens to the test.
WATCHDOG = 30.0

CHILD = textwrap.dedent(
    """
    import os, signal, sys, threading, time
    from pychrony import ChronyConnection

    address, sender = sys.argv[1], sys.argv[2]
    with ChronyConnection(address, timeout={timeout}, retries=0) as conn:
        conn.get_tracking()
        print("ready", flush=True)
        sys.stdin.readline()  # the parent has stopped chronyd
        if sender == "self":
            sent = []

            def interrupt() -> None:
                sent.append(time.monotonic())
                os.kill(os.getpid(), signal.SIGINT)

            threading.Timer({settle}, interrupt).start()
        print("waiting", flush=True)
        try:
            conn.get_tracking()
        except KeyboardInterrupt:
            arrived = time.monotonic()
            print("interrupted", arrived, sent[0] if sender == "self" else "-", flush=True)
        else:
            print("answered", flush=True)
        sys.stdin.readline()  # the parent has resumed chronyd
        print("stratum", conn.get_tracking().stratum, flush=True)
    """
).format(timeout=TIMEOUT, settle=SETTLE)


@pytest.fixture(scope="module")
def box(native: None) -> Iterator[Sandbox]:
    """A sandbox of this module's own, to stop and resume at will."""
    with started(Sandbox(sources=1, unreachable_sources=0, smoothing=False)) as sandbox:
        yield sandbox


def _line(proc: subprocess.Popen[str]) -> list[str]:
    assert proc.stdout is not None
    line = read_line(proc.stdout.fileno(), time.monotonic() + 30)
    assert line, f"the child died or went silent: {proc.communicate(timeout=10)}"
    return line.split()


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("sender", ["parent", "self"])
def test_ctrl_c_interrupts_a_long_wait_at_once(box: Sandbox, transport: str, sender: str) -> None:
    address = address_of(box, transport)
    assert address is not None
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, address, sender],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdin is not None
    assert _line(proc) == ["ready"]
    with paused(box, WATCHDOG):
        proc.stdin.write("\n")
        proc.stdin.flush()
        assert _line(proc) == ["waiting"]
        if sender == "parent":
            time.sleep(SETTLE)
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
        reply = _line(proc)
        assert reply[0] == "interrupted", reply
        if sender == "self":
            sent = float(reply[2])
        latency = float(reply[1]) - sent
        assert latency < PROMPT, f"KeyboardInterrupt {latency:.3f} s after SIGINT"
    # The same connection works again once chronyd answers.
    proc.stdin.write("\n")
    proc.stdin.flush()
    stratum = _line(proc)
    assert stratum[0] == "stratum", stratum
    assert int(stratum[1]) > 0, stratum
    assert proc.wait(timeout=10) == 0
