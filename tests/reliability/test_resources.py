"""Thousands of connections and tens of thousands of queries leak nothing.

Three resources are counted before and after: this process's file descriptors
(``/proc/self/fd``), the files next to chronyd's socket (libchrony binds a
client socket file there for every Unix-socket session and must remove it),
and memory (resident set from ``/proc/self/statm``, Python allocations from
``tracemalloc``). Each is measured after a warm-up, so caches and allocator
pools filled on first use do not count as leaks.
"""

from __future__ import annotations

import gc
import os
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pychrony import ChronyConnection
from pychrony.sandbox import Sandbox
from tests.conftest import address_of

pytestmark = pytest.mark.reliability

PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class Usage:
    fds: int
    files: int
    rss: int
    traced: int

    @classmethod
    def now(cls, directory: Path) -> Usage:
        gc.collect()
        with open("/proc/self/statm") as statm:
            rss = int(statm.read().split()[1]) * PAGE
        traced = tracemalloc.get_traced_memory()[0] if tracemalloc.is_tracing() else 0
        return cls(len(os.listdir("/proc/self/fd")), len(os.listdir(directory)), rss, traced)


def _measure(
    box: Sandbox, step: Callable[[], None], count: int, warmup: int
) -> tuple[Usage, Usage, float]:
    """Run ``step`` ``warmup`` times, measure, run it ``count`` times, measure."""
    assert box.directory is not None
    for _ in range(warmup):
        step()
    before = Usage.now(box.directory)
    start = time.monotonic()
    for _ in range(count):
        step()
    elapsed = time.monotonic() - start
    return before, Usage.now(box.directory), elapsed


def _assert_flat(before: Usage, after: Usage, *, rss_slack: int, traced_slack: int) -> None:
    assert after.fds == before.fds, f"file descriptors leaked: {before} -> {after}"
    assert after.files == before.files, f"socket files left behind: {before} -> {after}"
    assert after.rss - before.rss <= rss_slack, f"resident memory grew: {before} -> {after}"
    assert after.traced - before.traced <= traced_slack, f"allocations grew: {before} -> {after}"


@pytest.fixture
def traced() -> object:
    tracemalloc.start()
    yield None
    tracemalloc.stop()


@pytest.mark.parametrize(("transport", "cycles"), [("unix", 2000), ("udp", 1000)])
def test_open_query_close_cycles_leak_nothing(
    sandbox: Sandbox, transport: str, cycles: int
) -> None:
    address = address_of(sandbox, transport)

    def cycle() -> None:
        with ChronyConnection(address) as conn:
            assert conn.get_tracking().stratum > 0

    before, after, _ = _measure(sandbox, cycle, cycles, warmup=50)
    # A leaked session is ~1 KiB of C memory plus a descriptor: 2000 of them
    # would show in both counts; 1 MiB absorbs allocator noise.
    _assert_flat(before, after, rss_slack=1 << 20, traced_slack=0)


def test_connections_dropped_without_close_are_finalized(sandbox: Sandbox) -> None:
    def dropped() -> None:
        conn = ChronyConnection(sandbox.socket_path).open()
        assert conn.get_tracking().stratum > 0
        # A reference cycle: only the garbage collector can free it, so the
        # session's finalizer (not refcounting alone) must release the socket.
        cycle: list[object] = [conn]
        cycle.append(cycle)

    before, after, _ = _measure(sandbox, dropped, 1000, warmup=20)
    _assert_flat(before, after, rss_slack=1 << 20, traced_slack=0)


def test_tens_of_thousands_of_queries_on_one_connection(sandbox: Sandbox, traced: object) -> None:
    with ChronyConnection(sandbox.socket_path) as conn:

        def query() -> None:
            conn.get_tracking()

        before, after, elapsed = _measure(sandbox, query, 20000, warmup=200)
    # tracemalloc sees every Python object pychrony makes; a per-query leak of
    # even 8 bytes would add 160 kB.
    _assert_flat(before, after, rss_slack=1 << 20, traced_slack=64 << 10)
    print(f"20000 get_tracking over the Unix socket: {elapsed:.2f} s")
