"""Photograph pages of the built HTML docs in headless Chromium (``make screenshots``).

Usage: python scripts/screenshots.py [--html DIR] [OUTDIR] [PAGE ...]

PAGE is a page of the built site (``--html``, default docs/_build/html)
without ``.html`` (default: the CLI guide and the performance page). Writes
OUTDIR/PAGE.png (``/`` becomes ``-``), default build/screenshots, and prints
each path. Chromium is Debian's
``chromium`` package (scripts/provision --for test installs it); it runs
offline, with a throwaway profile, and never outlives its deadline.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "docs" / "_build" / "html"
PAGES = ("guide/cli", "performance")
WINDOW = "1280,2000"
DEADLINE = 90.0  # seconds per page; a first start of Chromium takes a few


def browser() -> str:
    """Chromium's executable, or exit naming the package."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    sys.exit("screenshots: no Chromium: apt-get install chromium (scripts/provision --for test)")


def screenshot(exe: str, page: Path, png: Path) -> None:
    """Render ``page`` into ``png`` with headless Chromium."""
    png.parent.mkdir(parents=True, exist_ok=True)
    png.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="pychrony-chromium-") as profile:
        command = [
            exe,
            "--headless",
            "--no-sandbox",  # root in CI; the page is our own, from a local file
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={WINDOW}",
            page.as_uri(),
        ]
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=DEADLINE, check=False
        )
    if done.returncode != 0 or not png.is_file():
        tail = "\n".join(done.stderr.splitlines()[-10:])
        sys.exit(f"screenshots: Chromium failed on {page} (exit {done.returncode}):\n{tail}")


def main(argv: list[str]) -> int:
    """Photograph each page; print the PNG paths."""
    parser = argparse.ArgumentParser(description="Photograph pages of the built HTML docs.")
    parser.add_argument(
        "--html", type=Path, default=HTML, help="the built site (default %(default)s)"
    )
    parser.add_argument("out", nargs="?", type=Path, default=ROOT / "build" / "screenshots")
    parser.add_argument("pages", nargs="*", default=list(PAGES), metavar="PAGE")
    args = parser.parse_args(argv)
    exe = browser()
    for name in args.pages:
        page = args.html / f"{name}.html"
        if not page.is_file():
            sys.exit(f"screenshots: {page} is missing: build the docs first (make docs)")
        png = args.out / f"{name.replace('/', '-')}.png"
        screenshot(exe, page, png)
        print(png)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
