"""The docs as a reader sees them: tables that render, photographed in a real browser.

Builds the HTML site (sphinx -W -n) into a scratch directory, checks that the
CLI guide's commands table and the performance page's benchmark tables are
HTML tables (not broken rows, not Markdown in a code block), then takes the
screenshots ``make screenshots`` takes, with headless Chromium.
"""

from __future__ import annotations

import html.parser
import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import missing

REPO = Path(__file__).resolve().parents[2]


class _Tables(html.parser.HTMLParser):
    """Each <table>'s rows, as lists of cell texts; and the text of <pre> blocks."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.pre: list[str] = []
        self._in_pre = 0
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "pre":
            self._in_pre += 1
            self.pre.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "pre":
            self._in_pre -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)
        if self._in_pre:
            self.pre[-1] += data


def parse(page: Path) -> _Tables:
    parser = _Tables()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not (importlib.util.find_spec("sphinx") and importlib.util.find_spec("furo")):
        missing("sphinx and furo (the [docs] extra)")
    out = tmp_path_factory.mktemp("html")
    done = subprocess.run(
        [sys.executable, "-m", "sphinx", "-E", "-W", "-n", "-q", "-b", "html",
         "-d", str(out / ".doctrees"), str(REPO / "docs"), str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return out


def test_cli_commands_table_has_one_row_per_command(site: Path) -> None:
    tables = parse(site / "guide" / "cli.html").tables
    commands = next(t for t in tables if t and t[0] == ["command", "shows"])
    first_cells = [row[0] for row in commands[1:]]
    assert first_cells[0].startswith("tracking, sources, sourcestats")
    assert first_cells[0].endswith("rtcdata, smoothing")
    assert first_cells[1:] == ["status", "reports", "dump", "check", "exporter"]
    assert all(len(row) == 2 and row[1] for row in commands[1:])


def test_performance_page_shows_tables_and_chart_not_markdown(site: Path) -> None:
    page = site / "performance.html"
    parsed = parse(page)
    assert not any("|---|" in block for block in parsed.pre), "raw Markdown in a code block"
    assert "[ ]" not in page.read_text(encoding="utf-8"), "the targets checklist is shown"
    headers = [t[0] for t in parsed.tables if t]
    latency = next(t for t in parsed.tables if t and "pychrony / C" in t[0])
    assert latency[0][:3] == ["workload", "transport", "sources"]
    results = (REPO / "bench" / "results.md").read_text()
    section = results.split("## Latency per call")[1].split("##")[0]
    markdown_rows = [r for r in section.splitlines() if r.startswith("| ")]
    assert len(latency) == len(markdown_rows)  # the header and every row, no |---|
    assert any("pychrony µs / record" in h for h in headers), headers
    assert "benchmark-latency.png" in page.read_text(encoding="utf-8")
    assert (site / "_static" / "benchmark-latency.png").is_file()


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    width, height = struct.unpack(">II", header[16:24])
    return width, height


def test_screenshots_of_cli_guide_and_performance_page(site: Path, tmp_path: Path) -> None:
    if not (shutil.which("chromium") or shutil.which("chromium-browser")):
        missing("Chromium (Debian: chromium; scripts/provision --for test installs it)")
    done = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "screenshots.py"), "--html", str(site),
         str(tmp_path)],
        capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shots = [Path(line) for line in done.stdout.splitlines()]
    assert [p.name for p in shots] == ["guide-cli.png", "performance.png"]
    for shot in shots:
        assert _png_size(shot) == (1280, 2000)
        # A blank or error page compresses to almost nothing; a rendered one does not.
        assert shot.stat().st_size > 50_000, f"{shot} looks empty"
