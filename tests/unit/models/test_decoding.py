"""What every model shares: declared fields, decoding (odd records too), the catalogue, enums.

Each record goes through ``decode`` (pychrony/models/_declare.py); records built by
``record_from_fields`` are the bytes the C reader produces, so they are decoded by the
same routines as a live record.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony import (
    AuthData,
    ChronyDataError,
    LeapStatus,
    NTPData,
    RTCData,
    SelectState,
    Source,
    SourceMode,
    SourceState,
    SourceStats,
    TrackingStatus,
)
from pychrony._core.records import record_from_fields
from pychrony._core.timespec import TimeSpec, as_chronyc_reads
from pychrony.libchrony import FieldValue
from pychrony.models._declare import allows_empty, decode, plan
from pychrony.models.catalog import REPORTS, spec_for
from pychrony.testing import (
    make_auth_data,
    make_ntp_data,
)

from .samples import TRACKING_FIELDS, F, T, U, raw

NO_HIGH_WORD = 0x7FFFFFFF << 32  # what a chronyd with a 32-bit time_t sends above the seconds


class _Explodes:
    """A value whose arithmetic fails with an error no conversion expects."""

    def __mul__(self, other: object) -> float:
        raise ZeroDivisionError("boom")


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
    assert dataclasses.is_dataclass(spec.model)
    assert params.frozen
    assert "__slots__" in vars(spec.model)
    assert len(plan(spec.model)) == len(dataclasses.fields(spec.model))


@pytest.mark.parametrize("model", [NTPData, AuthData])
def test_a_record_with_no_fields_is_a_model_of_nothing(model: Any) -> None:
    empty = record_from_fields([])
    assert len(empty) == 0
    plain: list[Any] = []
    for record in (empty, plain):  # the compiled plan and the generic path
        got: Any = decode(model, record, "ntpdata")
        assert isinstance(got, model)
        assert all(getattr(got, f.name) is None for f in dataclasses.fields(got))
        assert got == model(**{f.name: None for f in dataclasses.fields(model)})


def test_only_reports_of_sources_without_data_may_be_empty() -> None:
    assert {spec.name for spec in REPORTS if allows_empty(spec.model)} == {"ntpdata", "authdata"}


def test_an_empty_record_of_another_report_is_a_data_error_naming_where() -> None:
    with pytest.raises(ChronyDataError) as info:
        decode(TrackingStatus, record_from_fields([]), "tracking", index=0, server="/run/x.sock")
    message = info.value.message
    assert "tracking report, record 0, from /run/x.sock" in message
    assert "'reference ID'" in message
    assert "fields: none" in message


def test_a_partial_record_is_still_checked_field_by_field() -> None:
    # Only a record with no fields at all stands for "no data"; one missing a
    # field is malformed.
    fields = [(name, U, 0, 1) for name in ("mode", "key type", "key ID")]
    with pytest.raises(ChronyDataError, match="'key length'"):
        decode(AuthData, record_from_fields(fields), "authdata", index=2)


def test_an_unusable_value_names_report_record_and_server() -> None:
    fields = [
        ("reference time", T, 2, (1, _Explodes())),
        ("samples", U, 1, 3),
        ("runs", U, 1, 2),
        ("span", U, 4, 100),
        ("offset", F, 5, 0.5),
        ("frequency offset", F, 7, 1.0),
    ]
    with pytest.raises(ChronyDataError) as info:
        decode(RTCData, fields, "rtcdata", index=0, server="127.0.0.1")
    message = info.value.message
    assert "rtcdata report, record 0, from 127.0.0.1" in message
    assert "'reference time'" in message
    assert "ZeroDivisionError: boom" in message


def test_factories_build_the_empty_models_too() -> None:
    assert make_ntp_data(remote_address=None, offset=None).offset is None
    assert not make_auth_data(mode=None).is_authenticated()
    with pytest.raises(TypeError, match=r"NTPData.offset must be float, not str.*None is accepted"):
        make_ntp_data(offset="0.1")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ((1_700_000_000, 5), (1_700_000_000, 5)),
        ((NO_HIGH_WORD | 1_700_000_000, 5), (1_700_000_000, 5)),  # 32-bit time_t marker
        ((NO_HIGH_WORD, 0), (0, 0)),
        ((NO_HIGH_WORD | 0xFFFFFFFF, 0), (0xFFFFFFFF, 0)),
        ((1 << 32 | 7, 0), (1 << 32 | 7, 0)),  # a real high word is kept (year 2106+)
        ((0x7FFFFFFE << 32, 0), (0x7FFFFFFE << 32, 0)),
        ((10, 999_999_999), (10, 999_999_999)),
        ((10, 1_000_000_000), (10, 999_999_999)),  # clamped, as chronyc does
        ((10, 0xFFFFFFFF), (10, 999_999_999)),
        ((-1, 0), (-1, 0)),  # a high word of 0xffffffff is no marker
    ],
)
def test_timespecs_read_as_chronyc_reads_them(
    raw: tuple[int, int], expected: tuple[int, int]
) -> None:
    assert as_chronyc_reads(*raw) == expected
    # The same through the record decoding every live read takes, and in each layer.
    record = record_from_fields([("reference time", T, 2, raw)])
    assert record.values == (expected,)
    assert FieldValue.from_raw(record[0]).value == TimeSpec(*expected)


def test_a_32_bit_chronyd_gives_a_present_day_ref_time() -> None:
    fields = [
        ("reference time", T, 2, (NO_HIGH_WORD | 1_700_000_000, 1_250_000_000)),
        ("samples", U, 1, 3),
        ("runs", U, 1, 2),
        ("span", U, 4, 100),
        ("offset", F, 5, 0.5),
        ("frequency offset", F, 7, 1.0),
    ]
    for record in (record_from_fields(fields), list(record_from_fields(fields))):
        rtc = decode(RTCData, record, "rtcdata")
        assert rtc.ref_time == pytest.approx(1_700_000_000.999999999)


@pytest.mark.parametrize("enum", [LeapStatus, SourceState, SourceMode, SelectState])
def test_calling_an_enum_with_an_unknown_value_raises_as_in_2x(enum: type) -> None:
    with pytest.raises(ValueError, match="99 is not a valid"):
        enum(99)


def test_the_decoding_path_keeps_unknown_values_once() -> None:
    first = LeapStatus.from_chronyd(99)
    assert first is LeapStatus.from_chronyd(99)
    assert (first.name, first.value, first.is_known) == ("UNKNOWN_99", 99, False)
    assert LeapStatus.from_chronyd(3) is LeapStatus.UNSYNC
    with pytest.raises(TypeError):
        LeapStatus.from_chronyd("3")  # type: ignore[arg-type]


def test_field_types_are_type_objects_as_in_2x() -> None:
    from pychrony import Source, TrackingStatus

    types = {f.name: f.type for f in dataclasses.fields(TrackingStatus)}
    assert types["stratum"] is int
    assert types["reference_ip"] is str
    assert types["leap_status"] is LeapStatus
    assert {f.name: f.type for f in dataclasses.fields(Source)}["state"] is SourceState
