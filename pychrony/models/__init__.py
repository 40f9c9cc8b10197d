"""Typed models (frozen dataclasses) and enums of chronyd's reports."""

from .enums import LeapStatus, SourceMode, SourceState, Transport
from .reports import RTCData, Source, SourceStats, TrackingStatus

__all__ = [
    "LeapStatus",
    "RTCData",
    "Source",
    "SourceMode",
    "SourceState",
    "SourceStats",
    "TrackingStatus",
    "Transport",
]
