"""Every Python example in README.md runs against the sandbox, so none can drift.

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


@pytest.mark.parametrize("index", range(len(EXAMPLES)))
def test_readme_example_runs(index: int, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYCHRONY_ADDRESS", sandbox.socket_path)
    code = EXAMPLES[index]
    code = code.replace('"/var/run/chrony/chronyd.sock"', repr(sandbox.socket_path))
    code = code.replace('"127.0.0.1"', repr(sandbox.udp_address))
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"README.md example {index + 1}", "exec"), {})
    assert out.getvalue().strip(), "a README example printed nothing"
