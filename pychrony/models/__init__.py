"""Typed models (frozen dataclasses) and enums of chronyd's reports."""

from .enums import (
    AuthMode,
    KeyType,
    LeapStatus,
    NTPFlags,
    NTPMode,
    SelectOptions,
    SelectState,
    SmoothingFlags,
    SourceMode,
    SourceState,
    TimestampSource,
    Transport,
)
from .reports import RTCData, Source, SourceStats, TrackingStatus
from .server import Activity, ServerStats, Smoothing
from .sources import AuthData, NTPData, SelectData

__all__ = [
    "Activity",
    "AuthData",
    "AuthMode",
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
]
