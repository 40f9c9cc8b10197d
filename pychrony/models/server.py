"""Typed models of chronyd's own state added in pychrony 3: activity, serverstats, smoothing.

Attribute names are libchrony's field names in snake case. libchrony's
``reserved #N`` placeholders carry no information and are left out.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._declare import source
from .enums import SmoothingFlags
from .units import Unit

__all__ = ["Activity", "ServerStats", "Smoothing"]


@dataclass(frozen=True, slots=True)
class Activity:
    """How many sources are online (``chronyc activity``).

    Attributes:
        online_sources: sources being polled.
        offline_sources: sources set offline.
        burst_online_return_sources: sources in a burst, returning online afterwards.
        burst_offline_return_sources: sources in a burst, returning offline afterwards.
        unresolved_sources: sources whose name is not resolved yet.
    """

    online_sources: int = field(metadata=source("online sources", unit=Unit.COUNT))
    offline_sources: int = field(metadata=source("offline sources", unit=Unit.COUNT))
    burst_online_return_sources: int = field(
        metadata=source("burst online-return sources", unit=Unit.COUNT)
    )
    burst_offline_return_sources: int = field(
        metadata=source("burst offline-return sources", unit=Unit.COUNT)
    )
    unresolved_sources: int = field(metadata=source("unresolved sources", unit=Unit.COUNT))

    @property
    def total_sources(self) -> int:
        """All sources, whatever their state."""
        return (
            self.online_sources
            + self.offline_sources
            + self.burst_online_return_sources
            + self.burst_offline_return_sources
            + self.unresolved_sources
        )


@dataclass(frozen=True, slots=True)
class ServerStats:
    """Counters of chronyd as an NTP and command server (``chronyc serverstats``).

    Unix socket only (UDP on chronyd 4.7+ with ``opencommands``). Counters that
    an older chronyd does not report are None.

    Attributes:
        received_ntp_requests: NTP requests received.
        accepted_nts_ke_connections: NTS-KE connections accepted (chronyd 4.0+).
        received_command_requests: command requests received.
        dropped_ntp_requests: NTP requests dropped by rate limiting.
        dropped_nts_ke_connections: NTS-KE connections dropped (chronyd 4.0+).
        dropped_command_requests: command requests dropped by rate limiting.
        dropped_client_log_records: client records dropped from a full log.
        received_authenticated_ntp_requests: authenticated NTP requests (chronyd 4.0+).
        received_interleaved_ntp_requests: interleaved NTP requests (chronyd 4.2+).
        held_ntp_timestamps: timestamps held for interleaved mode (chronyd 4.2+).
        ntp_timestamp_span: seconds covered by the held timestamps (chronyd 4.2+).
        served_daemon_rx_timestamps: daemon receive timestamps served (chronyd 4.4+).
        served_daemon_tx_timestamps: daemon transmit timestamps served (chronyd 4.4+).
        served_kernel_rx_timestamps: kernel receive timestamps served (chronyd 4.4+).
        served_kernel_tx_timestamps: kernel transmit timestamps served (chronyd 4.4+).
        served_hardware_rx_timestamps: hardware receive timestamps served (chronyd 4.4+).
        served_hardware_tx_timestamps: hardware transmit timestamps served (chronyd 4.4+).
    """

    received_ntp_requests: int = field(
        metadata=source("received NTP requests", unit=Unit.COUNT, counter=True)
    )
    accepted_nts_ke_connections: int | None = field(
        metadata=source("accepted NTS-KE connections", optional=True, unit=Unit.COUNT, counter=True)
    )
    received_command_requests: int = field(
        metadata=source("received command requests", unit=Unit.COUNT, counter=True)
    )
    dropped_ntp_requests: int = field(
        metadata=source("dropped NTP requests", unit=Unit.COUNT, counter=True)
    )
    dropped_nts_ke_connections: int | None = field(
        metadata=source("dropped NTS-KE connections", optional=True, unit=Unit.COUNT, counter=True)
    )
    dropped_command_requests: int = field(
        metadata=source("dropped command requests", unit=Unit.COUNT, counter=True)
    )
    dropped_client_log_records: int = field(
        metadata=source("dropped client log records", unit=Unit.COUNT, counter=True)
    )
    received_authenticated_ntp_requests: int | None = field(
        metadata=source(
            "received authenticated NTP requests", optional=True, unit=Unit.COUNT, counter=True
        )
    )
    received_interleaved_ntp_requests: int | None = field(
        default=None,
        metadata=source(
            "received interleaved NTP requests", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    held_ntp_timestamps: int | None = field(
        default=None, metadata=source("held NTP timestamps", optional=True, unit=Unit.COUNT)
    )
    ntp_timestamp_span: int | None = field(
        default=None, metadata=source("NTP timestamp span", optional=True, unit=Unit.INTERVAL)
    )
    served_daemon_rx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served daemon RX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    served_daemon_tx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served daemon TX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    served_kernel_rx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served kernel RX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    served_kernel_tx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served kernel TX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    served_hardware_rx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served hardware RX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    served_hardware_tx_timestamps: int | None = field(
        default=None,
        metadata=source(
            "served hardware TX timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )


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
