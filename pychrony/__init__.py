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

from ._version import __version__
from .aio import AsyncChronyConnection
from .connection import ChronyConnection
from .exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
    ChronyTimeoutError,
)
from .fleet import ServerResult, gather, gather_sync
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

__all__ = [
    "Activity",
    "AsyncChronyConnection",
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
    "ServerResult",
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
    "gather",
    "gather_sync",
]
