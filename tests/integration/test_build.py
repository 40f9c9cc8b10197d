"""Build the extension with pip in scratch directories, the way users do.

These tests run ``pip wheel`` on a copy of the project sources, so a stale
in-place ``_libchrony_cffi`` in the checkout cannot make them pass.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import NoReturn

import pytest

pytestmark = pytest.mark.build

REPO = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
TIMEOUT = 300  # seconds, for every subprocess
LIB_REAL = "libchrony.so.0.0.1"
LIB_SONAME = "libchrony.so.0"
LIB_DEV = "libchrony.so"
EXTENSION_GLOB = "pychrony/_libchrony_cffi*.so"
NOT_FOUND = "libchrony (chrony's client library) was not found"

# What a scratch copy needs to build; nothing generated comes along (the C
# sources under decl/ are inputs; cffi's generated _libchrony_cffi.c is not).
SOURCE_FILES = ("build_ffi.py", "setup.py", "pyproject.toml", "README.md")
SOURCE_DIRS = ("decl", "pychrony")
GENERATED_C = "_libchrony_cffi.c"
IGNORED = shutil.ignore_patterns("*.so", GENERATED_C, "*.o", "__pycache__")

# Variables that could point the build or the loader at another libchrony.
LOCATING_VARS = (
    "PKG_CONFIG_PATH",
    "PKG_CONFIG_LIBDIR",
    "PKG_CONFIG_SYSROOT_DIR",
    "LIBRARY_PATH",
    "LD_LIBRARY_PATH",
    "CPATH",
    "C_INCLUDE_PATH",
)


def _skip_or_fail(reason: str) -> NoReturn:
    """Skip locally; on CI a test that cannot run is a failure."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so this is not skipped)")
    pytest.skip(reason)


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in LOCATING_VARS}
    env.update(
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        PIP_NO_INDEX="1",
        PIP_NO_INPUT="1",
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.update(extra)
    return env


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        cmd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def _output(proc: subprocess.CompletedProcess[str]) -> str:
    return f"--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def _is_within(path: Path, directory: Path) -> bool:
    return path.resolve().is_relative_to(directory.resolve())


def _pip_wheel_cmd(wheeldir: Path, srcdir: Path) -> list[str]:
    return [
        PYTHON,
        "-m",
        "pip",
        "wheel",
        "--no-build-isolation",
        "--no-deps",
        "-w",
        str(wheeldir),
        str(srcdir),
    ]


@pytest.fixture
def system_libdir() -> Path:
    """The directory holding the installed libchrony, as pkg-config reports it."""
    pkg_config = shutil.which("pkg-config")
    if pkg_config is None:
        _skip_or_fail("pkg-config is not installed")
    proc = subprocess.run(
        [pkg_config, "--variable=libdir", "libchrony"],
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    libdir = Path(proc.stdout.strip())
    if proc.returncode != 0 or not proc.stdout.strip() or not (libdir / LIB_REAL).is_file():
        _skip_or_fail(
            f"libchrony is not installed where pkg-config can see it "
            f"(pkg-config --variable=libdir libchrony -> {proc.stdout.strip()!r}, "
            f"expected {LIB_REAL} there); run scripts/provision"
        )
    return libdir


@pytest.fixture
def srcdir(tmp_path: Path) -> Path:
    """A scratch copy of what the project needs to build."""
    dest = tmp_path / "src"
    dest.mkdir()
    for name in SOURCE_FILES:
        src = REPO / name
        if src.is_file():
            shutil.copy2(src, dest / name)
        elif name == "README.md":
            # pyproject.toml names it as the long description; any text will do.
            (dest / name).write_text("# pychrony\n\nScratch copy for a build test.\n")
        else:
            pytest.fail(f"{src} is missing from the checkout")
    for name in SOURCE_DIRS:
        shutil.copytree(REPO / name, dest / name, ignore=IGNORED)
    leftovers = [
        p
        for p in dest.rglob("*")
        if p.suffix in {".so", ".o"} or p.name in {GENERATED_C, "__pycache__"}
    ]
    assert not leftovers, f"generated files leaked into the scratch copy: {leftovers}"
    return dest


@pytest.fixture
def scratch_prefix(tmp_path: Path, system_libdir: Path) -> Path:
    """An install prefix holding a copy of libchrony and a libchrony.pc for it."""
    prefix = tmp_path / "prefix"
    libdir = prefix / "lib"
    pcdir = libdir / "pkgconfig"
    pcdir.mkdir(parents=True)
    (prefix / "include").mkdir()
    shutil.copy2(system_libdir / LIB_REAL, libdir / LIB_REAL)
    (libdir / LIB_SONAME).symlink_to(LIB_REAL)
    (libdir / LIB_DEV).symlink_to(LIB_SONAME)
    (pcdir / "libchrony.pc").write_text(
        f"prefix={prefix}\n"
        "libdir=${prefix}/lib\n"
        "includedir=${prefix}/include\n"
        "\n"
        "Name: libchrony\n"
        "Description: chrony client library (scratch prefix for a build test)\n"
        "Version: 0.2\n"
        "Libs: -L${libdir} -lchrony\n"
        "Cflags: -I${includedir}\n"
    )
    return prefix


def _runpath(extension: Path) -> list[str]:
    proc = _run(["readelf", "-d", str(extension)], _clean_env())
    assert proc.returncode == 0, _output(proc)
    dirs: list[str] = []
    for line in proc.stdout.splitlines():
        if "(RUNPATH)" in line or "(RPATH)" in line:
            value = line.split("[", 1)[1].rsplit("]", 1)[0]
            dirs.extend(value.split(":"))
    return dirs


def _ldd_resolution(extension: Path, soname: str) -> str:
    proc = _run(["ldd", str(extension)], _clean_env())
    assert proc.returncode == 0, _output(proc)
    for line in proc.stdout.splitlines():
        name, sep, rest = line.strip().partition(" => ")
        if sep and name == soname:
            return rest.rsplit(" (", 1)[0].strip()
    pytest.fail(f"ldd does not list {soname} for {extension}:\n{proc.stdout}")


def test_pip_builds_against_prefix_from_pkg_config_path(
    tmp_path: Path, srcdir: Path, scratch_prefix: Path
) -> None:
    pcdir = scratch_prefix / "lib" / "pkgconfig"
    wheeldir = tmp_path / "wheels"
    # PKG_CONFIG_LIBDIR replaces pkg-config's default search path, so the
    # system's libchrony.pc cannot be picked instead of the scratch one.
    env = _clean_env(PKG_CONFIG_PATH=str(pcdir), PKG_CONFIG_LIBDIR=str(pcdir))

    proc = _run(_pip_wheel_cmd(wheeldir, srcdir), env)
    assert proc.returncode == 0, f"pip wheel failed:\n{_output(proc)}"

    wheels = sorted(wheeldir.glob("pychrony-*.whl"))
    assert len(wheels) == 1, f"expected one pychrony wheel, got {wheels}"
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheels[0]) as whl:
        whl.extractall(unpacked)
    extensions = sorted(unpacked.glob(EXTENSION_GLOB))
    assert len(extensions) == 1, f"expected one extension in {wheels[0].name}, got {extensions}"
    extension = extensions[0]

    lib = scratch_prefix / "lib"
    runpath = _runpath(extension)
    assert str(lib) in runpath, f"RUNPATH {runpath} of {extension.name} lacks {lib}"

    resolved = _ldd_resolution(extension, LIB_SONAME)
    assert resolved not in ("", "not found"), f"{LIB_SONAME} does not resolve"
    assert _is_within(Path(resolved), lib), f"{LIB_SONAME} resolved to {resolved}, not under {lib}"

    probe = (
        "import pychrony._libchrony_cffi as m\nprint(m.lib.chrony_get_number_supported_reports())\n"
    )
    proc = _run([PYTHON, "-c", probe], _clean_env(PYTHONPATH=str(unpacked)))
    assert proc.returncode == 0, f"importing the built extension failed:\n{_output(proc)}"
    assert proc.stdout.strip() == "10", _output(proc)


def test_build_without_libchrony_fails_with_clear_message(
    tmp_path: Path, srcdir: Path, system_libdir: Path
) -> None:
    unshare = shutil.which("unshare")
    if unshare is None:
        _skip_or_fail("unshare is not installed; cannot hide libchrony")

    # Hiding the libdir must not hide the interpreter or the test's own files.
    for label, path in (
        ("sys.prefix", Path(sys.prefix)),
        ("sys.base_prefix", Path(sys.base_prefix)),
        ("sys.executable", Path(sys.executable)),
        ("the test's tmp_path", tmp_path),
    ):
        if _is_within(path, system_libdir):
            pytest.fail(
                f"{label} ({path}) lies under {system_libdir}, which this test masks "
                "to hide libchrony; the build could not run. Use a Python installed "
                "elsewhere."
            )

    mask = f"mount -t tmpfs none {shlex.quote(str(system_libdir))}"
    probe = _run([unshare, "--mount", "--propagation", "private", "sh", "-c", mask], _clean_env())
    if probe.returncode != 0:
        _skip_or_fail(
            "cannot hide libchrony: 'unshare --mount' plus 'mount -t tmpfs' is not "
            f"permitted here (needs root or CAP_SYS_ADMIN):\n{_output(probe)}"
        )

    wheeldir = tmp_path / "wheels"
    build = shlex.join(_pip_wheel_cmd(wheeldir, srcdir))
    proc = _run(
        [unshare, "--mount", "--propagation", "private", "sh", "-c", f"{mask} && exec {build}"],
        _clean_env(),
    )
    combined = proc.stdout + proc.stderr

    assert proc.returncode != 0, f"build succeeded with {system_libdir} hidden:\n{_output(proc)}"
    assert not list(wheeldir.glob("*.whl")), "a wheel was written although the build failed"
    assert NOT_FOUND in combined, _output(proc)
    for expected in ("pkg-config", "-lchrony", "dnf install libchrony-devel", "scripts/provision"):
        assert expected in combined, f"{expected!r} missing from the message:\n{_output(proc)}"
    assert "Traceback" not in combined, f"a traceback reached the user:\n{_output(proc)}"
    assert "LibchronyNotFoundError" not in combined, _output(proc)


def _header_from_declarations(declarations: str) -> str:
    """A chrony.h carrying the given declarations, as libchrony's own would."""
    return (
        "#ifndef CHRONY_H\n#define CHRONY_H\n"
        "#include <stdbool.h>\n#include <stdint.h>\n#include <time.h>\n"
        f"{declarations}\n#endif\n"
    )


@pytest.mark.parametrize(
    ("change", "expected_error"),
    [
        (None, None),
        # A libchrony whose enum value moved: the ABI our constants assume is gone.
        (("CHRONY_DISABLED = 10", "CHRONY_DISABLED = 15"), "CHRONY_DISABLED is not 10"),
        # A libchrony whose function changed its return type.
        (
            ("uint64_t chrony_get_field_uinteger", "uint32_t chrony_get_field_uinteger"),
            "conflicting types for",
        ),
    ],
    ids=["matching", "enum-value-differs", "prototype-differs"],
)
def test_build_checks_declarations_against_a_found_header(
    tmp_path: Path,
    srcdir: Path,
    scratch_prefix: Path,
    change: tuple[str, str] | None,
    expected_error: str | None,
) -> None:
    header = (REPO / "decl" / "chrony_api.h").read_text()
    if change is not None:
        assert change[0] in header
        header = header.replace(*change)
    (scratch_prefix / "include" / "chrony.h").write_text(_header_from_declarations(header))
    pcdir = scratch_prefix / "lib" / "pkgconfig"
    env = _clean_env(PKG_CONFIG_PATH=str(pcdir), PKG_CONFIG_LIBDIR=str(pcdir))

    proc = _run(_pip_wheel_cmd(tmp_path / "wheels", srcdir), env)

    if expected_error is None:
        assert proc.returncode == 0, f"build against a matching chrony.h failed:\n{_output(proc)}"
    else:
        # Failing proves the header was included and our declarations checked against it.
        assert proc.returncode != 0, f"a stale declaration went unnoticed:\n{_output(proc)}"
        assert expected_error in proc.stdout + proc.stderr, _output(proc)
