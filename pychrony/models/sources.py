"""Typed models of the per-source reports added in pychrony 3: selectdata, authdata, ntpdata.

Attribute names are libchrony's field names in snake case. libchrony's
``reserved #N`` placeholders carry no information and are left out.

Annotations are evaluated when the classes are created (no ``from __future__
import annotations`` here), so ``dataclasses.fields(Model)[i].type`` is the
type itself (``int``, ``SourceState``), as in pychrony 2.x.
"""

from dataclasses import dataclass, field

from ._convert import is_placeholder, ref_id_name, seconds, text
from ._declare import source
from .enums import (
    AuthMode,
    KeyType,
    LeapStatus,
    NTPFlags,
    NTPMode,
    SelectOptions,
    SelectState,
    TimestampSource,
)
from .units import Unit

__all__ = ["AuthData", "NTPData", "SelectData"]


@dataclass(frozen=True, slots=True)
class SelectData:
    """How chronyd's source selection sees one source (a line of ``chronyc selectdata``).

    Served over the Unix socket only (and over UDP by chronyd 4.7+ with
    ``opencommands``).

    Attributes:
        reference_id: the source's reference ID.
        address: the source's IP address (``""`` for a reference clock).
        state: the outcome of selection for this source.
        authentication: whether the source is authenticated.
        leap_status: the leap status the source announces.
        configured_options: selection options from the configuration.
        effective_options: selection options in effect (after ``trust``/``prefer`` logic).
        last_sample_ago: seconds since the last sample (4294967295: never).
        score: the source's score against the selected source (1.0 when selected).
        low_limit: lower end of the source's offset interval, seconds.
        high_limit: upper end of the source's offset interval, seconds.
    """

    reference_id: int = field(metadata=source("reference ID", unit=Unit.REFERENCE_ID))
    address: str = field(metadata=source("address", convert=text, unit=Unit.ADDRESS))
    state: SelectState = field(metadata=source("state", convert=SelectState, unit=Unit.ENUM))
    authentication: bool = field(metadata=source("authentication", convert=bool, unit=Unit.BOOLEAN))
    leap_status: LeapStatus = field(
        metadata=source("leap status", convert=LeapStatus, unit=Unit.ENUM)
    )
    configured_options: SelectOptions = field(
        metadata=source("configured options", convert=SelectOptions, unit=Unit.FLAGS)
    )
    effective_options: SelectOptions = field(
        metadata=source("effective options", convert=SelectOptions, unit=Unit.FLAGS)
    )
    last_sample_ago: int = field(metadata=source("last sample ago", unit=Unit.INTERVAL))
    score: float = field(metadata=source("score", unit=Unit.RATIO))
    low_limit: float = field(metadata=source("low limit", unit=Unit.SECONDS))
    high_limit: float = field(metadata=source("high limit", unit=Unit.SECONDS))

    @property
    def reference_id_name(self) -> str:
        """The reference ID as text (dotted quad, or a reference clock's name)."""
        return ref_id_name(self.reference_id)

    def is_selected(self) -> bool:
        """Whether chronyd synchronises to this source."""
        return self.state is SelectState.BEST

    def is_combined(self) -> bool:
        """Whether the source contributes to the clock (selected or combined with it)."""
        return self.state in (SelectState.BEST, SelectState.COMBINED)

    def is_resolved(self) -> bool:
        """Whether the source has an address, not a placeholder (see :meth:`Source.is_resolved`)."""
        return not is_placeholder(self.address)

    @property
    def display_name(self) -> str:
        """How chronyc names the source (its address, or a reference clock's reference ID)."""
        return self.address or ref_id_name(self.reference_id)


@dataclass(frozen=True, slots=True)
class AuthData:
    """Authentication of one source (a line of ``chronyc authdata``).

    libchrony gives no address in this report: records come in the order of
    :meth:`pychrony.ChronyConnection.get_sources`. Unix socket only (UDP on
    chronyd 4.7+ with ``opencommands``). A reference clock has no such data:
    chronyd sends its record with no fields, and every attribute is None.

    Attributes:
        mode: how the source is authenticated.
        key_type: hash or cipher of the key.
        key_id: ID of the symmetric key, or of the NTS key.
        key_length: key length, bits.
        key_establishment_attempts: NTS-KE attempts since the last success.
        last_key_establishment_ago: seconds since the last NTS key establishment.
        cookies: NTS cookies held.
        cookie_length: length of the NTS cookies, bytes.
        nak: whether the server answered with an NTS NAK.
    """

    mode: AuthMode | None = field(metadata=source("mode", convert=AuthMode, unit=Unit.ENUM))
    key_type: KeyType | None = field(metadata=source("key type", convert=KeyType, unit=Unit.ENUM))
    key_id: int | None = field(metadata=source("key ID", unit=Unit.INDEX))
    key_length: int | None = field(metadata=source("key length", unit=Unit.BITS))
    key_establishment_attempts: int | None = field(
        metadata=source("key establishment attempts", unit=Unit.COUNT)
    )
    last_key_establishment_ago: int | None = field(
        metadata=source("last key establishment ago", unit=Unit.INTERVAL)
    )
    cookies: int | None = field(metadata=source("cookies", unit=Unit.COUNT))
    cookie_length: int | None = field(metadata=source("cookie length", unit=Unit.BYTES))
    nak: bool | None = field(metadata=source("NAK", convert=bool, unit=Unit.BOOLEAN))

    def is_authenticated(self) -> bool:
        """Whether the source uses any authentication (False for a reference clock)."""
        return self.mode is not None and self.mode is not AuthMode.NONE


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
