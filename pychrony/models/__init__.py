"""Typed models (frozen dataclasses) and enums of chronyd's reports, grouped by subject.

One module per subject, named as chronyc's commands group them, so the room
for a change is found from the file name: a field a newer chronyd sends goes
into the model of its report, a value's meaning into the enum beside it.

* ``tracking``: :class:`TrackingStatus` and :class:`LeapStatus`;
* ``sources``: :class:`Source`, :class:`SourceStats`, :class:`Activity`, and
  what a source's state and mode mean (:class:`SourceState`,
  :class:`SourceMode`);
* ``selection``: :class:`SelectData`, :class:`SelectState`,
  :class:`SelectOptions`;
* ``auth`` and ``ntp``: :class:`AuthData` (:class:`AuthMode`,
  :class:`KeyType`) and :class:`NTPData` (:class:`NTPMode`,
  :class:`TimestampSource`, :class:`NTPFlags`), per source;
* ``server``: :class:`ServerStats`;
* ``clock``: :class:`RTCData` and :class:`Smoothing` (:class:`SmoothingFlags`).

Enums live with the subject they describe rather than in one ``enums``
module: reading or changing what a state means happens beside the model that
carries it. The one shared enum, :class:`LeapStatus`, is the clock's and lives
in ``tracking``; ``enums`` re-exports them all. What every subject shares has
its own module: ``catalog`` (the ten reports), ``units`` (what a field
measures), ``_declare`` (declaring a field, decoding a record), ``_convert``
(raw values to attribute types) and ``_enum`` (decoding values chronyd adds
later).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.address import Transport
from .._lazy import LazyExports

if TYPE_CHECKING:
    from .auth import AuthData, AuthMode, KeyType
    from .clock import RTCData, Smoothing, SmoothingFlags
    from .ntp import NTPData, NTPFlags, NTPMode, TimestampSource
    from .selection import SelectData, SelectOptions, SelectState
    from .server import ServerStats
    from .sources import Activity, Source, SourceMode, SourceState, SourceStats
    from .tracking import LeapStatus, TrackingStatus

# Each subject loads on first use: a caller of get_tracking() needs the
# tracking model only, and each model costs a dataclass build at import.
_SUBJECT_OF = {
    **dict.fromkeys(("AuthData", "AuthMode", "KeyType"), "auth"),
    **dict.fromkeys(("RTCData", "Smoothing", "SmoothingFlags"), "clock"),
    **dict.fromkeys(("NTPData", "NTPFlags", "NTPMode", "TimestampSource"), "ntp"),
    **dict.fromkeys(("SelectData", "SelectOptions", "SelectState"), "selection"),
    "ServerStats": "server",
    **dict.fromkeys(("Activity", "Source", "SourceMode", "SourceState", "SourceStats"), "sources"),
    **dict.fromkeys(("LeapStatus", "TrackingStatus"), "tracking"),
}


def __dir__() -> list[str]:
    # The lazy names too, before their first use (for completion and help()).
    return _EXPORTS.names()


def __getattr__(name: str) -> object:
    return _EXPORTS.load(name)


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

# After __all__: dir() lists it; __getattr__ and __dir__ above use this at call time.
_EXPORTS = LazyExports(__name__, globals(), _SUBJECT_OF, __all__)
