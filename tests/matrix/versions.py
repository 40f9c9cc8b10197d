"""The chronyd releases of the version matrix, from the pinned table.

scripts/chronyd-releases.txt pins each release; scripts/provision-chronyd puts
it in ``DIR/chrony-VERSION/{sbin/chronyd,bin/chronyc}``, DIR being
``$PYCHRONY_CHRONY_RELEASES`` or what ``scripts/provision-chronyd --print-dir``
prints.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = ROOT / "scripts" / "chronyd-releases.txt"
PROVISION = ROOT / "scripts" / "provision-chronyd"


@dataclass(frozen=True)
class Release:
    """One pinned chronyd release.

    Attributes:
        version: the upstream version, as chronyd -v prints it ("4.6.1").
        kind: "deb" (Debian's binary package) or "source" (built here).
        suite: the Debian suite it comes from.
    """

    version: str
    kind: str
    suite: str

    @property
    def key(self) -> tuple[int, ...]:
        """The version as a tuple, for comparisons."""
        return tuple(int(part) for part in self.version.split("."))

    @property
    def directory(self) -> Path:
        return releases_dir() / f"chrony-{self.version}"

    @property
    def chronyd(self) -> Path:
        return self.directory / "sbin" / "chronyd"

    @property
    def chronyc(self) -> Path:
        return self.directory / "bin" / "chronyc"

    def is_provisioned(self) -> bool:
        return os.access(self.chronyd, os.X_OK) and os.access(self.chronyc, os.X_OK)


def read_table(text: str) -> tuple[Release, ...]:
    """The releases a table lists, in its order."""
    releases = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        releases.append(Release(fields[0], fields[1], fields[2]))
    return tuple(releases)


RELEASES: tuple[Release, ...] = read_table(TABLE.read_text())


@cache
def releases_dir() -> Path:
    """Where scripts/provision-chronyd keeps the releases."""
    configured = os.environ.get("PYCHRONY_CHRONY_RELEASES")
    if configured:
        return Path(configured)
    out = subprocess.run(
        [str(PROVISION), "--print-dir"], capture_output=True, text=True, timeout=30, check=True
    )
    return Path(out.stdout.strip())
