"""NTPData, NTPMode, TimestampSource and NTPFlags (pychrony/models/ntp.py)."""

from __future__ import annotations

from typing import Any

import pytest

from pychrony import (
    NTPData,
    NTPFlags,
    NTPMode,
    TimestampSource,
)
from pychrony.models._declare import decode

from .samples import raw

NTP_FIELDS: dict[str, Any] = {
    "remote address": "127.0.0.1",
    "local address": None,
    "remote port": 123,
    "leap status": 0,
    "version": 4,
    "mode": 4,
    "stratum": 8,
    "poll": -2,
    "precision": -26,
    "root delay": 0.0,
    "root dispersion": 1e-06,
    "reference ID": 0x7F7F0101,
    "reference time": (1795244756, 118566880),
    "offset": 2.29e-07,
    "peer delay": 5.8e-06,
    "peer dispersion": 1.2e-07,
    "response time": 3.9e-05,
    "jitter asymmetry": 0.0,
    "flags": 0x3FF | 0x4000,
    "transmit timestamping": ord("K"),
    "receive timestamping": ord("H"),
    "transmitted messages": 9,
    "received messages": 8,
    "received valid messages": 8,
    "received good messages": 7,
    "reserved #1": 0xFFFFFFFF,
}


def test_ntp_data_decodes_every_field_and_predicates() -> None:
    record = decode(NTPData, raw(NTP_FIELDS), "ntpdata")
    assert record.local_address == ""  # libchrony's NULL: an address with no family
    assert record.mode is NTPMode.SERVER
    assert record.poll == -2
    assert record.precision == -26
    assert record.reference_time == pytest.approx(1795244756.11856688)
    assert record.transmit_timestamping is TimestampSource.KERNEL
    assert record.receive_timestamping is not None
    assert record.receive_timestamping.code == "H"
    assert record.tests_passed()
    assert record.is_interleaved()
    assert not record.is_authenticated()
    # chronyd 4.3 has no timestamp counters: absent fields are None, not an error.
    assert record.kernel_transmit_timestamps is None
    assert record.hardware_receive_timestamps is None


def test_ntp_data_with_newer_counters() -> None:
    newer = {**NTP_FIELDS, "kernel transmit timestamps": 5, "hardware receive timestamps": 6}
    record = decode(NTPData, raw(newer), "ntpdata")
    assert record.kernel_transmit_timestamps == 5
    assert record.hardware_receive_timestamps == 6


def test_ntp_flags_keep_unknown_bits_and_failed_tests() -> None:
    record = decode(NTPData, raw({**NTP_FIELDS, "flags": 0x1FF | 0x1000}), "ntpdata")
    assert not record.tests_passed()
    assert record.flags is not None
    assert int(record.flags) == 0x1FF | 0x1000
    assert NTPFlags.TEST_1 not in record.flags
