"""The only module that touches the compiled CFFI extension.

Everything else gets ``ffi`` and ``lib`` from :func:`load`, so a missing or
unloadable libchrony surfaces as one :class:`~pychrony.ChronyLibraryError` at
first use instead of an ImportError at ``import pychrony``. Their types come
from the extension's stub (``_libchrony_cffi.pyi``), so mypy checks every
call into C.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .exceptions import ChronyLibraryError

if TYPE_CHECKING:
    from ._libchrony_cffi import FFI, Lib

_loaded: tuple[FFI, Lib] | None = None


def load() -> tuple[FFI, Lib]:
    """Return ``(ffi, lib)`` of the compiled binding.

    Raises:
        ChronyLibraryError: the extension was not built, or libchrony.so.0
            cannot be loaded.
    """
    global _loaded
    if _loaded is None:
        try:
            from ._libchrony_cffi import ffi, lib
        except ImportError as exc:
            raise ChronyLibraryError(
                f"the libchrony binding cannot be loaded ({exc}); install libchrony "
                "(Fedora/EPEL: libchrony; Debian/Ubuntu: scripts/provision) and "
                "reinstall pychrony"
            ) from exc
        _loaded = (ffi, lib)
    return _loaded


def loaded() -> tuple[FFI, Lib] | None:
    """``(ffi, lib)`` when :func:`load` has loaded them, else None (never loads)."""
    return _loaded
