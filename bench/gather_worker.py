"""The process the benchmark's gather rows measure: one ``gather_sync`` call per run.

Run as ``python bench/gather_worker.py MAX_CONNECTIONS``; the harness
(bench/scale.py) writes the addresses as one JSON line on stdin, waits for
``ready``, samples this process's descriptors and threads from outside (so
the sampling costs this process nothing), sends ``go`` and reads one JSON
line back: the wall time of the call and how many servers answered every
report. The process then waits for stdin to close, so its peak resident set
can still be read.
"""

from __future__ import annotations

import json
import os
import sys
import time

from pychrony import gather_sync


def _fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def main() -> int:
    """Run one gather when told; print its figures."""
    max_connections = int(sys.argv[1])
    reports = tuple(sys.argv[2].split(",")) if len(sys.argv) > 2 else ("tracking", "sources")
    addresses = json.loads(sys.stdin.readline())
    print(json.dumps({"ready": True, "fds": _fds()}), flush=True)
    sys.stdin.readline()  # "go"
    start = time.perf_counter()
    results = gather_sync(
        addresses, reports=reports, timeout=1.0, retries=2, max_connections=max_connections
    )
    wall = time.perf_counter() - start
    ok = sum(result.ok for result in results.values())
    errors = sorted({str(e) for r in results.values() for e in r.errors.values()})[:3]
    print(json.dumps({"wall": wall, "ok": ok, "errors": errors}), flush=True)
    sys.stdin.read()  # until the harness has read the peak resident set
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
