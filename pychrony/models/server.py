"""chronyd as a server: ``chronyc serverstats``, its NTP and command counters.

Attribute names are libchrony's field names in snake case. libchrony's
``reserved #N`` placeholders carry no information and are left out.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._declare import source
from .units import Unit

__all__ = ["ServerStats"]


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
