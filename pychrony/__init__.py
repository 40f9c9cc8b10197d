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

from typing import TYPE_CHECKING

from . import models as _models
from ._lazy import LazyExports
from ._version import __version__
from .connection import ChronyConnection
from .exceptions import (
    ChronyConnectionError,
    ChronyDataError,
    ChronyError,
    ChronyLibraryError,
    ChronyPermissionError,
    ChronyTimeoutError,
)
from .models import Transport

if TYPE_CHECKING:
    from .aio import AsyncChronyConnection
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
    )

# The asyncio-based parts load on first use: asyncio alone takes longer to
# import than the rest of pychrony, and a blocking caller never needs it. The
# models load per subject (pychrony.models does that), so a caller of
# get_tracking() builds the tracking model only.
_LAZY = {
    "AsyncChronyConnection": "aio",
    "ServerResult": "fleet",
    "gather": "fleet",
    "gather_sync": "fleet",
    # Every lazy name of pychrony.models, from its own table (it loads them).
    **dict.fromkeys(_models._SUBJECT_OF, "models"),
}


def __dir__() -> list[str]:
    # The lazy names too, before their first use (for completion and help()).
    return _EXPORTS.names()


def __getattr__(name: str) -> object:
    return _EXPORTS.load(name)


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

# After __all__: dir() lists it; __getattr__ and __dir__ above use this at call time.
_EXPORTS = LazyExports(__name__, globals(), _LAZY, __all__)
