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

from importlib.metadata import PackageNotFoundError, version

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

try:
    __version__ = version("pychrony")
except PackageNotFoundError:  # running from a source tree without metadata
    __version__ = "0.0.0+unknown"

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
