"""The repaired wheel: one abi3 manylinux wheel that runs without libchrony.

Built once per session by ``scripts/build-wheel`` (fixture ``dist_files``),
installed into a fresh venv, then run in a private mount namespace where the
system's libchrony is hidden under an empty tmpfs: the wheel must query the
sandboxed chronyd with the copy of libchrony it bundles.
"""

from __future__ import annotations

import email.parser
import json
import platform
import shlex
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

import pychrony
from pychrony.sandbox import Sandbox
from tests.conftest import missing

from .conftest import RUNTIME_SOURCES, DistFiles, FreshVenv, find_python, output, run

pytestmark = pytest.mark.dist

SYSTEM_SONAME = "libchrony.so.0"
# Installed under the prefix: the man page and the shell completion scripts.
DATA = f"pychrony-{pychrony.__version__}.data/data/"
DATA_FILES = (
    "share/man/man1/pychrony.1",
    "share/bash-completion/completions/pychrony",
    "share/zsh/site-functions/_pychrony",
)
# A system directory cannot be hidden without hiding libc with it.
UNHIDEABLE = {"/lib", "/lib64", "/usr/lib", "/usr/lib64"}

PROBE = """\
import json, sys
import pychrony
import pychrony._libchrony_cffi as extension
with pychrony.ChronyConnection(sys.argv[1], timeout=1.0, retries=2) as conn:
    tracking = conn.get_tracking()
    sources = conn.get_sources()
print(json.dumps({
    "pychrony": pychrony.__file__,
    "extension": extension.__file__,
    "version": pychrony.__version__,
    "synchronized": tracking.is_synchronized(),
    "reachable": sum(s.is_reachable() for s in sources),
}))
"""


def _wheel_tags(wheel: Path) -> tuple[str, str, str, list[str]]:
    # pychrony-VERSION-PYTHON-ABI-PLATFORM.whl, platforms joined by dots.
    name, version, python, abi, plats = wheel.name.removesuffix(".whl").split("-")
    assert name == "pychrony"
    return version, python, abi, plats.split(".")


def test_wheel_is_one_abi3_manylinux_wheel(dist_files: DistFiles) -> None:
    version, python, abi, plats = _wheel_tags(dist_files.wheel)
    assert version == pychrony.__version__
    assert (python, abi) == ("cp310", "abi3"), dist_files.wheel.name
    assert f"manylinux_2_28_{platform.machine()}" in plats, dist_files.wheel.name
    assert not any(p.startswith("linux_") for p in plats), "the wheel was not repaired"


def test_wheel_holds_the_package_libchrony_and_licenses_only(dist_files: DistFiles) -> None:
    with zipfile.ZipFile(dist_files.wheel) as whl:
        names = [n for n in whl.namelist() if not n.endswith("/")]
    dist_info = f"pychrony-{pychrony.__version__}.dist-info/"
    inside = ("pychrony/", "pychrony.libs/", dist_info, DATA)
    outside = [n for n in names if not n.startswith(inside)]
    assert not outside, f"the wheel carries files outside the package: {outside}"
    assert sorted(n for n in names if n.startswith(DATA)) == sorted(DATA + f for f in DATA_FILES)

    bundled = [n for n in names if n.startswith("pychrony.libs/")]
    assert len(bundled) == 1, bundled
    assert Path(bundled[0]).name.startswith("libchrony-"), bundled
    assert [n for n in names if n.endswith(".so")] == ["pychrony/_libchrony_cffi.abi3.so"]
    assert "pychrony/py.typed" in names
    assert "pychrony/_libchrony_cffi.pyi" in names  # the stub typing ffi and lib
    assert "pychrony/testing/plugin.py" in names
    for license_file in ("LICENSE", "LICENSES/LGPL-2.1.txt", "LICENSES/libchrony-NOTICE.txt"):
        assert f"{dist_info}licenses/{license_file}" in names, f"{license_file} is missing"
    built_or_source = {n for n in names if n.endswith((".c", ".o", ".pyc"))}
    assert built_or_source == RUNTIME_SOURCES


def test_wheel_carries_the_lgpl_notice_for_libchrony(dist_files: DistFiles) -> None:
    dist_info = f"pychrony-{pychrony.__version__}.dist-info/"
    with zipfile.ZipFile(dist_files.wheel) as whl:
        metadata = email.parser.Parser().parsestr(whl.read(dist_info + "METADATA").decode())
        notice = whl.read(dist_info + "licenses/LICENSES/libchrony-NOTICE.txt").decode()
        lgpl = whl.read(dist_info + "licenses/LICENSES/LGPL-2.1.txt").decode()
        entry_points = whl.read(dist_info + "entry_points.txt").decode()

    assert metadata["License-Expression"] == "MIT AND LGPL-2.1-or-later"
    assert "LICENSES/libchrony-NOTICE.txt" in metadata.get_all("License-File", [])
    for fact in ("libchrony", "LGPL-2.1-or-later", "gitlab.com/chrony/libchrony", "dynamically"):
        assert fact in notice, f"the notice does not say {fact!r}"
    assert "pychrony.libs/" in notice, "the notice does not say where the copy is"
    assert lgpl.split()[:5] == ["GNU", "LESSER", "GENERAL", "PUBLIC", "LICENSE"]
    assert "Version 2.1, February 1999" in lgpl
    assert "pychrony = pychrony.testing.plugin" in entry_points


@pytest.fixture(scope="session")
def hide_libchrony(native: None) -> Callable[[list[str]], list[str]]:
    """Wrap a command so it runs where the system's libchrony does not exist.

    The directory the development build loads libchrony from is covered by an
    empty tmpfs in a private mount namespace (needs root or CAP_SYS_ADMIN).
    """
    import pychrony._libchrony_cffi as dev_extension

    unshare = shutil.which("unshare")
    if unshare is None:
        missing("unshare (util-linux) is not installed; cannot hide libchrony")
    assert unshare is not None  # missing() raised otherwise
    proc = run(["ldd", dev_extension.__file__])
    assert proc.returncode == 0, output(proc)
    resolved = [
        line.split(" => ", 1)[1].rsplit(" (", 1)[0]
        for line in proc.stdout.splitlines()
        if line.strip().startswith(f"{SYSTEM_SONAME} => ")
    ]
    assert len(resolved) == 1, f"ldd does not resolve {SYSTEM_SONAME}:\n{proc.stdout}"
    libdir = Path(resolved[0]).resolve().parent
    if str(libdir) in UNHIDEABLE:
        missing(f"libchrony lives in {libdir}, which cannot be hidden without libc")
    for label, path in (("sys.executable", sys.executable), ("sys.base_prefix", sys.base_prefix)):
        if Path(path).resolve().is_relative_to(libdir):
            pytest.fail(f"{label} ({path}) lies under {libdir}, which this test hides")

    mask = f"mount -t tmpfs none {shlex.quote(str(libdir))}"
    namespace = [unshare, "--mount", "--propagation", "private", "sh", "-c"]
    probe = run([*namespace, mask])
    if probe.returncode != 0:
        missing(f"cannot hide libchrony (unshare --mount needs root):\n{output(probe)}")

    def wrap(cmd: list[str]) -> list[str]:
        script = f"{mask} && test ! -e {shlex.quote(str(libdir / SYSTEM_SONAME))} && exec "
        return [*namespace, script + shlex.join(cmd)]

    return wrap


def test_wheel_runs_without_system_libchrony(
    dist_files: DistFiles,
    fresh_venv: FreshVenv,
    hide_libchrony: Callable[[list[str]], list[str]],
    sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    python = fresh_venv("wheel-venv", dist_files.wheel)
    site = python.parent.parent / "lib"
    extensions = sorted(site.glob("python3*/site-packages/pychrony/_libchrony_cffi*.so"))
    assert len(extensions) == 1, f"the venv has no single extension: {extensions}"
    extension = extensions[0]
    libs = extension.parent.parent / "pychrony.libs"

    # Control: where libchrony is hidden, the development build cannot load.
    control = run(hide_libchrony([sys.executable, "-c", "import pychrony._libchrony_cffi"]))
    assert control.returncode != 0, "libchrony was not hidden: the development build loaded"
    assert SYSTEM_SONAME in control.stderr, output(control)

    ldd = run(hide_libchrony(["ldd", str(extension)]))
    assert ldd.returncode == 0, output(ldd)
    chrony_lines = [line.strip() for line in ldd.stdout.splitlines() if "libchrony" in line]
    assert len(chrony_lines) == 1, f"expected one libchrony dependency:\n{ldd.stdout}"
    name, _, target = chrony_lines[0].partition(" => ")
    assert name.startswith("libchrony-"), f"the extension still needs {name}"
    resolved = Path(target.rsplit(" (", 1)[0]).resolve()
    assert resolved.parent == libs.resolve(), f"libchrony resolves to {resolved}, not from {libs}"

    # -I: neither the checkout nor PYTHONPATH can supply pychrony.
    query = run(hide_libchrony([str(python), "-I", "-c", PROBE, sandbox.socket_path]), cwd=tmp_path)
    assert query.returncode == 0, f"the installed wheel failed to query chronyd:\n{output(query)}"
    result = json.loads(query.stdout)
    assert Path(result["pychrony"]).is_relative_to(site), result
    assert Path(result["extension"]) == extension, result
    assert result["version"] == pychrony.__version__
    assert result["synchronized"] is True, result
    assert result["reachable"] == sandbox.sources, result


# The ends of the supported range: the abi3 floor and the newest CPython.
@pytest.mark.parametrize("minor", [10, 13])
def test_one_wheel_serves_every_supported_cpython(
    minor: int, dist_files: DistFiles, fresh_venv: FreshVenv, sandbox: Sandbox, tmp_path: Path
) -> None:
    python_exe = find_python(minor)
    if python_exe is None:
        missing(f"CPython 3.{minor} is not installed (on PATH or with pyenv)")
    python = fresh_venv(f"py3{minor}-venv", dist_files.wheel, python_exe)
    query = run([str(python), "-I", "-c", PROBE, sandbox.socket_path], cwd=tmp_path)
    assert query.returncode == 0, f"the wheel failed on CPython 3.{minor}:\n{output(query)}"
    result = json.loads(query.stdout)
    assert f"/python3.{minor}/site-packages/" in result["pychrony"], result
    assert result["synchronized"] is True, result


def test_installed_wheel_brings_man_page_and_completion(
    dist_files: DistFiles, fresh_venv: FreshVenv, tmp_path: Path
) -> None:
    if not shutil.which("man"):
        missing("man (Debian: man-db)")
    python = fresh_venv("man-venv", dist_files.wheel)
    prefix = python.parent.parent
    for name in DATA_FILES:
        assert (prefix / name).is_file(), f"{name} is not installed"
    # man finds pages beside the bin/ directories on PATH (man-db's manpath).
    env = {"PATH": f"{prefix / 'bin'}:/usr/bin:/bin", "MANWIDTH": "100", "HOME": str(tmp_path)}
    where = run(["man", "-w", "pychrony"], env=env)
    assert where.returncode == 0, output(where)
    assert Path(where.stdout.strip()).resolve() == (prefix / DATA_FILES[0]).resolve()
    page = run(["man", "pychrony"], env=env)
    assert page.returncode == 0, output(page)
    assert "pychrony status" in page.stdout
    # The installed command prints the installed script, without shtab.
    completion = run([str(prefix / "bin" / "pychrony"), "--print-completion", "bash"], env=env)
    assert completion.returncode == 0, output(completion)
    assert completion.stdout == (prefix / DATA_FILES[1]).read_text()
    shown = run([str(prefix / "bin" / "pychrony"), "--version"], env=env)
    assert shown.stdout.splitlines()[0] == f"pychrony {pychrony.__version__}", output(shown)
