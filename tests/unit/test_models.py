"""Decoding of typed models from raw libchrony fields, no daemon needed."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony import (
    ChronyDataError,
    LeapStatus,
    RTCData,
    Source,
    SourceMode,
    SourceState,
    SourceStats,
    TrackingStatus,
)
from pychrony._core.constants import FieldType
from pychrony.models._convert import ref_id_name
from pychrony.models._declare import decode

TRACKING_FIELDS: dict[str, Any] = {
    "reference ID": 0x7F000003,
    "address": "127.0.0.3",
    "stratum": 9,
    "leap status": 0,
    "reference time": (1795244097, 837492710),
    "current correction": -1.5e-06,
    "last offset": 2.5e-08,
    "RMS offset": 1.9e-07,
    "frequency offset": -0.089,
    "residual frequency": 0.0029,
    "skew": 0.648,
    "root delay": 6.45e-06,
    "root dispersion": 8.35e-07,
    "last update interval": 0.254,
}

SOURCE_FIELDS: dict[str, Any] = {
    "address": "127.0.0.1",
    "poll": -2,
    "stratum": 8,
    "state": 0,
    "mode": 0,
    "flags": 0,
    "reachability": 255,
    "last sample ago": 1,
    "original last sample offset": 1.6e-07,
    "adjusted last sample offset": 1.5e-07,
    "last sample error": 3.2e-06,
}


def raw(fields: dict[str, Any]) -> list[tuple[str, int, int, Any]]:
    return [(name, FieldType.NONE, 0, value) for name, value in fields.items()]


def test_tracking_decodes_every_field() -> None:
    status = decode(TrackingStatus, raw(TRACKING_FIELDS), "tracking")
    assert status.reference_id == 0x7F000003
    assert status.reference_id_name == "127.0.0.3"
    assert status.reference_ip == "127.0.0.3"
    assert status.leap_status is LeapStatus.NORMAL
    assert status.ref_time == pytest.approx(1795244097.837492710, abs=1e-6)
    assert status.offset == -1.5e-06
    assert status.update_interval == 0.254
    assert status.is_synchronized()
    assert not status.is_leap_pending()


def test_missing_address_is_an_empty_string() -> None:
    status = decode(TrackingStatus, raw({**TRACKING_FIELDS, "address": None}), "tracking")
    assert status.reference_ip == ""


def test_missing_required_field_names_it() -> None:
    fields = {k: v for k, v in TRACKING_FIELDS.items() if k != "skew"}
    with pytest.raises(ChronyDataError, match="'skew'"):
        decode(TrackingStatus, raw(fields), "tracking")


def test_unconvertible_value_is_a_data_error() -> None:
    with pytest.raises(ChronyDataError, match="reference time"):
        decode(TrackingStatus, raw({**TRACKING_FIELDS, "reference time": "soon"}), "tracking")


def test_unknown_enum_value_keeps_the_raw_value() -> None:
    status = decode(TrackingStatus, raw({**TRACKING_FIELDS, "leap status": 7}), "tracking")
    assert status.leap_status.value == 7
    assert status.leap_status.name == "UNKNOWN_7"
    assert not status.leap_status.is_known
    assert status.leap_status is LeapStatus.from_chronyd(7)
    assert LeapStatus.NORMAL.is_known
    # Calling the enum stays strict, as in pychrony 2.x: only decoding tolerates.
    with pytest.raises(ValueError, match="7 is not a valid LeapStatus"):
        LeapStatus(7)


@pytest.mark.parametrize(("leap", "pending"), [(0, False), (1, True), (2, True), (3, False)])
def test_leap_pending(leap: int, pending: bool) -> None:
    status = decode(TrackingStatus, raw({**TRACKING_FIELDS, "leap status": leap}), "tracking")
    assert status.is_leap_pending() is pending


@pytest.mark.parametrize(
    ("ref_id", "stratum", "synced"), [(0, 0, False), (1, 16, False), (1, 3, True)]
)
def test_synchronised_needs_a_reference_and_a_stratum(
    ref_id: int, stratum: int, synced: bool
) -> None:
    fields = {**TRACKING_FIELDS, "reference ID": ref_id, "stratum": stratum}
    assert decode(TrackingStatus, raw(fields), "tracking").is_synchronized() is synced


@pytest.mark.parametrize(
    ("ref_id", "name"),
    [
        (0x7F000001, "127.0.0.1"),
        (0x47505300, "GPS"),
        (0x50505330, "PPS0"),
        (0, "0.0.0.0"),
        (0xC0A80101, "192.168.1.1"),
    ],
)
def test_reference_id_names(ref_id: int, name: str) -> None:
    assert ref_id_name(ref_id) == name


def test_source_predicates_and_enums() -> None:
    src = decode(Source, raw(SOURCE_FIELDS), "sources")
    assert src.state is SourceState.SELECTED
    assert src.mode is SourceMode.CLIENT
    assert src.is_selected()
    assert src.is_reachable()
    unreachable = decode(Source, raw({**SOURCE_FIELDS, "reachability": 0, "state": 1}), "sources")
    assert not unreachable.is_reachable()
    assert not unreachable.is_selected()


def test_reference_clock_source_is_named_by_its_reference_id() -> None:
    fields = {k: v for k, v in SOURCE_FIELDS.items() if k != "address"}
    fields = {"reference ID": 0x50505330, **fields, "mode": 2}
    src = decode(Source, raw(fields), "sources")
    assert src.address == "PPS0"
    assert src.mode is SourceMode.REFCLOCK


def test_sourcestats_sample_threshold() -> None:
    fields = {
        "reference ID": 1,
        "address": None,
        "samples": 4,
        "runs": 2,
        "span": 10,
        "standard deviation": 1e-6,
        "residual frequency": 0.1,
        "skew": 0.5,
        "offset": 1e-7,
        "offset error": 1e-6,
    }
    stats = decode(SourceStats, raw(fields), "sourcestats")
    assert stats.address == ""
    assert stats.has_sufficient_samples()
    assert not stats.has_sufficient_samples(minimum=5)


def test_rtc_calibration() -> None:
    fields = {
        "reference time": (100, 500_000_000),
        "samples": 0,
        "runs": 0,
        "span": 0,
        "offset": 0.1,
        "frequency offset": 2.0,
    }
    rtc = decode(RTCData, raw(fields), "rtcdata")
    assert rtc.ref_time == 100.5
    assert not rtc.is_calibrated()


@pytest.mark.parametrize("model", [TrackingStatus, Source, SourceStats, RTCData])
def test_models_are_frozen_and_slotted(model: type) -> None:
    assert dataclasses.is_dataclass(model)
    assert "__slots__" in vars(model)
    params = getattr(model, "__dataclass_params__")  # noqa: B009
    assert params.frozen


def test_frozen_instance_rejects_assignment() -> None:
    status = decode(TrackingStatus, raw(TRACKING_FIELDS), "tracking")
    with pytest.raises(dataclasses.FrozenInstanceError):
        status.stratum = 1  # type: ignore[misc]


def test_v2_field_names_and_order_are_kept() -> None:
    assert [f.name for f in dataclasses.fields(TrackingStatus)] == [
        "reference_id", "reference_id_name", "reference_ip", "stratum", "leap_status",
        "ref_time", "offset", "last_offset", "rms_offset", "frequency", "residual_freq",
        "skew", "root_delay", "root_dispersion", "update_interval",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(Source)] == [
        "address", "poll", "stratum", "state", "mode", "flags", "reachability",
        "last_sample_ago", "orig_latest_meas", "latest_meas", "latest_meas_err",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(SourceStats)] == [
        "reference_id", "address", "samples", "runs", "span", "std_dev", "resid_freq",
        "skew", "offset", "offset_err",
    ]  # fmt: skip
    assert [f.name for f in dataclasses.fields(RTCData)] == [
        "ref_time", "samples", "runs", "span", "offset", "freq_offset",
    ]  # fmt: skip
    assert [m.name for m in LeapStatus] == ["NORMAL", "INSERT", "DELETE", "UNSYNC"]
    assert [m.name for m in SourceState] == [
        "SELECTED", "NONSELECTABLE", "FALSETICKER", "JITTERY", "UNSELECTED", "SELECTABLE",
    ]  # fmt: skip
    assert [m.name for m in SourceMode] == ["CLIENT", "PEER", "REFCLOCK"]
