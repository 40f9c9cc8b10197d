"""The benchmark's scale rows: gather over many servers, and a 64-source scrape.

Part of ``make bench`` (bench/run.py calls :func:`measure` with its
sandboxes) and runnable alone, ``python bench/scale.py [--quick]``, which
starts the two sandboxes it needs and writes ``build/bench/scale.md``.

* **gather**: ``pychrony.gather_sync`` of tracking and sources over 1, 10,
  100 and 1000 UDP servers, each a port of one
  :class:`tests.helpers.replay.ReplayResponder` (its own process) replaying
  the 8-source sandbox's replies. Each run is a fresh process
  (bench/gather_worker.py) watched from outside: the call's wall time, the
  most descriptors and threads it held (sampled every millisecond from
  ``/proc``), and its peak resident set.
* **scrape**: ``pychrony exporter`` with every ``--collector.NAME`` on,
  reading the 64-source sandbox over its Unix socket; the time of each
  ``GET /metrics`` over one kept-alive HTTP connection.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import select
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from harness import end, proc_status, sandboxes  # noqa: E402

from pychrony import ChronyConnection  # noqa: E402
from pychrony.fleet import DEFAULT_MAX_CONNECTIONS  # noqa: E402
from pychrony.models.catalog import REPORTS  # noqa: E402
from pychrony.sandbox import Sandbox  # noqa: E402
from tests.helpers import exporter_process  # noqa: E402

GATHER_COUNTS = (1, 10, 100, 1000)
GATHER_SOURCES = 8  # the replayed server's sources: a typical chronyd's handful
SCRAPE_SOURCES = 64
# Descriptors a gather holds besides its connections': asyncio's epoll and self-pipe.
LOOP_FDS = 3
GATHER_TARGET_S = 2.0
SCRAPE_TARGET_MS = 5.0


@dataclass
class GatherRow:
    """One server count's runs."""

    servers: int
    max_connections: int
    walls: list[float] = field(default_factory=list)
    base_fds: int = 0
    peak_fds: int = 0
    peak_threads: int = 0
    rss_kib: int = 0
    ok: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def wall_ms(self) -> float:
        """Median wall time of one gather, in milliseconds."""
        return statistics.median(self.walls) * 1000

    @property
    def fd_ceiling(self) -> int:
        """The most descriptors the gather may add: two per connection, plus the loop's."""
        return 2 * self.max_connections + LOOP_FDS


@dataclass
class Scrapes:
    """Every timed scrape of the exporter."""

    times_ms: list[float]
    bytes: int
    series: int
    read_ms: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> float:
        """Median milliseconds per scrape."""
        return statistics.median(self.times_ms)

    @property
    def p95_ms(self) -> float:
        """95th percentile of milliseconds per scrape."""
        return statistics.quantiles(self.times_ms, n=20, method="inclusive")[-1]


# -- gather ----------------------------------------------------------------------


@contextlib.contextmanager
def replayer(upstream: str, ports: int) -> Iterator[list[str]]:
    """A ReplayResponder process with ``ports`` ports replaying ``upstream``; its addresses."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.helpers.replay", upstream, str(ports)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the replay responder did not start")
        yield json.loads(line)
    finally:
        end(proc)


def gather_once(addresses: Sequence[str], max_connections: int, row: GatherRow) -> None:
    """One gather in a fresh worker process, watched from here; adds its figures to ``row``."""
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "gather_worker.py"), str(max_connections)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    assert proc.stdin is not None
    assert proc.stdout is not None
    try:
        proc.stdin.write(json.dumps(list(addresses)) + "\n")
        proc.stdin.flush()
        ready = json.loads(proc.stdout.readline())
        fd_dir = f"/proc/{proc.pid}/fd"
        peak_fds, peak_threads = 0, 0
        proc.stdin.write("go\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            peak_fds = max(peak_fds, len(os.listdir(fd_dir)))
            peak_threads = max(peak_threads, proc_status(proc.pid, "Threads"))
            if select.select([proc.stdout], [], [], 0.001)[0]:
                break
        done = json.loads(proc.stdout.readline())
        row.rss_kib = max(row.rss_kib, proc_status(proc.pid, "VmHWM"))
    finally:
        end(proc)
    row.walls.append(done["wall"])
    row.base_fds = max(row.base_fds, ready["fds"])
    row.peak_fds = max(row.peak_fds, peak_fds)
    row.peak_threads = max(row.peak_threads, peak_threads)
    row.ok = done["ok"]
    row.errors = done["errors"]


def measure_gather(
    upstream: str, runs: int, max_connections: int = DEFAULT_MAX_CONNECTIONS
) -> list[GatherRow]:
    """Every server count of :data:`GATHER_COUNTS`, ``runs`` times, interleaved."""
    rows = [GatherRow(n, max_connections) for n in GATHER_COUNTS]
    with replayer(upstream, max(GATHER_COUNTS)) as addresses:
        gather_once(addresses[:1], max_connections, GatherRow(1, max_connections))  # record
        for _ in range(runs):
            for row in rows:
                gather_once(addresses[: row.servers], max_connections, row)
    return rows


# -- the exporter ----------------------------------------------------------------


def every_collector() -> list[str]:
    """``--collector.NAME`` for every report the exporter can collect."""
    return [f"--collector.{spec.name}" for spec in REPORTS]


def measure_scrapes(address: str, scrapes: int) -> Scrapes:
    """Time ``scrapes`` scrapes of an exporter reading ``address`` with every collector on."""
    read_ms = []
    with ChronyConnection(address) as direct:
        for _ in range(max(10, scrapes // 4)):
            start = time.perf_counter()
            for spec in REPORTS:
                getattr(direct, spec.method)()
            read_ms.append((time.perf_counter() - start) * 1000)
    with exporter_process.running(address, *every_collector()) as exporter:
        conn = http.client.HTTPConnection("127.0.0.1", exporter.port, timeout=30)
        try:
            body = b""
            for _ in range(3):  # warm up: imports, the first reads, the DNS cache
                conn.request("GET", "/metrics")
                body = conn.getresponse().read()
            times = []
            for _ in range(scrapes):
                start = time.perf_counter()
                conn.request("GET", "/metrics")
                reply = conn.getresponse()
                body = reply.read()
                times.append((time.perf_counter() - start) * 1000)
                if reply.status != 200:
                    raise RuntimeError(f"scrape answered {reply.status}: {body[:200]!r}")
        finally:
            conn.close()
    series = sum(1 for line in body.splitlines() if line and not line.startswith(b"#"))
    return Scrapes(times, len(body), series, read_ms)


# -- reporting -------------------------------------------------------------------


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def gather_table(rows: Sequence[GatherRow]) -> list[str]:
    """The gather rows as Markdown."""
    lines = [
        "| servers | max_connections | wall ms (median) | runs | answered | "
        "fds before | peak fds | peak threads | peak RSS MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        lines.append(
            f"| {row.servers} | {row.max_connections} | {row.wall_ms:,.1f} | {len(row.walls)} | "
            f"{row.ok}/{row.servers} | {row.base_fds} | {row.peak_fds} | {row.peak_threads} | "
            f"{row.rss_kib / 1024:.1f} |"
        )
    return lines


def targets(rows: Sequence[GatherRow], scrapes: Scrapes | None) -> list[str]:
    """Issue 19's scale targets against this run's figures."""
    lines = []

    def check(label: str, value: str, ok: bool) -> None:
        lines.append(f"- {'met' if ok else 'MISSED'}: {label}: {value}")

    for row in rows:
        if row.servers != max(GATHER_COUNTS):
            continue
        check(
            f"gather of tracking and sources from {row.servers} UDP servers under "
            f"{GATHER_TARGET_S:g} s",
            f"{row.wall_ms / 1000:.2f} s ({row.ok}/{row.servers} answered)",
            row.wall_ms / 1000 < GATHER_TARGET_S and row.ok == row.servers,
        )
        added = row.peak_fds - row.base_fds
        check(
            f"never more than max_connections={row.max_connections} connections open "
            f"(2 fds each, {LOOP_FDS} for the loop)",
            f"at most {added} more fds (ceiling {row.fd_ceiling})",
            added <= row.fd_ceiling,
        )
    if scrapes is not None:
        check(
            f"a {SCRAPE_SOURCES}-source scrape with every collector on under "
            f"{SCRAPE_TARGET_MS:g} ms",
            f"median {scrapes.median_ms:.1f} ms, p95 {scrapes.p95_ms:.1f} ms",
            scrapes.median_ms < SCRAPE_TARGET_MS,
        )
    return lines


def section(rows: Sequence[GatherRow], scrapes: Scrapes | None, load: Mapping[str, str]) -> str:
    """The scale rows as a Markdown section."""
    lines = [
        "## Many servers: gather",
        "",
        f"`gather_sync(addresses, reports=('tracking', 'sources'))` over UDP servers that "
        f"replay a {GATHER_SOURCES}-source chronyd's replies (tests/helpers/replay.py, one "
        "process for every port); a fresh process per run, watched from outside "
        f"(descriptors and threads sampled every millisecond). Load average: {load['gather']}.",
        "",
        *gather_table(rows),
        "",
    ]
    if scrapes is not None:
        lines += [
            f"## Exporter scrape, {SCRAPE_SOURCES} sources, every collector on",
            "",
            f"`pychrony exporter {' '.join(every_collector())}` over the Unix socket; "
            f"{len(scrapes.times_ms)} scrapes on one kept-alive connection. "
            f"Load average: {load['scrape']}.",
            "",
            "| median ms | p95 ms | fastest ms | slowest ms | series | bytes | reading alone ms |",
            "|---:|---:|---:|---:|---:|---:|---:|",
            f"| {scrapes.median_ms:.2f} | {scrapes.p95_ms:.2f} | {min(scrapes.times_ms):.2f} | "
            f"{max(scrapes.times_ms):.2f} | {scrapes.series} | {scrapes.bytes:,} | "
            f"{statistics.median(scrapes.read_ms):.2f} |",
            "",
            "Reading alone: the same ten reports through one `ChronyConnection` in the "
            "harness, no metrics built (median); the rest of a scrape is building the "
            "metric families and their text.",
            "",
        ]
    lines += ["## Scale targets (issue 19)", "", *targets(rows, scrapes), ""]
    return "\n".join(lines)


def measure(boxes: Mapping[int, Sandbox], quick: bool) -> str:
    """The scale section for the sandboxes of a benchmark run (keyed by source count)."""
    gather_box = boxes.get(GATHER_SOURCES) or boxes[min(boxes)]
    load: dict[str, str] = {}
    print(f"gather over {', '.join(map(str, GATHER_COUNTS))} replayed servers ...", flush=True)
    load["gather"] = _load()
    rows = measure_gather(gather_box.udp_address, runs=3 if quick else 7)
    scrapes = None
    scrape_box = boxes.get(SCRAPE_SOURCES)
    if scrape_box is not None:
        print(f"exporter scrapes with {SCRAPE_SOURCES} sources ...", flush=True)
        load["scrape"] = _load()
        scrapes = measure_scrapes(scrape_box.socket_path, 30 if quick else 200)
    return section(rows, scrapes, load)


def main(argv: Sequence[str] | None = None) -> int:
    """Start the two sandboxes, measure, write build/bench/scale.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer runs and scrapes")
    parser.add_argument("--results", type=Path, default=ROOT / "build" / "bench" / "scale.md")
    args = parser.parse_args(argv)
    with sandboxes((GATHER_SOURCES, SCRAPE_SOURCES)) as boxes:
        text = measure(boxes, args.quick)
    print(text)
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(text)
    print(f"results: {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
