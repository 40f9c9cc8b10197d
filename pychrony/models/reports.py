"""Typed models of chronyd's reports.

Each model is declared once: every attribute names the libchrony field it
reads and its conversion (see :mod:`pychrony.models._declare`). Attribute names
of the pychrony 2.x models are kept; values equal what ``chronyc -c`` prints.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._convert import is_placeholder, ref_id_name, seconds, source_address, text
from ._declare import source
from .enums import LeapStatus, SourceMode, SourceState
from .units import Unit

__all__ = ["RTCData", "Source", "SourceStats", "TrackingStatus"]


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


@dataclass(frozen=True, slots=True)
class Source:
    """One time source (a line of ``chronyc sources``).

    Attributes:
        address: the source's IP address, or a reference clock's name.
        poll: polling interval, log2 seconds (-2 means every 0.25 s).
        stratum: the source's stratum.
        state: selection state.
        mode: client, peer or reference clock.
        flags: source flags as chronyd reports them.
        reachability: reachability register, last 8 polls (255 = ``377`` octal).
        last_sample_ago: seconds since the last good sample (4294967295: never).
        orig_latest_meas: last sample's offset as measured, seconds.
        latest_meas: last sample's offset adjusted for clock updates since, seconds.
        latest_meas_err: error bound of the last sample, seconds.
    """

    address: str = field(
        metadata=source("address", "reference ID", convert=source_address, unit=Unit.ADDRESS)
    )
    poll: int = field(metadata=source("poll", unit=Unit.LOG2_SECONDS))
    stratum: int = field(metadata=source("stratum", unit=Unit.COUNT))
    state: SourceState = field(metadata=source("state", convert=SourceState, unit=Unit.ENUM))
    mode: SourceMode = field(metadata=source("mode", convert=SourceMode, unit=Unit.ENUM))
    flags: int = field(metadata=source("flags", unit=Unit.FLAGS))
    reachability: int = field(metadata=source("reachability", unit=Unit.REGISTER))
    last_sample_ago: int = field(metadata=source("last sample ago", unit=Unit.INTERVAL))
    orig_latest_meas: float = field(
        metadata=source("original last sample offset", unit=Unit.OFFSET)
    )
    latest_meas: float = field(metadata=source("adjusted last sample offset", unit=Unit.OFFSET))
    latest_meas_err: float = field(metadata=source("last sample error", unit=Unit.SECONDS))

    def is_reachable(self) -> bool:
        """Whether any of the last eight polls got a reply."""
        return self.reachability > 0

    def is_selected(self) -> bool:
        """Whether chronyd synchronises to this source."""
        return self.state == SourceState.SELECTED

    def is_combined(self) -> bool:
        """Whether the source is used for synchronisation (selected or combined)."""
        return self.state.is_combined

    def is_selectable(self) -> bool:
        """Whether chronyd considers the source selectable (selected, combined or not combined)."""
        return self.state.is_selectable

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder for an unresolved name.

        A ``server``/``pool`` whose name chronyd has not resolved yet is listed
        with a placeholder address (``ID#0000000001``). ``chronyc sources``
        hides such sources unless given ``-a``, and so do pychrony's command,
        check and exporter; the library returns every record, so filter with
        ``[s for s in sources if s.is_resolved()]``.
        """
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's name)."""
        return self.address


@dataclass(frozen=True, slots=True)
class SourceStats:
    """Measurement statistics of one source (a line of ``chronyc sourcestats``).

    Attributes:
        reference_id: the source's reference ID.
        address: the source's IP address (``""`` for a reference clock).
        samples: sample points retained.
        runs: runs of residuals with the same sign.
        span: interval between the oldest and newest sample, seconds.
        std_dev: estimated sample standard deviation, seconds.
        resid_freq: residual frequency, ppm.
        skew: estimated error bound on ``resid_freq``, ppm.
        offset: estimated offset of the source, seconds.
        offset_err: estimated error of ``offset``, seconds.
    """

    reference_id: int = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    address: str = field(metadata=source("address", convert=text, unit=Unit.ADDRESS))
    samples: int = field(metadata=source("samples", unit=Unit.COUNT))
    runs: int = field(metadata=source("runs", unit=Unit.COUNT))
    span: int = field(metadata=source("span", unit=Unit.INTERVAL))
    std_dev: float = field(metadata=source("standard deviation", unit=Unit.SECONDS))
    resid_freq: float = field(metadata=source("residual frequency", unit=Unit.OFFSET_PPM))
    skew: float = field(metadata=source("skew", unit=Unit.PPM))
    offset: float = field(metadata=source("offset", unit=Unit.OFFSET))
    offset_err: float = field(metadata=source("offset error", unit=Unit.SECONDS))

    def has_sufficient_samples(self, minimum: int = 4) -> bool:
        """Whether at least ``minimum`` samples back the statistics."""
        return self.samples >= minimum

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder (see :meth:`Source.is_resolved`)."""
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's reference ID)."""
        return self.address or ref_id_name(self.reference_id)


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
