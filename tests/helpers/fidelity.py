"""Comparing every typed value with what ``chronyc -c`` prints, for any release.

The sandbox's sources are polled four times a second, so chronyd's state moves
while we look at it. Each comparison brackets chronyc between two pychrony
reads (A, chronyc, B): a number chronyc printed must lie between A's and B's
values (widened by half a unit of chronyc's last printed digit), a text must
be A's or B's. Values that keep changing (root dispersion grows between clock
updates, counters count our own requests) are then compared honestly, and a
pychrony value that differs from chronyd's beyond chronyc's precision fails.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from pychrony import (
    AuthMode,
    ChronyConnection,
    LeapStatus,
    NTPMode,
    SelectOptions,
    SourceMode,
    SourceState,
    TimestampSource,
)
from pychrony.sandbox import Sandbox

# A column: how to get pychrony's value from a record, and how to compare it.
Getter = Callable[[Any], Any]

ATTEMPTS = 5  # brackets tried before a mismatch is reported (bounded)

LEAP_TEXT = {
    LeapStatus.NORMAL: "Normal",
    LeapStatus.INSERT: "Insert second",
    LeapStatus.DELETE: "Delete second",
    LeapStatus.UNSYNC: "Not synchronised",
}
SOURCE_STATE_CHAR = {
    SourceState.SELECTED: "*",
    SourceState.NONSELECTABLE: "?",
    SourceState.FALSETICKER: "x",
    SourceState.JITTERY: "~",
    # chrony's names: UNSELECTED sources are combined ("+"), SELECTABLE ones are
    # acceptable but not combined ("-").
    SourceState.UNSELECTED: "+",
    SourceState.SELECTABLE: "-",
}
SOURCE_MODE_CHAR = {SourceMode.CLIENT: "^", SourceMode.PEER: "=", SourceMode.REFCLOCK: "#"}
NTP_MODE_TEXT = {NTPMode.INVALID: "Invalid", NTPMode.SERVER: "Server"}
TIMESTAMPING_TEXT = {
    TimestampSource.INVALID: "Invalid",
    TimestampSource.DAEMON: "Daemon",
    TimestampSource.KERNEL: "Kernel",
    TimestampSource.HARDWARE: "Hardware",
}
OPTION_CHARS = (
    (SelectOptions.NOSELECT, "N"),
    (SelectOptions.PREFER, "P"),
    (SelectOptions.TRUST, "T"),
    (SelectOptions.REQUIRE, "R"),
)


def text(get: Getter) -> Getter:
    """Mark a column as text compared exactly."""
    return lambda record: ("text", get(record))


def options(get: Getter) -> list[Getter]:
    """chronyc prints selection options as five one-letter columns."""

    def letter(flag: SelectOptions, char: str) -> Getter:
        return text(lambda r: char if get(r) & flag else "-")

    cols = [letter(flag, char) for flag, char in OPTION_CHARS]
    cols.append(text(lambda r: "-"))  # chronyc's spare fifth column
    return cols


def yes_no(get: Getter) -> Getter:
    return text(lambda r: "Yes" if get(r) else "No")


def ref_hex(get: Getter) -> Getter:
    return text(lambda r: f"{get(r):08X}")


def bits(get: Getter, shift: int, width: int) -> Getter:
    return text(lambda r: format((get(r) >> shift) & ((1 << width) - 1), f"0{width}b"))


def ipv4_hex(get: Getter) -> Getter:
    """chronyc prints an address's IPv4 form as a reference ID (0 when it has none)."""

    def render(record: Any) -> tuple[str, str]:
        address = get(record)
        parts = [int(p) for p in address.split(".")] if address else [0, 0, 0, 0]
        return ("text", "".join(f"{p:02X}" for p in parts))

    return render


def address_text(get: Getter) -> Getter:
    """An address with no family is ``""`` in pychrony and ``[UNSPEC]`` in chronyc."""
    return text(lambda r: get(r) or "[UNSPEC]")


TRACKING: list[Getter] = [
    ref_hex(lambda t: t.reference_id),
    text(lambda t: t.reference_ip),
    lambda t: t.stratum,
    lambda t: t.ref_time,
    lambda t: t.offset,
    lambda t: t.last_offset,
    lambda t: t.rms_offset,
    lambda t: t.frequency,
    lambda t: t.residual_freq,
    lambda t: t.skew,
    lambda t: t.root_delay,
    lambda t: t.root_dispersion,
    lambda t: t.update_interval,
    text(lambda t: LEAP_TEXT[t.leap_status]),
]

SOURCES: list[Getter] = [
    text(lambda s: SOURCE_MODE_CHAR[s.mode]),
    text(lambda s: SOURCE_STATE_CHAR[s.state]),
    text(lambda s: s.address),
    lambda s: s.stratum,
    # libchrony returns this 16-bit signed field without sign extension (a poll
    # of -2 reads 65534); chronyd meant -2, as chronyc prints, and so do we.
    lambda s: s.poll,
    text(lambda s: format(s.reachability, "o")),  # chronyc prints the register in octal
    lambda s: s.last_sample_ago,
    lambda s: s.latest_meas,
    lambda s: s.orig_latest_meas,
    lambda s: s.latest_meas_err,
]

SOURCESTATS: list[Getter] = [
    # chronyc names a reference clock (no address) by its reference ID.
    text(lambda s: s.display_name),
    lambda s: s.samples,
    lambda s: s.runs,
    lambda s: s.span,
    lambda s: s.resid_freq,
    lambda s: s.skew,
    lambda s: s.offset,
    lambda s: s.std_dev,
    # offset_err is not among chronyc's CSV columns.
]

SELECTDATA: list[Getter] = [
    text(lambda s: s.state.code),
    text(lambda s: s.display_name),
    text(lambda s: "Y" if s.authentication else "N"),
    *options(lambda s: s.configured_options),
    *options(lambda s: s.effective_options),
    lambda s: s.last_sample_ago,
    lambda s: s.score,
    lambda s: s.low_limit,
    lambda s: s.high_limit,
    text(lambda s: LEAP_TEXT[s.leap_status]),
]

NTPDATA: list[Getter] = [
    address_text(lambda n: n.remote_address),
    ipv4_hex(lambda n: n.remote_address),
    lambda n: n.remote_port,
    address_text(lambda n: n.local_address),
    ipv4_hex(lambda n: n.local_address),
    text(lambda n: LEAP_TEXT[n.leap_status]),
    lambda n: n.version,
    text(lambda n: NTP_MODE_TEXT[n.mode]),
    lambda n: n.stratum,
    lambda n: n.poll,
    lambda n: 2.0**n.poll,
    lambda n: n.precision,
    lambda n: 2.0**n.precision,
    lambda n: n.root_delay,
    lambda n: n.root_dispersion,
    ref_hex(lambda n: n.reference_id),
    text(lambda n: ""),  # chronyc's name of a reference clock's ID; none here
    lambda n: n.reference_time,
    lambda n: n.offset,
    lambda n: n.peer_delay,
    lambda n: n.peer_dispersion,
    lambda n: n.response_time,
    lambda n: n.jitter_asymmetry,
    bits(lambda n: n.flags, 7, 3),
    bits(lambda n: n.flags, 4, 3),
    bits(lambda n: n.flags, 0, 4),
    yes_no(lambda n: n.is_interleaved()),
    yes_no(lambda n: n.is_authenticated()),
    text(lambda n: TIMESTAMPING_TEXT[n.transmit_timestamping]),
    text(lambda n: TIMESTAMPING_TEXT[n.receive_timestamping]),
    lambda n: n.transmitted_messages,
    lambda n: n.received_messages,
    lambda n: n.received_valid_messages,
    lambda n: n.received_good_messages,
    # chronyc 4.6+ adds the timestamp sources' counters (TX before RX).
    lambda n: n.kernel_transmit_timestamps,
    lambda n: n.kernel_receive_timestamps,
    lambda n: n.hardware_transmit_timestamps,
    lambda n: n.hardware_receive_timestamps,
]

# chronyc orders these counters differently from libchrony.
SERVERSTATS: list[Getter] = [
    lambda s: s.received_ntp_requests,
    lambda s: s.dropped_ntp_requests,
    lambda s: s.received_command_requests,
    lambda s: s.dropped_command_requests,
    lambda s: s.dropped_client_log_records,
    lambda s: s.accepted_nts_ke_connections,
    lambda s: s.dropped_nts_ke_connections,
    lambda s: s.received_authenticated_ntp_requests,
    lambda s: s.received_interleaved_ntp_requests,
    lambda s: s.held_ntp_timestamps,
    lambda s: s.ntp_timestamp_span,
    # chronyc 4.4+: the timestamps served, by source.
    lambda s: s.served_daemon_rx_timestamps,
    lambda s: s.served_daemon_tx_timestamps,
    lambda s: s.served_kernel_rx_timestamps,
    lambda s: s.served_kernel_tx_timestamps,
    lambda s: s.served_hardware_rx_timestamps,
    lambda s: s.served_hardware_tx_timestamps,
]

ACTIVITY: list[Getter] = [
    lambda a: a.online_sources,
    lambda a: a.offline_sources,
    lambda a: a.burst_online_return_sources,
    lambda a: a.burst_offline_return_sources,
    lambda a: a.unresolved_sources,
]

SMOOTHING: list[Getter] = [
    yes_no(lambda s: s.is_active()),
    text(lambda s: " (leap second only)" if s.is_leap_only() else ""),
    lambda s: s.offset,
    lambda s: s.frequency_offset,
    lambda s: s.wander,
    lambda s: s.last_update_ago,
    lambda s: s.remaining_time,
]


AUTH_MODE_TEXT = {AuthMode.NONE: "-", AuthMode.SYMMETRIC_KEY: "SK", AuthMode.NTS: "NTS"}

# authdata records carry no address: they are compared as (address, record)
# pairs, the address taken from sources (libchrony keeps the sources' order).
AUTHDATA: list[Getter] = [
    text(lambda p: p[0]),
    text(lambda p: AUTH_MODE_TEXT[p[1].mode]),
    lambda p: p[1].key_id,
    lambda p: p[1].key_type.value,
    lambda p: p[1].key_length,
    lambda p: p[1].last_key_establishment_ago,
    lambda p: p[1].key_establishment_attempts,
    lambda p: int(p[1].nak),
    lambda p: p[1].cookies,
    lambda p: p[1].cookie_length,
]

RTCDATA: list[Getter] = [
    lambda r: r.ref_time,
    lambda r: r.samples,
    lambda r: r.runs,
    lambda r: r.span,
    lambda r: r.offset,
    lambda r: r.freq_offset,
]

# How many columns each chronyc prints, where it changed. chronyc 4.0 has no
# "good RX" ntpdata column (4.3 has; no release in between is in the matrix).
_NTPDATA_WIDTH = (((4, 6), 38), ((4, 3), 34), ((0,), 33))
_SERVERSTATS_WIDTH = (((4, 4), 17), ((4, 2), 11), ((0,), 8))

COLUMNS: dict[str, list[Getter]] = {
    "tracking": TRACKING,
    "sources": SOURCES,
    "sourcestats": SOURCESTATS,
    "selectdata": SELECTDATA,
    "activity": ACTIVITY,
    "authdata": AUTHDATA,
    "ntpdata": NTPDATA,
    "serverstats": SERVERSTATS,
    "rtcdata": RTCDATA,
    "smoothing": SMOOTHING,
}


def columns_for(report: str, version: tuple[int, ...]) -> list[Getter]:
    """The columns ``chronyc -c REPORT`` of release ``version`` prints."""
    columns = COLUMNS[report]
    widths = {"ntpdata": _NTPDATA_WIDTH, "serverstats": _SERVERSTATS_WIDTH}.get(report)
    if widths is None:
        return columns
    width = next(n for since, n in widths if version >= since)
    return columns[:width]


def auth_pairs(conn: ChronyConnection) -> list[tuple[str, Any]]:
    """authdata records of NTP sources with the address each belongs to.

    chronyc lists only client and peer sources: a reference clock has no
    authentication (chronyd sends its record with no fields).
    """
    sources = conn.get_sources()
    return [
        (s.address, a)
        for s, a in zip(sources, conn.get_auth_data(), strict=True)
        if s.mode is not SourceMode.REFCLOCK
    ]


def known_ntp_data(conn: ChronyConnection) -> list[Any]:
    """ntpdata of the sources with a known address: the ones chronyc lists.

    chronyc asks chronyd for ntpdata source by source, skipping placeholder
    sources (it has no ``-a`` for ntpdata) and reference clocks (no NTP data);
    pychrony returns a record for each source, in the sources' order. (chronyd
    4.0 gives a placeholder's record no address at all, so it is told apart by
    its source.)
    """
    sources = conn.get_sources()
    data = conn.get_ntp_data()
    return [
        n
        for s, n in zip(sources, data, strict=True)
        if s.is_resolved() and s.mode is not SourceMode.REFCLOCK
    ]


def within(printed: str, a: float, b: float) -> bool:
    """Whether chronyc's number lies between A and B at chronyc's printed precision."""
    decimals = len(printed.partition(".")[2])
    half_digit = 0.5 * 10.0**-decimals
    # ref times near 1.8e9 s lose nanoseconds in a double: allow its rounding too.
    slack = half_digit * (1 + 1e-9) + 4 * math.ulp(max(abs(a), abs(b), 1.0))
    return min(a, b) - slack <= float(printed) <= max(a, b) + slack


def mismatches(
    rows: Sequence[list[str]],
    before: Sequence[Any],
    after: Sequence[Any],
    columns: Sequence[Getter],
) -> list[str]:
    problems: list[str] = []
    if not len(rows) == len(before) == len(after):
        return [f"{len(rows)} chronyc rows, pychrony {len(before)} then {len(after)} records"]
    for i, (row, a, b) in enumerate(zip(rows, before, after, strict=True)):
        if len(row) != len(columns):
            problems.append(
                f"record {i}: chronyc printed {len(row)} columns, expected {len(columns)}"
            )
            continue
        for col, (printed, get) in enumerate(zip(row, columns, strict=True)):
            va, vb = get(a), get(b)
            if isinstance(va, tuple) and va[0] == "text":
                ok = printed in (va[1], vb[1])
            else:
                ok = within(printed, float(va), float(vb))
            if not ok:
                problems.append(
                    f"record {i} column {col}: chronyc {printed!r}, pychrony {va!r}..{vb!r}"
                )
    return problems


def compare(
    sandbox: Sandbox,
    address: str,
    method: str | Callable[[ChronyConnection], Any],
    report: str,
    columns: Sequence[Getter],
    host: str | None = None,
    chronyc_args: Sequence[str] = (),
    chronyc_options: Sequence[str] = (),
) -> None:
    """Bracket ``chronyc -c report`` between two reads and compare every column.

    Args:
        sandbox: whose chronyc runs.
        address: where pychrony reads.
        method: the typed getter's name, or a function reading the records.
        report: chronyc's command.
        columns: what chronyc prints, in its order (:func:`columns_for`).
        host: where chronyc reads (the sandbox's client socket when None).
        chronyc_args: more arguments to chronyc's command (``-a``).
        chronyc_options: chronyc's own options before the command (``-p PORT``).
    """
    problems: list[str] = []
    read = method if callable(method) else (lambda conn: getattr(conn, method)())
    with ChronyConnection(address) as conn:
        for _ in range(ATTEMPTS):
            before = read(conn)
            output = sandbox.chronyc(*chronyc_options, "-c", report, *chronyc_args, host=host)
            after = read(conn)
            if not isinstance(before, list):
                before, after = [before], [after]
            rows = [line.split(",") for line in output.splitlines() if line]
            problems = mismatches(rows, before, after, columns)
            if not problems:
                return
            time.sleep(0.05)
    pytest.fail(f"{report}: pychrony disagrees with chronyc -c:\n" + "\n".join(problems))
