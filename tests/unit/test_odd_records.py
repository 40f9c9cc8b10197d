"""Records a normal chronyd rarely sends: no fields at all, odd timestamps, unusable values.

Each goes through ``record_from_fields``, which produces the bytes the C
reader produces, so these are decoded by the same routines as a live record.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from pychrony import AuthData, ChronyDataError, NTPData, RTCData, TrackingStatus
from pychrony._core import records
from pychrony._core.constants import FieldType
from pychrony._core.records import FieldLayout, record_from_fields
from pychrony._core.timespec import TimeSpec, as_chronyc_reads
from pychrony.libchrony import FieldValue
from pychrony.models._declare import allows_empty, decode
from pychrony.models.catalog import REPORTS
from pychrony.testing import make_auth_data, make_ntp_data

U, INT, F, T, S = (
    FieldType.UINTEGER,
    FieldType.INTEGER,
    FieldType.FLOAT,
    FieldType.TIMESPEC,
    FieldType.STRING,
)

NO_HIGH_WORD = 0x7FFFFFFF << 32  # what a chronyd with a 32-bit time_t sends above the seconds


# -- records with no fields --------------------------------------------------


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


class _Explodes:
    """A value whose arithmetic fails with an error no conversion expects."""

    def __mul__(self, other: object) -> float:
        raise ZeroDivisionError("boom")


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


# -- generated builders never decide whether a record decodes ------------------------------------


LAYOUTS: list[list[tuple[str | None, int, int, Any]]] = [
    [],
    [("only", U, 0, 7)],
    [("a", S, 15, "x"), (None, 0, 0, None), ("t", T, 2, (5, 6)), ("n", FieldType.NONE, 0, None)],
    [("s", S, 15, None), ("i", INT, 3, -2), ("f", F, 5, 0.25)],
]


@pytest.mark.parametrize("fields", LAYOUTS)
def test_the_plain_builder_gives_what_the_generated_one_gives(fields: list[Any]) -> None:
    record = record_from_fields(fields)
    layout = record.layout
    every = [(i, None) for i in range(len(layout.names))]
    generated = layout._generate(tuple, every, None, None)
    plain = layout._plain(tuple, every, None, None)
    assert generated(record.slots, record.data) == plain(record.slots, record.data)
    assert record.values == plain(record.slots, record.data)


def test_a_builder_that_cannot_be_generated_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise SyntaxError("as if the generated source did not compile")

    monkeypatch.setattr(FieldLayout, "_generate", refuse)
    monkeypatch.setattr(records, "_LAYOUTS", {})
    record = record_from_fields([("remote address", S, 15, "192.0.2.1"), ("version", U, 0, 4)])
    assert record.values == ("192.0.2.1", 4)
    ntp = decode(NTPData, record_from_fields([]), "ntpdata")
    assert ntp.remote_address is None


# -- timestamps as chronyc reads them ----------------------------------------------------


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
