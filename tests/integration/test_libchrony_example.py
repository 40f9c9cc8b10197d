"""examples/libchrony_port.py (the port's documented examples) runs against the sandbox."""

from __future__ import annotations

import contextlib
import io
import re
import runpy
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "libchrony_port.py"


def test_example_differs_from_the_port_only_in_its_import() -> None:
    source = EXAMPLE.read_text()
    imports = re.findall(r"^(?:from|import) .*$", source, flags=re.MULTILINE)
    assert [i for i in imports if "pychrony" in i] == ["from pychrony import libchrony"]


def test_port_examples_run(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.socket_path)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(EXAMPLE), run_name="__main__")
    text = out.getvalue()
    assert "Connection error" not in text
    assert "Chrony error" not in text
    assert "Available reports: tracking, sources, sourcestats, selectdata" in text
    assert "Number of sources: 4" in text
    assert "Stratum: 9" in text
    assert re.search(r"^Online sources: [0-4]$", text, flags=re.MULTILINE)
    assert re.search(r"^Current correction: -?[0-9.e+-]+ s$", text, flags=re.MULTILINE)
    assert re.search(r"^Reference ID: \d+$", text, flags=re.MULTILINE)
    assert re.search(r"^RTC data unavailable: .*disabled", text, flags=re.MULTILINE)
    assert re.search(r"^  reference ID: [0-9A-F]{8}$", text, flags=re.MULTILINE)


def test_port_complete_example_reports_connection_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", str(tmp_path / "no-chronyd.sock"))
    example = runpy.run_path(str(EXAMPLE))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        example["example_complete"]()
    assert out.getvalue().startswith("Connection error: cannot connect to chronyd")
