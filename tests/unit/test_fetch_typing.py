"""``fetch(spec)`` is typed by its catalogue entry, for mypy as for a reader.

The getters are one-liners over ``fetch``, so a catalogue entry that lost its
type parameter, or an overload that fell through to ``object``, would make
every getter's result Any or object without one test failing at run time.
mypy is run on a snippet and the revealed types are compared, name for name.
"""

from __future__ import annotations

import re
from pathlib import Path

from mypy import api as mypy_api

SNIPPET = """
from pychrony import AsyncChronyConnection, ChronyConnection
from pychrony.models import catalog

def blocking(conn: ChronyConnection) -> None:
    reveal_type(conn.fetch(catalog.TRACKING))
    reveal_type(conn.fetch(catalog.SOURCES))
    reveal_type(conn.fetch(catalog.RTCDATA))
    reveal_type(conn.get_smoothing())
    reveal_type(conn.fetch(catalog.spec_for("tracking")))

async def awaiting(conn: AsyncChronyConnection) -> None:
    reveal_type(await conn.fetch(catalog.SERVERSTATS))
    reveal_type(await conn.fetch(catalog.NTPDATA))
    reveal_type(await conn.fetch(catalog.SMOOTHING))
"""

EXPECTED = [
    "pychrony.models.tracking.TrackingStatus",
    "list[pychrony.models.sources.Source]",
    "pychrony.models.clock.RTCData | None",
    "pychrony.models.clock.Smoothing | None",
    # An entry looked up by name is any report: its value is only an object.
    "object",
    "pychrony.models.server.ServerStats",
    "list[pychrony.models.ntp.NTPData]",
    "pychrony.models.clock.Smoothing | None",
]


def _revealed(output: str) -> list[str]:
    found = re.findall(r'Revealed type is "([^"]+)"', output)
    # Older mypy spells builtins and optionals the long way; read both spellings.
    found = [t.replace("builtins.", "") for t in found]
    return [re.sub(r"Union\[(.+), None\]", r"\1 | None", t) for t in found]


def test_fetch_and_the_getters_are_typed_by_the_catalogue(tmp_path: Path) -> None:
    snippet = tmp_path / "snippet.py"
    snippet.write_text(SNIPPET)
    stdout, stderr, _ = mypy_api.run(
        [
            "--strict",
            "--python-version",
            "3.10",
            "--cache-dir",
            str(tmp_path / "cache"),
            "--config-file",
            "",
            str(snippet),
        ]
    )
    assert _revealed(stdout) == EXPECTED, stdout + stderr
    # reveal_type is a note; anything else mypy says is a typing error of fetch.
    assert ": error:" not in stdout, stdout
