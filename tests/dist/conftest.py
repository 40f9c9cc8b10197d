"""Fixtures for the distribution tests: one sdist and wheel per session.

``dist_files`` runs the documented command (``scripts/build-wheel``) once;
``fresh_venv`` makes empty virtual environments that share nothing with the
development ``.venv`` but the interpreter.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import missing

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TIMEOUT = 120  # seconds, for every subprocess
# C sources the package ships as data: the sandbox compiles its LD_PRELOAD shim
# when it starts, so the sdist and the wheel both carry it.
RUNTIME_SOURCES = frozenset({"pychrony/_sandbox_shim.c"})

# Variables that could point a build or the loader at another libchrony.
LOCATING_VARS = (
    "PKG_CONFIG_PATH",
    "PKG_CONFIG_LIBDIR",
    "LIBRARY_PATH",
    "LD_LIBRARY_PATH",
    "LD_PRELOAD",
    "CPATH",
    "C_INCLUDE_PATH",
    "PYTHONPATH",
)


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that locates libchrony or pychrony."""
    env = {k: v for k, v in os.environ.items() if k not in LOCATING_VARS}
    env.update(PIP_DISABLE_PIP_VERSION_CHECK="1", PIP_NO_INPUT="1", PYTHONDONTWRITEBYTECODE="1")
    env.update(extra)
    return env


def run(
    cmd: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``cmd`` with a deadline, capturing its output."""
    return subprocess.run(
        cmd,
        env=clean_env() if env is None else env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def output(proc: subprocess.CompletedProcess[str]) -> str:
    """Both streams of a finished process, for assertion messages."""
    return f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


@dataclass(frozen=True)
class DistFiles:
    """What ``scripts/build-wheel`` produced."""

    sdist: Path
    wheel: Path


@pytest.fixture(scope="session")
def dist_files(tmp_path_factory: pytest.TempPathFactory) -> DistFiles:
    """The sdist and repaired wheel, built once by ``scripts/build-wheel``."""
    out = tmp_path_factory.mktemp("dist")
    # The script provisions through scripts/setup; PATH keeps a provisioned
    # chronyd reachable, as scripts/test has it.
    proc = run([str(REPO / "scripts" / "build-wheel"), str(out)], env=clean_env())
    assert proc.returncode == 0, f"scripts/build-wheel failed:\n{output(proc)}"
    sdists = sorted(out.glob("pychrony-*.tar.gz"))
    wheels = sorted(out.glob("pychrony-*.whl"))
    assert len(sdists) == 1, f"expected one sdist in {out}, got {sdists}"
    assert len(wheels) == 1, f"expected one wheel in {out}, got {wheels}"
    printed = proc.stdout.split()
    assert printed == [f"{out}/{sdists[0].name}", f"{out}/{wheels[0].name}"], output(proc)
    return DistFiles(sdist=sdists[0], wheel=wheels[0])


def find_python(minor: int) -> str | None:
    """A working CPython 3.``minor``: on PATH, or installed by pyenv."""
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates = [shutil.which(f"python3.{minor}")]
    candidates += sorted(str(p) for p in root.glob(f"versions/3.{minor}.*/bin/python3.{minor}"))
    for candidate in filter(None, candidates):
        check = "import sys; print(sys.implementation.name, *sys.version_info[:2])"
        proc = run([candidate, "-c", check])  # a pyenv shim may exist yet refuse to run
        if proc.returncode == 0 and proc.stdout.split() == ["cpython", "3", str(minor)]:
            return candidate
    return None


FreshVenv = Callable[..., Path]


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    """A factory: ``fresh_venv(name, wheel, python=None)`` installs ``wheel`` into a new venv.

    The venv (of ``python``, else of the running interpreter) has no pip of
    its own: the test runner's pip installs into it, which is faster;
    dependencies (cffi) come from the configured index. Returns the venv's
    python.
    """

    def make(name: str, wheel: Path, python_exe: str | None = None) -> Path:
        root = tmp_path_factory.mktemp(name)
        if python_exe is None:
            venv.EnvBuilder(with_pip=False, symlinks=True).create(root)
        else:
            proc = run([python_exe, "-m", "venv", "--without-pip", str(root)])
            assert proc.returncode == 0, f"{python_exe} -m venv failed:\n{output(proc)}"
        python = root / "bin" / "python"
        cmd = [PYTHON, "-m", "pip", "--python", str(python), "install", "-q", str(wheel)]
        proc = run(cmd, cwd=root)
        if proc.returncode != 0 and "No matching distribution" in proc.stderr:
            missing(f"cannot install pychrony's dependencies into a fresh venv:\n{output(proc)}")
        assert proc.returncode == 0, f"pip install {wheel.name} failed:\n{output(proc)}"
        return python

    return make
