"""Record, Report, FieldValue and TimeSpec of the generic layer, without a daemon."""

from __future__ import annotations

import doctest
import importlib
import math
from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pychrony._core.session import RawField
from pychrony.libchrony import (
    ChronyFieldContent,
    ChronyFieldType,
    FieldValue,
    Record,
    Report,
    TimeSpec,
)

C = ChronyFieldContent
T = ChronyFieldType

# Shaped like libchrony's tracking record (names, types and contents as it reports them).
TRACKING_RAW = (
    RawField("reference ID", 1, 11, 0x7F000003),
    RawField("address", 5, 15, "127.0.0.3"),
    RawField("stratum", 1, 1, 9),
    RawField("leap status", 1, 12, 0),
    RawField("reference time", 4, 2, (1700000000, 120076807)),
    RawField("current correction", 3, 5, -1.0448649163663504e-06),
    RawField("frequency offset", 3, 7, -6.438868045806885),
    RawField("last update interval", 3, 4, 0.125),
)


def tracking() -> Record:
    return Record.from_raw("tracking", 0, TRACKING_RAW)


def fv(value: object, ftype: T, content: C) -> FieldValue:
    return FieldValue("x", value, ftype, content)


# -- FieldValue --------------------------------------------------------------


def test_from_raw_types_values_and_enums() -> None:
    rec = tracking()
    ref = rec["reference ID"]
    assert ref.type is T.UINTEGER
    assert ref.content is C.REFERENCE_ID
    assert ref.value == 0x7F000003
    when = rec["reference time"].value
    assert when == TimeSpec(1700000000, 120076807)
    assert isinstance(when, TimeSpec)
    assert rec["address"].value == "127.0.0.3"


def test_from_raw_tolerates_unknown_type_and_content_of_a_newer_libchrony() -> None:
    field = FieldValue.from_raw(RawField("future", 9, 99, None))
    assert field.type is T.NONE
    assert field.content is C.NONE
    assert field.unit is None


UNITS = {
    C.INTERVAL_LOG2_SECONDS: "log2(s)",
    C.INTERVAL_SECONDS: "s",
    C.OFFSET_SECONDS: "s",
    C.MEASURE_SECONDS: "s",
    C.OFFSET_PPM: "ppm",
    C.MEASURE_PPM: "ppm",
    C.OFFSET_PPM_PER_SECOND: "ppm/s",
    C.LENGTH_BITS: "bits",
    C.LENGTH_BYTES: "bytes",
}


@pytest.mark.parametrize("content", list(C))
def test_unit_of_every_content(content: C) -> None:
    assert fv(1, T.UINTEGER, content).unit == UNITS.get(content)


@pytest.mark.parametrize(
    ("field", "text"),
    [
        (fv(-1.0448649163663504e-06, T.FLOAT, C.OFFSET_SECONDS), "-1.04486492e-06 s"),
        (fv(-6.438868045806885, T.FLOAT, C.OFFSET_PPM), "-6.43886805 ppm"),
        (fv(0.5, T.FLOAT, C.OFFSET_PPM_PER_SECOND), "0.5 ppm/s"),
        (fv(-2, T.INTEGER, C.INTERVAL_LOG2_SECONDS), "-2 log2(s) (0.25 s)"),
        (fv(6, T.INTEGER, C.INTERVAL_LOG2_SECONDS), "6 log2(s) (64 s)"),
        (fv(32767, T.INTEGER, C.INTERVAL_LOG2_SECONDS), "32767 log2(s)"),
        (fv(12, T.UINTEGER, C.INTERVAL_SECONDS), "12 s"),
        (fv(0x7F000001, T.UINTEGER, C.REFERENCE_ID), "7F000001"),
        (fv(0o377, T.UINTEGER, C.BITS), "377"),
        (fv(1023, T.UINTEGER, C.FLAGS), "0x3ff"),
        (fv(1, T.UINTEGER, C.BOOLEAN), "yes"),
        (fv(0, T.UINTEGER, C.BOOLEAN), "no"),
        (fv(4, T.UINTEGER, C.COUNT), "4"),
        (fv(256, T.UINTEGER, C.LENGTH_BITS), "256 bits"),
        (fv(64, T.UINTEGER, C.LENGTH_BYTES), "64 bytes"),
        (fv("127.0.0.1", T.STRING, C.ADDRESS), "127.0.0.1"),
        (fv(None, T.STRING, C.ADDRESS), "-"),
        (fv(TimeSpec(0, 1), T.TIMESPEC, C.TIME), "1970-01-01T00:00:00.000000001Z"),
        (fv(TimeSpec(3, 500_000_000), T.TIMESPEC, C.INTERVAL_SECONDS), "3.500000000"),
    ],
)
def test_str_is_readable_with_unit(field: FieldValue, text: str) -> None:
    assert str(field) == text


def test_port_documented_unit_usage() -> None:
    offset = tracking()["current correction"]
    assert f"{offset.value} {offset.unit}" == "-1.0448649163663504e-06 s"


def test_field_value_is_frozen_and_hashable() -> None:
    field = tracking()["reference time"]
    with pytest.raises(AttributeError):
        field.value = 1  # type: ignore[misc]
    assert hash(field) == hash(tracking()["reference time"])


# -- Record ------------------------------------------------------------------


def test_record_by_name_and_position() -> None:
    rec = tracking()
    assert rec.report_name == "tracking"
    assert rec.index == 0
    assert rec["stratum"].value == 9
    assert rec[2] is rec["stratum"]
    assert rec[-1].name == "last update interval"
    assert len(rec) == len(TRACKING_RAW)
    assert [f.name for f in rec] == [r.name for r in TRACKING_RAW]


def test_record_missing_name_lists_the_fields() -> None:
    with pytest.raises(KeyError, match=r"no field 'stratun'.*'stratum'") as info:
        tracking()["stratun"]
    assert "record 0 of the tracking report" in str(info.value)


def test_record_position_out_of_range_says_how_many() -> None:
    with pytest.raises(IndexError, match=r"has 8 fields; position 8 is out of range"):
        tracking()[8]


@pytest.mark.parametrize("key", [1.0, True, None, b"stratum"])
def test_record_rejects_other_keys(key: object) -> None:
    with pytest.raises(TypeError, match="by name"):
        tracking()[key]  # type: ignore[index]


def test_record_as_dict_contains_and_get() -> None:
    rec = tracking()
    as_dict = rec.as_dict()
    assert list(as_dict) == [r.name for r in TRACKING_RAW]
    assert as_dict["reference time"] == TimeSpec(1700000000, 120076807)
    assert "stratum" in rec
    assert "nope" not in rec
    assert rec["stratum"] in rec
    assert rec.get("stratum") == 9
    assert rec.get("nope", 42) == 42


def test_record_str_is_one_readable_line() -> None:
    text = str(tracking())
    assert text.startswith("tracking[0]: reference ID=7F000003, address=127.0.0.3, stratum=9,")
    assert "current correction=-1.04486492e-06 s" in text
    assert "\n" not in text


# -- Report ------------------------------------------------------------------


def test_report_indexing_iteration_and_length() -> None:
    records = [
        Record.from_raw("sources", i, [RawField("address", 5, 15, f"10.0.0.{i}")]) for i in range(3)
    ]
    report = Report("sources", records)
    assert len(report) == 3
    assert report[1]["address"].value == "10.0.0.1"
    assert report[-1].index == 2
    assert [r["address"].value for r in report] == ["10.0.0.0", "10.0.0.1", "10.0.0.2"]
    with pytest.raises(IndexError, match="sources report has 3 records; index 3"):
        report[3]
    with pytest.raises(TypeError, match="indexed by int"):
        report["0"]  # type: ignore[index]


def test_empty_report() -> None:
    report = Report("sources")
    assert len(report) == 0
    assert list(report) == []


# -- TimeSpec ----------------------------------------------------------------


def test_timespec_conversions() -> None:
    ts = TimeSpec(1700000000, 500_000_000)
    assert math.isclose(float(ts), 1700000000.5)
    assert ts.to_datetime() == datetime(2023, 11, 14, 22, 13, 20, 500000, tzinfo=timezone.utc)
    assert ts.isoformat() == "2023-11-14T22:13:20.500000000Z"
    assert TimeSpec() == TimeSpec(0, 0)
    assert TimeSpec(1, 2) < TimeSpec(1, 3) < TimeSpec(2, 0)
    assert len({TimeSpec(1, 2), TimeSpec(1, 2)}) == 1


def test_timespec_out_of_datetime_range_still_formats() -> None:
    assert TimeSpec(2**62, 5).isoformat() == f"{2**62}.000000005"


@pytest.mark.parametrize(
    "module",
    ["pychrony.libchrony._records", "pychrony._core.timespec"],
)
def test_docstring_examples_hold(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.attempted > 0
    assert result.failed == 0


_ANY_VALUE = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**64 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.builds(
        TimeSpec,
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.integers(min_value=0, max_value=999_999_999),
    ),
)


@given(value=_ANY_VALUE, ftype=st.sampled_from(T), content=st.sampled_from(C))
def test_str_never_fails(value: object, ftype: T, content: C) -> None:
    assert isinstance(str(FieldValue("x", value, ftype, content)), str)
