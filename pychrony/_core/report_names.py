"""The report names the loaded libchrony supports, in libchrony's order."""

from __future__ import annotations

from functools import cache

from .. import _native

__all__ = ["supported_reports"]


@cache
def supported_reports() -> tuple[str, ...]:
    """Names of the reports libchrony can request (``chrony_get_report_name``).

    The list is compiled into libchrony, so it is read once per process.

    Raises:
        ChronyLibraryError: libchrony cannot be loaded.
    """
    ffi, lib = _native.load()
    names = []
    for i in range(int(lib.chrony_get_number_supported_reports())):
        name = lib.chrony_get_report_name(i)
        if name != ffi.NULL:
            names.append(ffi.string(name).decode("ascii", "replace"))
    return tuple(names)
