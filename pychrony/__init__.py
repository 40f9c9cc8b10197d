"""pychrony: monitor the chrony NTP daemon from Python.

Typed reports from chronyd over libchrony::

    from pychrony import ChronyConnection

    with ChronyConnection() as conn:
        status = conn.get_tracking()
        print(status.reference_id_name, status.offset, status.is_synchronized())

See :class:`ChronyConnection` for addresses, timeouts and retries, and
:mod:`pychrony.exceptions` for what can go wrong.
"""

from __future__ import annotations

from typing import Any

from .connection import ChronyConnection
from .exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
    ChronyTimeoutError,
)
from .models import (
    Activity,
    AuthData,
    AuthMode,
    KeyType,
    LeapStatus,
    NTPData,
    NTPFlags,
    NTPMode,
    RTCData,
    SelectData,
    SelectOptions,
    SelectState,
    ServerStats,
    Smoothing,
    SmoothingFlags,
    Source,
    SourceMode,
    SourceState,
    SourceStats,
    TimestampSource,
    TrackingStatus,
    Transport,
)


def __getattr__(name: str) -> Any:
    # __version__ on first use: importlib.metadata alone would double the
    # time ``import pychrony`` takes.
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("pychrony")
        except PackageNotFoundError:  # running from a source tree without metadata
            found = "0.0.0+unknown"
        globals()["__version__"] = found
        return found
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Activity",
    "AuthData",
    "AuthMode",
    "ChronyConnection",
    "ChronyConnectionError",
    "ChronyDataError",
    "ChronyError",
    "ChronyLibraryError",
    "ChronyPermissionError",
    "ChronyTimeoutError",
    "KeyType",
    "LeapStatus",
    "NTPData",
    "NTPFlags",
    "NTPMode",
    "RTCData",
    "SelectData",
    "SelectOptions",
    "SelectState",
    "ServerStats",
    "Smoothing",
    "SmoothingFlags",
    "Source",
    "SourceMode",
    "SourceState",
    "SourceStats",
    "TimestampSource",
    "TrackingStatus",
    "Transport",
    "__version__",
]
