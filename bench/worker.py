"""A benchmark contender process: whichever pychrony its interpreter imports.

Run as ``PYTHON bench/worker.py ADDRESS``; the harness (bench/run.py) starts it
with this project's venv (pychrony 3) or with bench/.venv-v2 (pychrony 2.0.3
from PyPI), so both are timed by the same loop. It speaks the same line
protocol as bench/c_floor.c: for each ``WORKLOAD COUNT`` line on stdin it runs
the workload COUNT times on one open connection and prints the per-call
durations in nanoseconds on one line. ``async-tracking`` times
``AsyncChronyConnection.get_tracking()`` on an event loop the process keeps
(each await timed on the loop; pychrony 2.0.3 has no asyncio connection, and
the harness asks it only of this version). ``mem WORKLOAD`` prints the bytes
Python allocated at peak during one call (tracemalloc); ``version 0`` prints
pychrony's version.

This file imports nothing from the project, so the interpreter's own pychrony
is the one measured.
"""

from __future__ import annotations

import asyncio
import sys
import time
import tracemalloc
from collections.abc import Callable

from pychrony import ChronyConnection, __version__


def _workloads(conn: ChronyConnection) -> dict[str, Callable[[], object]]:
    def status() -> object:
        # What a monitoring check reads: the clock, then every source's state
        # and statistics, on one connection.
        return (conn.get_tracking(), conn.get_sources(), conn.get_source_stats())

    return {"tracking": conn.get_tracking, "sources": conn.get_sources, "status": status}


def _async_timer(address: str) -> Callable[[int], list[int]] | None:
    """Per-await nanoseconds of ``get_tracking()`` on an asyncio connection; None in 2.0.3."""
    try:
        from pychrony import AsyncChronyConnection
    except ImportError:
        return None
    loop = asyncio.new_event_loop()
    conn = loop.run_until_complete(AsyncChronyConnection(address).open())
    clock = time.perf_counter_ns

    async def batch(count: int) -> list[int]:
        times = []
        for _ in range(count):
            start = clock()
            await conn.get_tracking()
            times.append(clock() - start)
        return times

    return lambda count: loop.run_until_complete(batch(count))


def main() -> int:
    """Serve timing requests on stdin until it closes."""
    address = sys.argv[1]
    clock = time.perf_counter_ns
    # Only the address: pychrony 2.0.3 takes no timeout or retries.
    with ChronyConnection(address) as conn:
        workloads = _workloads(conn)
        async_timer = _async_timer(address)
        out = sys.stdout
        for line in sys.stdin:
            name, arg = line.split()
            if name == "version":
                out.write(f"{__version__}\n")
            elif name == "mem":
                call = workloads[arg]
                call()
                tracemalloc.start()
                call()
                peak = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
                out.write(f"{peak}\n")
            elif name == "async-tracking" and async_timer is not None:
                out.write(" ".join(map(str, async_timer(int(arg)))) + "\n")
            else:
                call = workloads[name]
                times = []
                for _ in range(int(arg)):
                    start = clock()
                    call()
                    times.append(clock() - start)
                out.write(" ".join(map(str, times)) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
