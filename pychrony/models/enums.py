"""Every enumeration of the typed models, in one import.

Each enum is defined beside the model it describes (``SourceState`` in
:mod:`pychrony.models.sources`, ``LeapStatus`` in
:mod:`pychrony.models.tracking`, ...), so what a value means is read and
changed next to the fields that carry it; the bases that decode values a newer
chronyd adds are in ``_enum.py``. This module keeps the import path
``pychrony.models.enums`` of earlier 3.0 development versions working.
"""

from .._core.address import Transport
from .auth import AuthMode, KeyType
from .clock import SmoothingFlags
from .ntp import NTPFlags, NTPMode, TimestampSource
from .selection import SelectOptions, SelectState
from .sources import SourceMode, SourceState
from .tracking import LeapStatus

__all__ = [
    "AuthMode",
    "KeyType",
    "LeapStatus",
    "NTPFlags",
    "NTPMode",
    "SelectOptions",
    "SelectState",
    "SmoothingFlags",
    "SourceMode",
    "SourceState",
    "TimestampSource",
    "Transport",
]
