"""Decoding of the selectdata, activity, authdata, ntpdata, serverstats and smoothing models."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony import (
    Activity,
    AuthData,
    AuthMode,
    ChronyDataError,
    KeyType,
    LeapStatus,
    NTPData,
    NTPFlags,
    NTPMode,
    SelectData,
    SelectOptions,
    SelectState,
    ServerStats,
    Smoothing,
    SmoothingFlags,
    TimestampSource,
)
from pychrony.models._declare import decode, plan
from pychrony.models.catalog import REPORTS, spec_for

from .test_models import raw

SELECT_FIELDS: dict[str, Any] = {
    "reference ID": 0x7F000002,
    "address": "127.0.0.2",
    "state": ord("*"),
    "authentication": 0,
    "leap status": 0,
    "reserved #1": 0,
    "configured options": 0x2,
    "effective options": 0x6,
    "last sample ago": 3,
    "score": 1.0,
    "low limit": -2.5e-06,
    "high limit": 3.1e-06,
}

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

SERVERSTATS_V1: dict[str, Any] = {
    "received NTP requests": 10,
    "received command requests": 20,
    "dropped NTP requests": 1,
    "dropped command requests": 2,
    "dropped client log records": 3,
}


def test_select_data_decodes_states_flags_and_booleans() -> None:
    record = decode(SelectData, raw(SELECT_FIELDS), "selectdata")
    assert record.state is SelectState.BEST
    assert record.state.code == "*"
    assert record.is_selected()
    assert record.is_combined()
    assert record.authentication is False
    assert record.configured_options == SelectOptions.PREFER
    assert record.effective_options == SelectOptions.PREFER | SelectOptions.TRUST
    assert record.reference_id_name == "127.0.0.2"


def test_select_state_unknown_code_is_kept() -> None:
    record = decode(SelectData, raw({**SELECT_FIELDS, "state": ord("Q")}), "selectdata")
    assert not record.state.is_known
    assert record.state.value == ord("Q")
    assert record.state.code == "Q"
    assert not record.is_combined()


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


def test_server_stats_of_an_old_chronyd_leave_new_counters_none() -> None:
    stats = decode(ServerStats, raw(SERVERSTATS_V1), "serverstats")
    assert stats.received_ntp_requests == 10
    assert stats.dropped_client_log_records == 3
    assert stats.accepted_nts_ke_connections is None
    assert stats.ntp_timestamp_span is None
    assert stats.served_hardware_tx_timestamps is None


def test_server_stats_of_a_new_chronyd_fill_every_counter() -> None:
    names = [f.metadata["chrony"].names[0] for f in dataclasses.fields(ServerStats)]
    stats = decode(ServerStats, raw({name: i for i, name in enumerate(names)}), "serverstats")
    assert [getattr(stats, f.name) for f in dataclasses.fields(ServerStats)] == list(
        range(len(names))
    )


def test_missing_required_server_counter_is_a_data_error() -> None:
    fields = {k: v for k, v in SERVERSTATS_V1.items() if k != "received NTP requests"}
    with pytest.raises(ChronyDataError, match="received NTP requests"):
        decode(ServerStats, raw(fields), "serverstats")


def test_auth_data_modes_and_key_types() -> None:
    fields = {
        "mode": 2,
        "key type": 15,
        "key ID": 3,
        "key length": 256,
        "key establishment attempts": 0,
        "last key establishment ago": 12,
        "cookies": 8,
        "cookie length": 100,
        "NAK": 1,
        "reserved #1": 0,
    }
    record = decode(AuthData, raw(fields), "authdata")
    assert record.mode is AuthMode.NTS
    assert record.is_authenticated()
    assert record.key_type is KeyType.AEAD_AES_SIV_CMAC_256
    assert record.nak is True
    unknown = decode(AuthData, raw({**fields, "key type": 99, "mode": 7}), "authdata")
    assert unknown.key_type is not None
    assert unknown.mode is not None
    assert unknown.key_type.name == "UNKNOWN_99"
    assert unknown.mode.value == 7


def test_activity_total() -> None:
    fields = {
        "online sources": 3,
        "offline sources": 1,
        "burst online-return sources": 1,
        "burst offline-return sources": 0,
        "unresolved sources": 2,
    }
    activity = decode(Activity, raw(fields), "activity")
    assert activity.total_sources == 7


def test_smoothing_flags() -> None:
    fields = {
        "flags": 3,
        "offset": 1e-7,
        "frequency offset": -0.09,
        "wander": 0.001,
        "last update ago": 0.5,
        "remaining time": 200.0,
    }
    smoothing = decode(Smoothing, raw(fields), "smoothing")
    assert smoothing.is_active()
    assert smoothing.is_leap_only()
    assert smoothing.flags == SmoothingFlags.ACTIVE | SmoothingFlags.LEAP_ONLY


def test_select_data_leap_status() -> None:
    record = decode(SelectData, raw({**SELECT_FIELDS, "leap status": 3}), "selectdata")
    assert record.leap_status is LeapStatus.UNSYNC


def test_catalogue_lists_ten_reports_in_libchrony_order() -> None:
    assert [spec.name for spec in REPORTS] == [
        "tracking",
        "sources",
        "sourcestats",
        "selectdata",
        "activity",
        "authdata",
        "ntpdata",
        "serverstats",
        "rtcdata",
        "smoothing",
    ]
    assert {spec.name for spec in REPORTS if not spec.over_udp} == {
        "selectdata",
        "authdata",
        "ntpdata",
        "serverstats",
    }
    with pytest.raises(KeyError, match="known reports"):
        spec_for("clients")


@pytest.mark.parametrize("spec", REPORTS, ids=lambda s: s.name)
def test_every_model_is_frozen_slotted_and_declared(spec: Any) -> None:
    params = spec.model.__dataclass_params__
    assert params.frozen
    assert hasattr(spec.model, "__slots__")
    assert len(plan(spec.model)) == len(dataclasses.fields(spec.model))
