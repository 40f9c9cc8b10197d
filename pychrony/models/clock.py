"""The clocks chronyd keeps besides the system clock's tracking: the RTC and smoothing.

``chronyc rtcdata`` and ``chronyc smoothing``; chronyd answers either with
DISABLED unless configured for it (``rtcfile``, ``smoothtime``).

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field
from enum import IntFlag

from ._convert import seconds
from ._declare import source
from .units import Unit

__all__ = ["RTCData", "Smoothing", "SmoothingFlags"]


class SmoothingFlags(IntFlag):
    """State of chronyd's time smoothing (``chronyc smoothing``).

    Attributes:
        ACTIVE: smoothing is currently adjusting the served time.
        LEAP_ONLY: smoothing only leap seconds (``smoothtime ... leaponly``).
    """

    ACTIVE = 0x1
    LEAP_ONLY = 0x2


@dataclass(frozen=True, slots=True)
class RTCData:
    """The real-time clock as chronyd tracks it (``chronyc rtcdata``).

    Only available when chronyd is configured with ``rtcfile``;
    :meth:`pychrony.ChronyConnection.get_rtc_data` returns None otherwise.

    Attributes:
        ref_time: RTC time of the last measurement, seconds since the epoch.
        samples: measurements used for the RTC's calibration.
        runs: runs of residuals with the same sign.
        span: interval covered by the measurements, seconds.
        offset: how fast the RTC is, seconds.
        freq_offset: how fast the RTC gains time, ppm.
    """

    ref_time: float = field(metadata=source("reference time", convert=seconds, unit=Unit.TIME))
    samples: int = field(metadata=source("samples", unit=Unit.COUNT))
    runs: int = field(metadata=source("runs", unit=Unit.COUNT))
    span: int = field(metadata=source("span", unit=Unit.INTERVAL))
    offset: float = field(metadata=source("offset", unit=Unit.OFFSET))
    freq_offset: float = field(metadata=source("frequency offset", unit=Unit.OFFSET_PPM))

    def is_calibrated(self) -> bool:
        """Whether any calibration samples exist."""
        return self.samples > 0


@dataclass(frozen=True, slots=True)
class Smoothing:
    """Time smoothing chronyd applies for its NTP clients (``chronyc smoothing``).

    Only available when chronyd is configured with ``smoothtime``;
    :meth:`pychrony.ChronyConnection.get_smoothing` returns None otherwise.

    Attributes:
        flags: whether smoothing is active, and leap-second-only.
        offset: offset still being smoothed out, seconds.
        frequency_offset: frequency offset of the smoothing, ppm.
        wander: rate of change of the frequency offset, ppm per second.
        last_update_ago: seconds since the last update.
        remaining_time: seconds until the smoothing ends.
    """

    flags: SmoothingFlags = field(metadata=source("flags", convert=SmoothingFlags, unit=Unit.FLAGS))
    offset: float = field(metadata=source("offset", unit=Unit.OFFSET))
    frequency_offset: float = field(metadata=source("frequency offset", unit=Unit.OFFSET_PPM))
    wander: float = field(metadata=source("wander", unit=Unit.PPM_PER_SECOND))
    last_update_ago: float = field(metadata=source("last update ago", unit=Unit.SECONDS))
    remaining_time: float = field(metadata=source("remaining time", unit=Unit.SECONDS))

    def is_active(self) -> bool:
        """Whether smoothing is adjusting the served time right now."""
        return bool(self.flags & SmoothingFlags.ACTIVE)

    def is_leap_only(self) -> bool:
        """Whether smoothing applies only to leap seconds."""
        return bool(self.flags & SmoothingFlags.LEAP_ONLY)
