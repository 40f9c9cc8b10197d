"""What the benchmark's drivers (bench/run.py, bench/scale.py) share.

The sandboxes every row is measured against, how a child process the harness
talks to on stdin is ended, and the one reader of a process's
``/proc/PID/status`` figures.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import subprocess
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path

from pychrony.sandbox import Sandbox


@contextmanager
def sandboxes(counts: Sequence[int]) -> Iterator[dict[int, Sandbox]]:
    """One synchronised sandbox per source count, started in parallel."""
    with ExitStack() as stack:
        boxes = {n: Sandbox(sources=n, unreachable_sources=0, sync_timeout=90) for n in counts}
        for box in boxes.values():
            stack.callback(box.stop)
        with concurrent.futures.ThreadPoolExecutor(len(boxes)) as pool:
            for future in [pool.submit(box.start) for box in boxes.values()]:
                future.result()
        yield boxes


def proc_status(pid: int, key: str) -> int:
    """The number of ``key`` (``VmHWM``, ``Threads``...) in ``/proc/PID/status``; 0 if absent.

    Read from /proc rather than getrusage: Linux carries ``ru_maxrss`` over
    exec, so a child would report its parent's peak.
    """
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def end(proc: subprocess.Popen[str]) -> None:
    """Close ``proc``'s stdin, which tells it to exit; kill it if it has not within 10 s."""
    if proc.stdin is not None:
        with contextlib.suppress(BrokenPipeError):  # it died; its error is on stderr
            proc.stdin.close()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
