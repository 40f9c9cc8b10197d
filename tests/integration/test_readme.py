"""Every Python example in README.md runs against the sandbox, so none can drift,
and runs without a chronyd too, as a reader's first try may: it reports the
failure it catches instead of ending in a traceback.

Examples that pass no address reach the sandbox through ``$PYCHRONY_ADDRESS``;
literal chronyd addresses in them are pointed at the sandbox's. Examples
that are pytest files (fenced as ``python test_NAME.py``) are not matched here;
tests/integration/test_testing_kit.py runs them with pytest.
"""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from pychrony.sandbox import Sandbox

README = Path(__file__).resolve().parents[2] / "README.md"
EXAMPLES = re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_examples() -> None:
    assert len(EXAMPLES) >= 3


def run_example(index: int, socket: str, udp: str) -> str:
    code = EXAMPLES[index]
    code = code.replace('"/var/run/chrony/chronyd.sock"', repr(socket))
    code = code.replace('"127.0.0.1"', repr(udp))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md example {index + 1}", "exec"), {})
    return out.getvalue()


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_without_chronyd_reports_instead_of_crashing(
    index: int, native: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    absent = str(tmp_path / "chronyd.sock")  # no such socket
    monkeypatch.setenv("PYCHRONY_ADDRESS", absent)
    # Nothing listens on port 1: refused at once.
    printed = run_example(index, absent, "127.0.0.1:1")
    assert printed.strip(), "a README example printed nothing"


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index: int, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.socket_path)
    printed = run_example(index, sandbox.socket_path, sandbox.udp_address)
    assert printed.strip(), "a README example printed nothing"
    # The examples' own failure reports: none may fire against a live chronyd.
    for failure in ("cannot read chronyd", "cannot open chronyd", "chronyd unreachable"):
        assert failure not in printed, printed
