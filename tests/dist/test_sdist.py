"""The sdist: exactly the build inputs, and a wheel builds from it alone.

The sdist comes from ``scripts/build-wheel`` (fixture ``dist_files``), which
makes it from a clean copy of the checkout.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import pychrony
from pychrony.sandbox import Sandbox

from .conftest import REPO, RUNTIME_SOURCES, DistFiles, FreshVenv, clean_env, output, run

pytestmark = pytest.mark.dist

# Build inputs and legal notices at the top of the tree.
TOP_LEVEL = {
    "LICENSE",
    "MANIFEST.in",
    "README.md",
    "build_ffi.py",
    "pyproject.toml",
    "setup.py",
}
# What setuptools writes into every sdist.
GENERATED = {
    "PKG-INFO",
    "setup.cfg",
    "pychrony.egg-info/PKG-INFO",
    "pychrony.egg-info/SOURCES.txt",
    "pychrony.egg-info/dependency_links.txt",
    "pychrony.egg-info/entry_points.txt",
    "pychrony.egg-info/requires.txt",
    "pychrony.egg-info/top_level.txt",
}


def _checkout_files(*paths: str) -> set[str]:
    """Files of the checkout under ``paths``: tracked or new, never ignored."""
    proc = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return {name for name in proc.stdout.splitlines() if (REPO / name).exists()}


def _expected_sdist() -> set[str]:
    # The modules, py.typed and type stubs; the C sources the package ships as
    # data. cffi's generated C is ignored by git, so never listed here.
    package = {
        name for name in _checkout_files("pychrony") if name.endswith((".py", ".pyi", "/py.typed"))
    }
    package |= RUNTIME_SOURCES
    return TOP_LEVEL | GENERATED | package | _checkout_files("decl", "LICENSES")


def test_sdist_holds_exactly_the_build_inputs(dist_files: DistFiles) -> None:
    root = f"pychrony-{pychrony.__version__}/"
    with tarfile.open(dist_files.sdist) as sdist:
        members = [m for m in sdist.getmembers() if not m.isdir()]
    assert all(m.name.startswith(root) for m in members), [m.name for m in members]
    found = {m.name.removeprefix(root) for m in members}
    expected = _expected_sdist()

    assert not found - expected, f"the sdist carries files it should not: {found - expected}"
    assert not expected - found, f"the sdist lacks build inputs: {expected - found}"
    # A few that must never be left out, whatever the checkout holds.
    for needed in (
        "build_ffi.py",
        "decl/chrony_api.h",
        "decl/pychrony_helpers.h",
        "decl/pychrony_helpers.c",
        "LICENSES/libchrony-NOTICE.txt",
    ):
        assert needed in found


def test_sdist_builds_a_working_wheel_against_pkg_config_libchrony(
    dist_files: DistFiles,
    fresh_venv: FreshVenv,
    sandbox: Sandbox,
    native: None,
    tmp_path: Path,
) -> None:
    with tarfile.open(dist_files.sdist) as sdist:
        sdist.extractall(tmp_path, filter="data")
    srcdir = tmp_path / f"pychrony-{pychrony.__version__}"
    prefix = run([str(REPO / "scripts" / "provision"), "--print-prefix"]).stdout.strip()
    pc_path = os.pathsep.join(
        p for p in (f"{prefix}/lib/pkgconfig", os.environ.get("PKG_CONFIG_PATH")) if p
    )
    wheeldir = tmp_path / "wheels"
    # --no-build-isolation: the build uses this environment's setuptools and
    # cffi, so it needs no index.
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-build-isolation", "--no-deps"]
    proc = run([*cmd, "-w", str(wheeldir), str(srcdir)], env=clean_env(PKG_CONFIG_PATH=pc_path))
    assert proc.returncode == 0, f"pip wheel on the unpacked sdist failed:\n{output(proc)}"
    wheels = sorted(wheeldir.glob("pychrony-*.whl"))
    assert len(wheels) == 1, wheels
    assert "-cp310-abi3-linux_" in wheels[0].name, wheels[0].name

    python = fresh_venv("sdist-venv", wheels[0])
    probe = (
        "import json, sys, pychrony\n"
        "with pychrony.ChronyConnection(sys.argv[1], timeout=1.0) as conn:\n"
        "    tracking = conn.get_tracking()\n"
        "print(json.dumps([pychrony.__file__, tracking.is_synchronized(), tracking.stratum]))\n"
    )
    query = run([str(python), "-I", "-c", probe, sandbox.socket_path], cwd=tmp_path)
    assert query.returncode == 0, f"the sdist-built pychrony failed:\n{output(query)}"
    location, synchronized, stratum = json.loads(query.stdout)
    assert Path(location).is_relative_to(python.parent.parent), location
    assert synchronized is True
    assert 1 < stratum < 16
