"""The last NTP exchange with each source: ``chronyc ntpdata``.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field
from enum import IntFlag

from ._convert import is_placeholder, ref_id_name, seconds, text
from ._declare import source
from ._enum import _CharCodeEnum, _TolerantEnum
from .tracking import LeapStatus
from .units import Unit

__all__ = ["NTPData", "NTPFlags", "NTPMode", "TimestampSource"]


class NTPMode(_TolerantEnum):
    """NTP mode of the last packet from a source (``Mode`` of ``chronyc ntpdata``).

    Attributes:
        INVALID: no valid packet received yet (chronyc prints ``Invalid``).
        ACTIVE: symmetric active.
        PASSIVE: symmetric passive.
        SERVER: a server's reply to a client request.
    """

    INVALID = 0
    ACTIVE = 1
    PASSIVE = 2
    SERVER = 4


class TimestampSource(_CharCodeEnum):
    """Where a packet's timestamp was taken (``TX/RX timestamping`` of ``chronyc ntpdata``).

    Attributes:
        INVALID: no timestamp yet (chronyc prints ``Invalid``).
        DAEMON: by chronyd after the system call (``D``).
        KERNEL: by the kernel (``K``).
        HARDWARE: by the network card (``H``).
    """

    INVALID = 0
    DAEMON = ord("D")
    KERNEL = ord("K")
    HARDWARE = ord("H")


class NTPFlags(IntFlag):
    """Test results and modes of the last NTP packet (``chronyc ntpdata``).

    A set ``TEST_*`` bit means the packet passed that test of RFC 5905 / chrony
    (tests 1-3 check the packet, 5-7 its authentication, synchronisation and
    data, A-D its delay). Bit assignment follows libchrony's constant names.
    """

    TEST_D = 0x1
    TEST_B = 0x2
    TEST_C = 0x4
    TEST_A = 0x8
    TEST_7 = 0x10
    TEST_6 = 0x20
    TEST_5 = 0x40
    TEST_3 = 0x80
    TEST_2 = 0x100
    TEST_1 = 0x200
    INTERLEAVED = 0x4000
    AUTHENTICATED = 0x8000

    ALL_TESTS = 0x3FF


@dataclass(frozen=True, slots=True)
class NTPData:
    """The last NTP exchange with one source (``chronyc ntpdata``).

    Unix socket only (UDP on chronyd 4.7+ with ``opencommands``). The
    timestamp counters exist on chronyd 4.4+ and are None on older servers.
    A reference clock has no NTP exchange: chronyd sends its record with no
    fields, and every attribute is None.

    Attributes:
        remote_address: the source's address.
        local_address: our address used for it (``""`` before the first exchange).
        remote_port: the source's UDP port.
        leap_status: leap status in the last packet.
        version: NTP version of the last packet.
        mode: NTP mode of the last packet.
        stratum: stratum in the last packet.
        poll: polling interval in the last packet, log2 seconds.
        precision: the source's clock precision, log2 seconds.
        root_delay: root delay in the last packet, seconds.
        root_dispersion: root dispersion in the last packet, seconds.
        reference_id: reference ID in the last packet.
        reference_time: reference time in the last packet, seconds since the epoch.
        offset: measured offset of the source, seconds.
        peer_delay: measured round-trip delay, seconds.
        peer_dispersion: estimated dispersion of the measurement, seconds.
        response_time: the source's processing time, seconds.
        jitter_asymmetry: estimated asymmetry of network jitter (-0.5 to 0.5).
        flags: passed tests, interleaved and authenticated modes.
        transmit_timestamping: how our transmit timestamp was taken.
        receive_timestamping: how our receive timestamp was taken.
        transmitted_messages: packets sent to the source.
        received_messages: packets received from it.
        received_valid_messages: received packets that passed the basic tests.
        received_good_messages: received packets that passed every test.
        kernel_transmit_timestamps: kernel transmit timestamps (chronyd 4.4+).
        kernel_receive_timestamps: kernel receive timestamps (chronyd 4.4+).
        hardware_transmit_timestamps: hardware transmit timestamps (chronyd 4.4+).
        hardware_receive_timestamps: hardware receive timestamps (chronyd 4.4+).
    """

    remote_address: str | None = field(
        metadata=source("remote address", convert=text, unit=Unit.ADDRESS)
    )
    local_address: str | None = field(
        metadata=source("local address", convert=text, unit=Unit.ADDRESS)
    )
    remote_port: int | None = field(metadata=source("remote port", unit=Unit.PORT))
    leap_status: LeapStatus | None = field(
        metadata=source("leap status", convert=LeapStatus, unit=Unit.ENUM)
    )
    version: int | None = field(metadata=source("version", unit=Unit.COUNT))
    mode: NTPMode | None = field(metadata=source("mode", convert=NTPMode, unit=Unit.ENUM))
    stratum: int | None = field(metadata=source("stratum", unit=Unit.COUNT))
    poll: int | None = field(metadata=source("poll", unit=Unit.LOG2_SECONDS))
    precision: int | None = field(metadata=source("precision", unit=Unit.LOG2_SECONDS))
    root_delay: float | None = field(metadata=source("root delay", unit=Unit.SECONDS))
    root_dispersion: float | None = field(metadata=source("root dispersion", unit=Unit.SECONDS))
    reference_id: int | None = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    reference_time: float | None = field(
        metadata=source("reference time", convert=seconds, unit=Unit.TIME)
    )
    offset: float | None = field(metadata=source("offset", unit=Unit.OFFSET))
    peer_delay: float | None = field(metadata=source("peer delay", unit=Unit.SECONDS))
    peer_dispersion: float | None = field(metadata=source("peer dispersion", unit=Unit.SECONDS))
    response_time: float | None = field(metadata=source("response time", unit=Unit.SECONDS))
    jitter_asymmetry: float | None = field(metadata=source("jitter asymmetry", unit=Unit.RATIO))
    flags: NTPFlags | None = field(metadata=source("flags", convert=NTPFlags, unit=Unit.FLAGS))
    transmit_timestamping: TimestampSource | None = field(
        metadata=source("transmit timestamping", convert=TimestampSource, unit=Unit.ENUM)
    )
    receive_timestamping: TimestampSource | None = field(
        metadata=source("receive timestamping", convert=TimestampSource, unit=Unit.ENUM)
    )
    transmitted_messages: int | None = field(
        metadata=source("transmitted messages", unit=Unit.COUNT, counter=True)
    )
    received_messages: int | None = field(
        metadata=source("received messages", unit=Unit.COUNT, counter=True)
    )
    received_valid_messages: int | None = field(
        metadata=source("received valid messages", unit=Unit.COUNT, counter=True)
    )
    received_good_messages: int | None = field(
        metadata=source("received good messages", unit=Unit.COUNT, counter=True)
    )
    kernel_transmit_timestamps: int | None = field(
        default=None,
        metadata=source("kernel transmit timestamps", optional=True, unit=Unit.COUNT, counter=True),
    )
    kernel_receive_timestamps: int | None = field(
        default=None,
        metadata=source("kernel receive timestamps", optional=True, unit=Unit.COUNT, counter=True),
    )
    hardware_transmit_timestamps: int | None = field(
        default=None,
        metadata=source(
            "hardware transmit timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )
    hardware_receive_timestamps: int | None = field(
        default=None,
        metadata=source(
            "hardware receive timestamps", optional=True, unit=Unit.COUNT, counter=True
        ),
    )

    @property
    def reference_id_name(self) -> str | None:
        """The packet's reference ID as text (dotted quad, or a reference clock's name).

        None when there was no packet (a reference clock).
        """
        return None if self.reference_id is None else ref_id_name(self.reference_id)

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder (see :meth:`Source.is_resolved`)."""
        return not is_placeholder(self.remote_address)

    def tests_passed(self) -> bool:
        """Whether the last packet passed all ten NTP tests."""
        return self.flags is not None and self.flags & NTPFlags.ALL_TESTS == NTPFlags.ALL_TESTS

    def is_interleaved(self) -> bool:
        """Whether the last exchange used the interleaved mode."""
        return self.flags is not None and bool(self.flags & NTPFlags.INTERLEAVED)

    def is_authenticated(self) -> bool:
        """Whether the last packet was authenticated."""
        return self.flags is not None and bool(self.flags & NTPFlags.AUTHENTICATED)
