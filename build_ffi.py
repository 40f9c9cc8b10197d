"""CFFI build module: compiles ``pychrony._libchrony_cffi`` against libchrony.

Out-of-line API mode: the C compiler sees every declaration at build time, so a
missing symbol or a wrong signature fails the build instead of a call in
production. setuptools runs this through ``cffi_modules``; ``python
build_ffi.py`` compiles the extension in place for development.

libchrony is looked up in this order:

1. pkg-config module ``libchrony`` (honours ``PKG_CONFIG_PATH``; ``PKG_CONFIG``
   names another pkg-config binary);
2. the C compiler's default search paths (``-lchrony``).

A library outside the system directories gets an rpath, so the extension loads
without ``LD_LIBRARY_PATH``. When ``chrony.h`` is found the extension includes
it, and the compiler checks the project's declarations (``decl/chrony_api.h``)
against it; otherwise it compiles from those declarations alone.

This module needs nothing from the pychrony package.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from cffi import FFI  # type: ignore[import-untyped]

HERE = Path(__file__).resolve().parent
DECLARATIONS = HERE / "decl" / "chrony_api.h"
MODULE_NAME = "pychrony._libchrony_cffi"

# Directories the dynamic linker searches anyway; an rpath to them is noise.
_SYSTEM_LIBDIRS = {"/lib", "/lib64", "/usr/lib", "/usr/lib64"}

# The cdef needs struct timespec spelled out; the C side gets it from <time.h>.
_CDEF_PRELUDE = """
typedef int... time_t;
struct timespec { time_t tv_sec; long tv_nsec; ...; };
"""

# pychrony's own C helpers (the one-call record reader), compiled into the
# extension after libchrony's declarations: their declarations are cdef text,
# their definitions C source appended to the extension's.
HELPERS_DECLARATIONS = HERE / "decl" / "pychrony_helpers.h"
HELPERS_SOURCE = HERE / "decl" / "pychrony_helpers.c"

INSTALL_HINT = """\
libchrony (chrony's client library) was not found.
Searched: pkg-config module 'libchrony' (PKG_CONFIG_PATH={pkg_config_path}){pc_note},
then the C compiler's default library paths (-lchrony with {cc}).
Install it, then build again:
  Fedora:            dnf install libchrony-devel
  RHEL/Alma/Rocky:   dnf install epel-release && dnf install libchrony-devel
  Debian/Ubuntu:     scripts/provision   (from a pychrony source checkout; installs
                     libchrony into /usr/local, or $LIBCHRONY_PREFIX)
  from source:       make install in a libchrony checkout, then
                     PKG_CONFIG_PATH=<prefix>/lib/pkgconfig pip install ."""


class LibchronyNotFoundError(RuntimeError):
    """libchrony could not be located by any of the documented means."""


class LibchronyConfig:
    """Compiler and linker settings for one located libchrony.

    A plain class: setuptools runs this file through cffi's ``execfile``,
    where it is no importable module, and ``dataclasses`` needs one.
    """

    def __init__(self, header: Path | None = None) -> None:
        self.include_dirs: list[str] = []
        self.library_dirs: list[str] = []
        self.libraries: list[str] = ["chrony"]
        self.extra_compile_args: list[str] = []
        self.runtime_library_dirs: list[str] = []
        self.header = header


def _compiler() -> list[str]:
    return shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")


def _system_libdirs() -> set[str]:
    dirs = set(_SYSTEM_LIBDIRS)
    multiarch = sysconfig.get_config_var("MULTIARCH")
    if multiarch:
        dirs |= {f"/lib/{multiarch}", f"/usr/lib/{multiarch}"}
    return dirs


def _pkg_config_exe() -> str | None:
    return shutil.which(os.environ.get("PKG_CONFIG", "pkg-config"))


def _pkg_config(*args: str) -> str | None:
    exe = _pkg_config_exe()
    if exe is None:
        return None
    proc = subprocess.run([exe, *args], capture_output=True, text=True, check=False)
    return proc.stdout.strip() if proc.returncode == 0 else None


def _compiles(source: str, args: list[str]) -> bool:
    """Return whether ``source`` compiles and links with ``args``."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "probe.c"
        src.write_text(source)
        cmd = [*_compiler(), str(src), "-o", str(Path(tmp) / "probe"), *args]
        try:
            proc = subprocess.run(cmd, capture_output=True, check=False)
        except OSError:
            return False
        return proc.returncode == 0


def _find_header(include_dirs: list[str], cflags: list[str]) -> Path | None:
    for d in include_dirs:
        candidate = Path(d) / "chrony.h"
        if candidate.is_file():
            return candidate
    probe = "#include <chrony.h>\nint main(void) { return CHRONY_OK; }\n"
    if _compiles(probe, [*cflags, "-c"]):
        return Path("chrony.h")
    return None


def _from_pkg_config() -> LibchronyConfig | None:
    if _pkg_config("--exists", "libchrony") is None:
        return None
    cflags = shlex.split(_pkg_config("--cflags", "libchrony") or "")
    libs = shlex.split(_pkg_config("--libs", "libchrony") or "")
    cfg = LibchronyConfig()
    for flag in cflags:
        if flag.startswith("-I"):
            cfg.include_dirs.append(flag[2:])
        else:
            cfg.extra_compile_args.append(flag)
    cfg.library_dirs = [flag[2:] for flag in libs if flag.startswith("-L")]
    cfg.libraries = [flag[2:] for flag in libs if flag.startswith("-l")] or ["chrony"]
    system = _system_libdirs()
    cfg.runtime_library_dirs = [d for d in cfg.library_dirs if os.path.normpath(d) not in system]
    cfg.header = _find_header(cfg.include_dirs, cflags)
    return cfg


def _from_compiler_defaults() -> LibchronyConfig | None:
    probe = (
        "int chrony_get_number_supported_reports(void);\n"
        "int main(void) { return chrony_get_number_supported_reports() < 0; }\n"
    )
    if not _compiles(probe, ["-lchrony"]):
        return None
    return LibchronyConfig(header=_find_header([], []))


def find_libchrony() -> LibchronyConfig:
    """Locate libchrony in the documented order.

    Raises:
        LibchronyNotFoundError: with a message naming what was searched and how to
            install libchrony.
    """
    for finder in (_from_pkg_config, _from_compiler_defaults):
        cfg = finder()
        if cfg is not None:
            return cfg
    pc_note = "" if _pkg_config_exe() else " [pkg-config is not installed]"
    raise LibchronyNotFoundError(
        INSTALL_HINT.format(
            pkg_config_path=os.environ.get("PKG_CONFIG_PATH", ""),
            pc_note=pc_note,
            cc=" ".join(_compiler()),
        )
    )


_ENUM_BLOCK = re.compile(r"typedef\s+enum\s*\{.*?\}\s*\w+\s*;", re.S)
_ENUM_VALUE = re.compile(r"\b(CHRONY_\w+)\s*=\s*(\d+)")


def header_checks(declarations: str) -> str:
    """C that holds the project's declarations to the real ``chrony.h``.

    CFFI's API mode takes enum values from the header and converts return
    values silently, so a stale declaration would go unnoticed. Redeclaring
    every function makes a differing prototype a compile error, and a static
    assertion per enum constant makes a differing ABI value one.
    """
    prototypes = _ENUM_BLOCK.sub("", declarations)
    asserts = "".join(
        f'_Static_assert({name} == {value}, "decl/chrony_api.h: {name} is not {value} '
        f'in chrony.h");\n'
        for name, value in _ENUM_VALUE.findall(declarations)
    )
    return prototypes + "\n" + asserts


def c_source(cfg: LibchronyConfig, declarations: str) -> str:
    """The C text the extension compiles: the real header when there is one."""
    # The helpers' declarations are plain C too: their types (the exchange's
    # state) come before the definitions.
    helpers = HELPERS_DECLARATIONS.read_text() + HELPERS_SOURCE.read_text()
    if cfg.header is not None:
        return "#include <chrony.h>\n\n" + header_checks(declarations) + helpers
    prelude = "#include <stdbool.h>\n#include <stdint.h>\n#include <time.h>\n\n"
    return prelude + declarations + helpers


def make_ffi(cfg: LibchronyConfig) -> FFI:
    """Build the FFI object for one located libchrony."""
    declarations = DECLARATIONS.read_text()
    builder = FFI()
    builder.cdef(_CDEF_PRELUDE + declarations + HELPERS_DECLARATIONS.read_text())
    builder.set_source(
        MODULE_NAME,
        c_source(cfg, declarations),
        include_dirs=cfg.include_dirs,
        library_dirs=cfg.library_dirs,
        libraries=cfg.libraries,
        runtime_library_dirs=cfg.runtime_library_dirs,
        extra_compile_args=[*cfg.extra_compile_args, "-Werror=implicit-function-declaration"],
    )
    return builder


def _ffi_or_exit() -> FFI:
    try:
        cfg = find_libchrony()
    except LibchronyNotFoundError as exc:
        # One clear message, not a traceback, in pip's output.
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(1) from None
    return make_ffi(cfg)


ffi = _ffi_or_exit()

if __name__ == "__main__":
    ffi.compile(tmpdir=str(HERE), verbose=True)
