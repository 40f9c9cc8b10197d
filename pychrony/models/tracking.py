"""The system clock's synchronisation: ``chronyc tracking``, and the leap status.

:class:`LeapStatus` lives here, with the clock it describes; selection and
NTP data report a source's leap status with the same enum.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._convert import ref_id_name, seconds, text
from ._declare import source
from ._enum import _TolerantEnum
from .units import Unit

__all__ = ["LeapStatus", "TrackingStatus"]


class LeapStatus(_TolerantEnum):
    """Leap second status of the clock (libchrony field ``leap status``).

    Attributes:
        NORMAL: no leap second pending.
        INSERT: a second will be inserted at the end of the UTC day.
        DELETE: a second will be deleted at the end of the UTC day.
        UNSYNC: the clock is not synchronised.
    """

    NORMAL = 0
    INSERT = 1
    DELETE = 2
    UNSYNC = 3

    @property
    def description(self) -> str:
        """The status in chronyc's words (``normal``, ``insert second``, ...).

        ``chronyc tracking``'s ``Leap status`` line; ``not synchronised`` for
        ``UNSYNC``.
        """
        return _LEAP_WORDS.get(int(self.value), f"unknown ({int(self.value)})")


_LEAP_WORDS: dict[int, str] = {
    LeapStatus.NORMAL.value: "normal",
    LeapStatus.INSERT.value: "insert second",
    LeapStatus.DELETE.value: "delete second",
    LeapStatus.UNSYNC.value: "not synchronised",
}


@dataclass(frozen=True, slots=True)
class TrackingStatus:
    """The system clock's synchronisation state (``chronyc tracking``).

    Attributes:
        reference_id: reference ID of the source synchronised to (0 when
            not synchronised; ``0x7F7F0101`` in ``local`` mode).
        reference_id_name: the reference ID as text: an IPv4 address, or a
            reference clock's name such as ``PPS0``.
        reference_ip: address of the source synchronised to (``""`` if none).
        stratum: chronyd's stratum (0 when not synchronised, as chronyd
            reports it, with reference ID 0 and leap status ``UNSYNC``).
        leap_status: leap second status.
        ref_time: when the last measurement was used, seconds since the epoch.
        offset: current correction being applied to the system clock, seconds
            (chronyd's "current correction", NTP time minus system time):
            positive means the system clock is slow of NTP time, negative
            that it is fast, as ``chronyc tracking``'s ``System time`` line
            says (see :attr:`~pychrony.TrackingStatus.offset_direction`).
        last_offset: offset estimated at the last clock update, seconds.
        rms_offset: long-term average of the offset, seconds.
        frequency: rate error of the system clock, ppm (positive = fast).
        residual_freq: residual frequency of the current source, ppm.
        skew: estimated error bound on ``frequency``, ppm.
        root_delay: total network delay to the stratum-1 source, seconds.
        root_dispersion: total dispersion accumulated to the stratum-1 source, seconds.
        update_interval: interval between the last two clock updates, seconds.
    """

    reference_id: int = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    reference_id_name: str = field(
        metadata=source("reference ID", convert=ref_id_name, unit=Unit.REFERENCE_ID)
    )
    reference_ip: str = field(metadata=source("address", convert=text, unit=Unit.ADDRESS))
    stratum: int = field(metadata=source("stratum", unit=Unit.COUNT))
    leap_status: LeapStatus = field(
        metadata=source("leap status", convert=LeapStatus, unit=Unit.ENUM)
    )
    ref_time: float = field(metadata=source("reference time", convert=seconds, unit=Unit.TIME))
    offset: float = field(metadata=source("current correction", unit=Unit.OFFSET))
    last_offset: float = field(metadata=source("last offset", unit=Unit.OFFSET))
    rms_offset: float = field(metadata=source("RMS offset", unit=Unit.SECONDS))
    frequency: float = field(metadata=source("frequency offset", unit=Unit.OFFSET_PPM))
    residual_freq: float = field(metadata=source("residual frequency", unit=Unit.OFFSET_PPM))
    skew: float = field(metadata=source("skew", unit=Unit.PPM))
    root_delay: float = field(metadata=source("root delay", unit=Unit.SECONDS))
    root_dispersion: float = field(metadata=source("root dispersion", unit=Unit.SECONDS))
    update_interval: float = field(metadata=source("last update interval", unit=Unit.SECONDS))

    def is_synchronized(self) -> bool:
        """Whether chronyd is synchronised to a source.

        False for chronyd's own way of saying it is not (reference ID 0,
        stratum 0, leap status ``UNSYNC``) and for NTP's (stratum 16 or more),
        which pychrony 2.x test code builds.
        """
        return (
            self.reference_id != 0
            and 0 < self.stratum < 16
            and self.leap_status is not LeapStatus.UNSYNC
        )

    @property
    def offset_direction(self) -> str:
        """``"slow"`` or ``"fast"``: the system clock against NTP time, as chronyc says it.

        chronyc's rule (``System time : X seconds slow|fast of NTP time``): a
        positive :attr:`offset` means slow; zero or negative means fast.
        """
        return "slow" if self.offset > 0.0 else "fast"

    def is_leap_pending(self) -> bool:
        """Whether a leap second will be inserted or deleted at the end of the day."""
        return self.leap_status in (LeapStatus.INSERT, LeapStatus.DELETE)
