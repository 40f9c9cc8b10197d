"""pychrony's benchmark: latency against the C floor, side by side, in one run.

Run it with ``make bench`` (or ``.venv/bin/python bench/run.py [--quick]``);
bench/README.md explains every figure. It starts sandboxed chronyd daemons
with 1, 8 and 64 loopback sources and times, over the Unix socket and UDP:

* ``c``: bench/c_floor.c, the same loop straight on libchrony (the floor);
* ``pychrony``: this checkout (``get_tracking()``, ``get_sources()``, a
  status: tracking + sources + sourcestats on one connection, and
  ``AsyncChronyConnection.get_tracking()`` on an event loop);
* ``v2``: pychrony 2.0.3 from PyPI in bench/.venv-v2 (created on first run);
* ``chronyc``: ``chronyc -c tracking`` as a subprocess per call.

bench/scale.py adds the scale rows: ``gather`` over 1 to 1000 servers and a
64-source exporter scrape with every collector on (``--no-scale`` skips them).

Every contender is a long-lived process answering "run WORKLOAD COUNT times"
requests; the harness walks all of them in turn, a small batch each, for many
rounds, so load from other processes on the machine hits all of them alike.
Figures are medians. Results go to build/bench/ (results.md and a PNG chart),
outside the tracked tree; ``--update`` writes them over the committed copy
that the docs show instead (bench/results.md, docs/_static/).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
V2_VENV = HERE / ".venv-v2"
V2_VERSION = "2.0.3"
# Where a run writes, unless --update: ignored by git (build/).
OUTPUT = ROOT / "build" / "bench"
# The committed copy the performance page shows (--update).
RESULTS = HERE / "results.md"
CHART = ROOT / "docs" / "_static" / "benchmark-latency.png"
SOURCE_COUNTS = (1, 8, 64)
TRANSPORTS = ("unix", "udp")
WORKLOADS = ("tracking", "sources", "status", "async-tracking")
# Workloads only this version runs; their floor is C's run of another workload.
FLOOR_OF = {"async-tracking": "tracking"}

sys.path.insert(0, str(ROOT))

from harness import end, proc_status, sandboxes  # noqa: E402
from scale import measure as measure_scale  # noqa: E402

from pychrony.sandbox import Sandbox, find_chrony_binary  # noqa: E402

# -- contenders ----------------------------------------------------------------


class Worker:
    """A contender process speaking the line protocol of c_floor.c / worker.py."""

    def __init__(self, argv: Sequence[str], cwd: Path | None = None) -> None:
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
            cwd=cwd,
        )

    def ask(self, command: str) -> str:
        """Send one command line; return the reply line."""
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        reply = self.proc.stdout.readline()
        if not reply:
            raise RuntimeError(f"{shlex.join(self.argv)} died on {command!r}")
        return reply.strip()

    def run(self, workload: str, count: int) -> list[int]:
        """Per-call nanoseconds of ``count`` calls of ``workload``."""
        return [int(t) for t in self.ask(f"{workload} {count}").split()]

    def peak_rss_kib(self) -> int:
        """The process's peak resident set so far (VmHWM, KiB)."""
        return proc_status(self.proc.pid, "VmHWM")

    def close(self) -> None:
        """Let the process finish its connection and exit."""
        end(self.proc)


class ChronycContender:
    """``chronyc -c tracking``, one subprocess per call, timed from here."""

    def __init__(self, address: str) -> None:
        chronyc = find_chrony_binary("chronyc")
        if address.startswith("/"):
            target = ["-h", address]
        else:
            host, port = address.rsplit(":", 1)
            target = ["-h", host, "-p", port]
        self.argv = [chronyc, "-n", "-c", *target, "tracking"]

    def run(self, workload: str, count: int) -> list[int]:
        """Per-call nanoseconds of ``count`` chronyc runs (tracking only)."""
        assert workload == "tracking"
        times = []
        for _ in range(count):
            start = time.perf_counter_ns()
            subprocess.run(self.argv, stdout=subprocess.DEVNULL, check=True)
            times.append(time.perf_counter_ns() - start)
        return times

    def close(self) -> None:
        """Nothing is kept open."""


def build_c_floor(out_dir: Path) -> Path:
    """Compile bench/c_floor.c against the libchrony the extension uses."""
    import build_ffi  # the project's one libchrony lookup

    cfg = build_ffi.find_libchrony()
    exe = out_dir / "c_floor"
    cmd = [*build_ffi._compiler(), "-O2", "-o", str(exe), str(HERE / "c_floor.c")]
    if cfg.header is None:
        cmd += ["-DPYCHRONY_DECL", f"-I{ROOT / 'decl'}"]
    cmd += [f"-I{d}" for d in cfg.include_dirs] + cfg.extra_compile_args
    cmd += [f"-L{d}" for d in cfg.library_dirs]
    cmd += [f"-Wl,-rpath,{d}" for d in cfg.runtime_library_dirs]
    cmd += [f"-l{lib}" for lib in cfg.libraries]
    subprocess.run(cmd, check=True)
    return exe


def ensure_v2_venv() -> Path | None:
    """bench/.venv-v2 with pychrony 2.0.3 from PyPI; None when it cannot be made."""
    python = V2_VENV / "bin" / "python"
    probe = [str(python), "-c", f"import pychrony; assert pychrony.__version__ == '{V2_VERSION}'"]
    # From bench/: in the checkout's root, "import pychrony" finds this version.
    if python.exists() and subprocess.run(probe, capture_output=True, cwd=HERE).returncode == 0:
        return python
    print(f"creating {V2_VENV} with pychrony=={V2_VERSION} from PyPI ...")
    env = dict(os.environ)
    prefix = subprocess.run(
        [str(ROOT / "scripts" / "provision"), "--print-prefix"], capture_output=True, text=True
    ).stdout.strip()
    if prefix:
        pc = f"{prefix}/lib/pkgconfig"
        env["PKG_CONFIG_PATH"] = (
            f"{pc}:{env['PKG_CONFIG_PATH']}" if "PKG_CONFIG_PATH" in env else pc
        )
    steps = [
        [sys.executable, "-m", "venv", str(V2_VENV)],
        [str(python), "-m", "pip", "install", "-q", f"pychrony=={V2_VERSION}"],
    ]
    for step in steps:
        if subprocess.run(step, env=env, capture_output=True).returncode != 0:
            print(f"  could not create it ({shlex.join(step)} failed); v2 is left out")
            return None
    return python


# -- measuring -----------------------------------------------------------------


@dataclass
class Cell:
    """One measured combination and its samples (nanoseconds per call)."""

    contender: str
    workload: str
    transport: str
    sources: int
    batch: int
    samples: list[int] = field(default_factory=list)

    @property
    def median_us(self) -> float:
        """Median microseconds per call."""
        return statistics.median(self.samples) / 1000


def batch_size(workload: str, sources: int, contender: str) -> int:
    """Calls per turn: about the same wall time per turn whatever the workload."""
    if contender == "chronyc":
        return 1
    exchanges = {"tracking": 1, "sources": sources + 1, "status": 2 * sources + 3}[
        FLOOR_OF.get(workload, workload)
    ]
    return max(1, 24 // exchanges)


@contextmanager
def pinned(cpu: int | None, boxes: dict[int, Sandbox]) -> Iterator[None]:
    """Run the block with this process, its children to come and every daemon on ``cpu``.

    None leaves placement to the scheduler. Afterwards every process may run
    anywhere again (the scale rows need every CPU).
    """
    if cpu is None:
        yield
        return
    every = os.sched_getaffinity(0)
    daemons = [pid for box in boxes.values() for pid in box.pids]
    for pid in (0, *daemons):
        os.sched_setaffinity(pid, {cpu})
    try:
        yield
    finally:
        for pid in (0, *daemons):
            with contextlib.suppress(ProcessLookupError):
                os.sched_setaffinity(pid, every)


def measure(
    boxes: dict[int, Sandbox], c_floor: Path, v2_python: Path | None, rounds: int
) -> tuple[list[Cell], dict[str, str]]:
    """Interleave every contender over every (sources, transport) for ``rounds`` rounds."""
    workers: dict[tuple[str, str, int], Worker | ChronycContender] = {}
    memory: dict[str, str] = {}
    cells: list[Cell] = []
    try:
        for n, box in boxes.items():
            for transport in TRANSPORTS:
                address = box.socket_path if transport == "unix" else box.udp_address
                workers["c", transport, n] = Worker([str(c_floor), address])
                workers["pychrony", transport, n] = Worker(
                    [sys.executable, str(HERE / "worker.py"), address], cwd=HERE
                )
                if v2_python is not None:
                    # From bench/, so only the venv's own pychrony is importable.
                    workers["v2", transport, n] = Worker(
                        [str(v2_python), str(HERE / "worker.py"), address], cwd=HERE
                    )
                workers["chronyc", transport, n] = ChronycContender(address)
        for (contender, transport, n), _worker in workers.items():
            for workload in WORKLOADS:
                if contender == "chronyc" and workload != "tracking":
                    continue
                if contender != "pychrony" and workload in FLOOR_OF:
                    continue
                cells.append(
                    Cell(contender, workload, transport, n, batch_size(workload, n, contender))
                )
        # Warm up every connection (and libchrony's caches) before timing.
        for cell in cells:
            workers[cell.contender, cell.transport, cell.sources].run(cell.workload, 1)
        for r in range(rounds):
            # Rotate the order so no contender always follows the same neighbour.
            shift = r % len(cells)
            for cell in cells[shift:] + cells[:shift]:
                if cell.contender == "chronyc" and r % 4:
                    continue  # a subprocess per call: fewer samples are plenty
                worker = workers[cell.contender, cell.transport, cell.sources]
                cell.samples += worker.run(cell.workload, cell.batch)
        biggest = max(boxes)
        for contender in ("c", "pychrony", "v2"):
            kept = workers.get((contender, "unix", biggest))
            if isinstance(kept, Worker):
                memory[f"{contender} peak RSS (KiB)"] = str(kept.peak_rss_kib())
                if contender != "c":
                    memory[f"{contender} Python allocations at peak during one status (bytes)"] = (
                        kept.ask("mem status")
                    )
                    memory[f"{contender} version"] = kept.ask("version 0")
    finally:
        for worker in workers.values():
            worker.close()
    return cells, memory


def import_times(v2_python: Path | None, runs: int) -> dict[str, float]:
    """Median milliseconds of ``import pychrony`` in fresh interpreters, minus a bare start."""
    commands = {
        "bare": [sys.executable, "-c", "pass"],
        "pychrony": [sys.executable, "-c", "import pychrony"],
    }
    if v2_python is not None:
        commands["v2 bare"] = [str(v2_python), "-c", "pass"]
        commands["v2"] = [str(v2_python), "-c", "import pychrony"]
    # An installed pychrony has its bytecode compiled (pip does it at install);
    # an editable checkout run under PYTHONDONTWRITEBYTECODE would compile every
    # module on every import instead, timing the compiler, not the import. One
    # import with writing allowed leaves the caches the samples then read.
    writable = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    for argv in commands.values():
        subprocess.run(argv, check=True, cwd=HERE, env=writable)
    samples: dict[str, list[float]] = {k: [] for k in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, cwd=HERE)
            samples[name].append((time.perf_counter() - start) * 1000)
    med = {k: statistics.median(v) for k, v in samples.items()}
    result = {"pychrony": med["pychrony"] - med["bare"], "bare interpreter": med["bare"]}
    if v2_python is not None:
        result["v2"] = med["v2"] - med["v2 bare"]
    return result


# -- reporting -----------------------------------------------------------------


def _find(cells: list[Cell], contender: str, workload: str, transport: str, n: int) -> Cell | None:
    for c in cells:
        if (c.contender, c.workload, c.transport, c.sources) == (contender, workload, transport, n):
            return c
    return None


def _ratio(a: Cell | None, b: Cell | None) -> str:
    return f"{a.median_us / b.median_us:.2f}x" if a and b else "-"


def _us(c: Cell | None) -> str:
    return f"{c.median_us:,.1f}" if c else "-"


def latency_table(cells: list[Cell]) -> list[str]:
    """The main table: medians and ratios, one row per workload/transport/sources."""
    rows = [
        "| workload | transport | sources | C µs | pychrony µs | pychrony/C | "
        "2.0.3 µs | 2.0.3/pychrony | chronyc µs | chronyc/pychrony | samples |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    counts = sorted({c.sources for c in cells})
    for workload in WORKLOADS:
        for transport in TRANSPORTS:
            for n in counts:
                c = _find(cells, "c", FLOOR_OF.get(workload, workload), transport, n)
                py = _find(cells, "pychrony", workload, transport, n)
                v2 = _find(cells, "v2", workload, transport, n)
                cc = _find(cells, "chronyc", workload, transport, n)
                rows.append(
                    f"| {workload} | {transport} | {n} | {_us(c)} | {_us(py)} | "
                    f"{_ratio(py, c)} | {_us(v2)} | {_ratio(v2, py)} | {_us(cc)} | "
                    f"{_ratio(cc, py)} | {len(py.samples) if py else 0} |"
                )
    return rows


def per_source_table(cells: list[Cell]) -> list[str]:
    """Cost per source record: does it stay flat as sources grow?"""
    rows = [
        "| workload | transport | sources | C µs/record | pychrony µs/record | "
        "pychrony overhead µs/record |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for workload, records_per_source in (("sources", 1), ("status", 2)):
        for transport in TRANSPORTS:
            for n in sorted({c.sources for c in cells}):
                c = _find(cells, "c", workload, transport, n)
                py = _find(cells, "pychrony", workload, transport, n)
                if not (c and py):
                    continue
                records = n * records_per_source
                rows.append(
                    f"| {workload} | {transport} | {n} | {c.median_us / records:.1f} | "
                    f"{py.median_us / records:.1f} | "
                    f"{(py.median_us - c.median_us) / records:.1f} |"
                )
    return rows


def targets(cells: list[Cell], imports: dict[str, float]) -> list[str]:
    """Each of issue 19's targets with the measured figure and whether it is met."""
    lines = []

    def check(label: str, value: float, ok: bool, unit: str = "x") -> None:
        lines.append(f"- [{'x' if ok else ' '}] {label}: {value:.2f}{unit}")

    counts = sorted({c.sources for c in cells})
    for transport in TRANSPORTS:
        for n in counts[:1]:
            py = _find(cells, "pychrony", "tracking", transport, n)
            c = _find(cells, "c", "tracking", transport, n)
            v2 = _find(cells, "v2", "tracking", transport, n)
            cc = _find(cells, "chronyc", "tracking", transport, n)
            if py and c:
                r = py.median_us / c.median_us
                check(f"get_tracking() within 1.25x of C ({transport})", r, r <= 1.25)
            if py and v2:
                r = v2.median_us / py.median_us
                check(f"get_tracking() >= 1.3x faster than 2.0.3 ({transport})", r, r >= 1.3)
            if py and cc:
                r = cc.median_us / py.median_us
                check(f"get_tracking() >= 30x faster than chronyc -c ({transport})", r, r >= 30)
            aio = _find(cells, "pychrony", "async-tracking", transport, n)
            if aio and c:
                r = aio.median_us / c.median_us
                check(
                    f"AsyncChronyConnection.get_tracking() within 1.6x of C ({transport})",
                    r,
                    r <= 1.6,
                )
    for workload in ("sources", "status"):
        for transport in TRANSPORTS:
            # Per record at the most sources: the same records on both sides,
            # so the ratio of µs/record is the ratio of the calls.
            py = _find(cells, "pychrony", workload, transport, counts[-1])
            c = _find(cells, "c", workload, transport, counts[-1])
            if py and c:
                r = py.median_us / c.median_us
                check(
                    f"{workload} within 1.15x of C per record at {counts[-1]} sources "
                    f"({transport})",
                    r,
                    r <= 1.15,
                )
    for transport in TRANSPORTS:
        # Flat: a source record costs no more with many sources than with a few.
        few = _find(cells, "pychrony", "sources", transport, counts[len(counts) // 2])
        many = _find(cells, "pychrony", "sources", transport, counts[-1])
        if few and many and few is not many:
            r = (many.median_us / many.sources) / (few.median_us / few.sources)
            check(
                f"per-source cost flat from {few.sources} to {many.sources} sources, "
                f"ratio of µs/record ({transport})",
                r,
                r <= 1.1,
            )
    check("import pychrony under 40 ms", imports["pychrony"], imports["pychrony"] < 40, " ms")
    return lines


def chart(cells: list[Cell], path: Path) -> str:
    """Latency and per-record cost against the number of sources; a note when skipped."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return "chart skipped: matplotlib is not installed (pip install -e '.[bench]')"
    counts = sorted({c.sources for c in cells})
    styles = {
        "c": ("C floor", "k"),
        "pychrony": ("pychrony", "tab:blue"),
        "v2": ("pychrony 2.0.3", "tab:orange"),
    }
    fig, (calls, records) = plt.subplots(1, 2, figsize=(11, 4.2))
    for contender, (label, colour) in styles.items():
        for workload, marker, dash in (("sources", "o", "-"), ("status", "s", "--")):
            ys = [_find(cells, contender, workload, "unix", n) for n in counts]
            if all(ys):
                calls.plot(
                    counts,
                    [y.median_us / 1000 for y in ys if y],
                    dash,
                    marker=marker,
                    color=colour,
                    label=f"{label}: {workload}",
                )
        for transport, dash in (("unix", "-"), ("udp", ":")):
            ys = [_find(cells, contender, "sources", transport, n) for n in counts]
            if all(ys):
                records.plot(
                    counts,
                    [y.median_us / n for y, n in zip(ys, counts, strict=True) if y],
                    dash,
                    marker="o",
                    color=colour,
                    label=f"{label}: {transport}",
                )
    calls.set_yscale("log")
    calls.set_ylabel("median latency per call (ms)")
    calls.set_title("get_sources() and status, Unix socket")
    records.set_ylim(bottom=0)
    records.set_ylabel("µs per source record")
    records.set_title("get_sources(): cost per source")
    for ax in (calls, records):
        ax.set_xscale("log", base=2)
        ax.set_xticks(counts, [str(n) for n in counts])
        ax.set_xlabel("sources")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("pychrony against libchrony from C (lower is better)")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    return f"chart: {path.relative_to(ROOT)}"


def report(
    cells: list[Cell],
    imports: dict[str, float],
    memory: dict[str, str],
    rounds: int,
    elapsed: float,
    cpu: int | None = None,
) -> str:
    """The whole result as Markdown (printed and saved)."""
    placement = (
        "every process free to run on any CPU"
        if cpu is None
        else f"every chronyd and contender on CPU {cpu} (`--cpu {cpu}`)"
    )
    lines = [
        "# pychrony benchmark results",
        "",
        f"Produced by `make bench` ({rounds} interleaved rounds, {elapsed:.0f} s) on "
        f"{platform.machine()} Linux, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {placement}. Medians; ratios of medians. "
        "See bench/README.md.",
        "",
        "## Latency per call",
        "",
        *latency_table(cells),
        "",
        "## Cost per source record",
        "",
        *per_source_table(cells),
        "",
        "## Import time and memory",
        "",
        *[f"- import {k}: {v:.1f} ms" for k, v in imports.items()],
        *[f"- {k}: {v}" for k, v in memory.items()],
        "",
        "## Targets (issue 19)",
        "",
        *targets(cells, imports),
        "",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (about 15 s)")
    parser.add_argument("--rounds", type=int, help="interleaved rounds (default 120, quick 12)")
    parser.add_argument("--no-v2", action="store_true", help="leave pychrony 2.0.3 out")
    parser.add_argument(
        "--no-scale",
        action="store_true",
        help="leave out the scale rows (gather over 1-1000 servers, a 64-source scrape)",
    )
    parser.add_argument(
        "--sources",
        default=",".join(map(str, SOURCE_COUNTS)),
        help="comma-separated source counts (default 1,8,64)",
    )
    parser.add_argument(
        "--update",
        action="store_true",
        help=f"write over the committed results ({RESULTS.relative_to(ROOT)}, "
        f"{CHART.relative_to(ROOT)}) instead of {OUTPUT.relative_to(ROOT)}/",
    )
    parser.add_argument(
        "--cpu",
        type=int,
        help="run the latency rounds with every chronyd and contender on this one CPU "
        "(steadier figures where a wakeup across CPUs is slow, as on some VMs)",
    )
    parser.add_argument("--results", type=Path, help="Markdown output (overrides the above)")
    parser.add_argument("--chart", type=Path, help="PNG output (overrides the above)")
    args = parser.parse_args(argv)
    if args.results is None:
        args.results = RESULTS if args.update else OUTPUT / RESULTS.name
    if args.chart is None:
        args.chart = CHART if args.update else OUTPUT / CHART.name
    args.results.parent.mkdir(parents=True, exist_ok=True)
    rounds = args.rounds or (12 if args.quick else 120)
    counts = [int(n) for n in args.sources.split(",")]

    started = time.monotonic()
    v2_python = None if args.no_v2 else ensure_v2_venv()
    with tempfile.TemporaryDirectory(prefix="pychrony-bench-") as tmp:
        c_floor = build_c_floor(Path(tmp))
        print(f"starting sandboxes with {counts} sources ...", flush=True)
        with sandboxes(counts) as boxes:
            print(f"measuring {rounds} interleaved rounds ...", flush=True)
            with pinned(args.cpu, boxes):
                cells, memory = measure(boxes, c_floor, v2_python, rounds)
            scale = "" if args.no_scale else measure_scale(boxes, args.quick)
    print("timing imports ...", flush=True)
    imports = import_times(v2_python, 7 if args.quick else 21)
    text = report(cells, imports, memory, rounds, time.monotonic() - started, args.cpu)
    if scale:
        text += "\n" + scale  # a blank line between a list and the next heading
    print()
    print(text)
    args.results.write_text(text)
    print(f"results: {args.results}")
    print(chart(cells, args.chart))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
