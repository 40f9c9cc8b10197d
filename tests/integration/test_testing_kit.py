"""The test kit against a real chronyd: the plugin's fixtures, the factories, the README.

This module uses the plugin's own fixtures (``chrony_sandbox``,
``chrony_address``, ``chrony_connection``), as a user's tests would. The
README's pytest examples (fenced as ``python test_NAME.py``, which
tests/integration/test_readme.py leaves alone) run here in a pytest
subprocess.
"""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

import pytest

from pychrony import ChronyConnection
from pychrony.models.catalog import REPORTS
from pychrony.sandbox import Sandbox, SandboxError, find_chrony_binary
from pychrony.testing import factory_for
from tests.conftest import missing

README = Path(__file__).resolve().parents[2] / "README.md"
PYTEST_EXAMPLES = re.findall(
    r"```python (test_\w+\.py)\n(.*?)```", README.read_text(), flags=re.DOTALL
)
TIMEOUT = 120


@pytest.fixture(autouse=True)
def _chronyd_installed(native: None) -> None:
    # The plugin skips without chronyd, as users want; this project's CI must not.
    try:
        find_chrony_binary("chronyd")
        find_chrony_binary("chronyc")
    except SandboxError as exc:
        missing(str(exc))


def _pytest(directory: Path, *args: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rs", *args],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    return f"exit={proc.returncode}\n{proc.stdout}{proc.stderr}"


def test_fixtures_give_a_connection_to_the_sandbox(
    chrony_sandbox: Sandbox, chrony_address: str, chrony_connection: ChronyConnection
) -> None:
    assert chrony_sandbox.running
    assert chrony_address == chrony_sandbox.socket_path
    assert chrony_connection.address == chrony_address
    tracking = chrony_connection.get_tracking()
    assert tracking.is_synchronized()
    reachable = [s for s in chrony_connection.get_sources() if s.is_reachable()]
    assert len(reachable) == chrony_sandbox.sources


def test_factories_build_what_chronyd_reports(chrony_connection: ChronyConnection) -> None:
    compared = []
    for spec in REPORTS:
        live = getattr(chrony_connection, spec.method)()
        if spec.many:
            assert live, f"the sandbox reports no {spec.name} records"
            live = live[0]
        if live is None:  # disabled in the sandbox (rtcdata: no rtcfile)
            assert spec.may_be_disabled, spec.name
            continue
        made = factory_for(spec.name)()
        assert type(made) is type(live)
        for field in dataclasses.fields(live):
            value = getattr(live, field.name)
            if value is not None:  # an older chronyd omits some counters
                assert isinstance(getattr(made, field.name), type(value)), (
                    f"{spec.name}.{field.name}: factory gives "
                    f"{getattr(made, field.name)!r}, chronyd {value!r}"
                )
        compared.append(spec.name)
    assert len(compared) >= len(REPORTS) - 1, compared


def test_plugin_skips_without_chronyd_and_fails_when_asked_to(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text(
        "def test_uses_the_sandbox(chrony_connection):\n    chrony_connection.get_tracking()\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "PYCHRONY_CHRONYD": str(tmp_path / "no-such-chronyd"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    skipped = _pytest(tmp_path, env=env)
    assert "exit=0" in skipped
    assert "1 skipped" in skipped
    assert "pychrony test kit: cannot start a sandboxed chronyd" in skipped
    assert "install chrony" in skipped

    failed = _pytest(tmp_path, "--pychrony-require-sandbox", env=env)
    assert "exit=1" in failed
    assert "1 error" in failed
    assert "install chrony" in failed

    (tmp_path / "pytest.ini").write_text("[pytest]\npychrony_require_sandbox = true\n")
    assert "1 error" in _pytest(tmp_path, env=env)


def test_readme_has_a_pytest_example() -> None:
    assert PYTEST_EXAMPLES


@pytest.mark.parametrize(("name", "code"), PYTEST_EXAMPLES, ids=[n for n, _ in PYTEST_EXAMPLES])
def test_readme_pytest_example_passes(name: str, code: str, tmp_path: Path) -> None:
    (tmp_path / name).write_text(code)
    tests = len(re.findall(r"^def test_", code, flags=re.MULTILINE))
    result = _pytest(tmp_path, "--pychrony-require-sandbox", name)
    assert "exit=0" in result, result
    assert f"{tests} passed" in result, result
    assert "skipped" not in result, result
