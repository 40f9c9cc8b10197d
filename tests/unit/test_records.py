"""The packed record format and the decoders compiled per layout, no daemon needed.

Every record the core reads comes through ``record_from_fields``'s format (the
C reader writes the same bytes); decoding it by compiled plan must give what
decoding by name gives.
"""

from __future__ import annotations

import dataclasses
import struct
from typing import Any

import pytest

from pychrony import ChronyDataError, LeapStatus, Source, SourceStats, TrackingStatus
from pychrony._core import records
from pychrony._core.records import RawField, RawRecord, record_from_fields
from pychrony.models._declare import ModelDecoder, decode, slot_builder, source
from tests.unit.models.samples import INT, SOURCE, TRACKING, Field, S, U


def replaced(fields: list[Field], **values: Any) -> list[Any]:
    """``fields`` with some values replaced (keyword: name with spaces as underscores)."""
    wanted = {k.replace("_", " "): v for k, v in values.items()}
    return [(n, t, c, wanted.get(n or "", v)) for n, t, c, v in fields]


def both_ways(cls: type, fields: list[Any], report: str) -> tuple[Any, Any]:
    """Decode by compiled plan (from a record) and by name (from plain tuples)."""
    record = record_from_fields(fields)
    return decode(cls, record, report), decode(cls, list(record.fields), report)


def test_record_holds_the_named_fields_in_order() -> None:
    fields = [*TRACKING[:2], (None, 0, 0, None), *TRACKING[2:]]
    record = record_from_fields(fields)
    assert isinstance(record, RawRecord)
    assert len(record) == len(TRACKING)
    assert record == tuple(RawField(n or "", t, c, v) for n, t, c, v in TRACKING)
    assert record[1] == RawField("address", S, 15, "127.0.0.3")
    assert record.values[4] == (1795244097, 837492710)
    assert [f.name for f in record] == [f[0] for f in TRACKING]


def test_null_and_non_ascii_strings_survive() -> None:
    fields = [("a", S, 15, None), ("b", S, 15, "é\ufffd"), ("c", S, 15, "")]
    assert record_from_fields(fields).values == (None, "é\ufffd", "")


def test_equal_layouts_are_one_object() -> None:
    one = record_from_fields(TRACKING)
    other = record_from_fields(replaced(TRACKING, stratum=3))
    assert one.layout is other.layout
    assert one != other


@pytest.mark.parametrize(
    ("cls", "fields", "report"),
    [
        (TrackingStatus, TRACKING, "tracking"),
        (TrackingStatus, replaced(TRACKING, address=None, leap_status=7), "tracking"),
        (Source, SOURCE, "sources"),
        (Source, replaced(SOURCE, poll=-6, state=42), "sources"),
    ],
)
def test_compiled_plan_decodes_like_the_names(cls: type, fields: list[Any], report: str) -> None:
    fast, by_name = both_ways(cls, fields, report)
    assert fast == by_name
    assert type(fast) is cls


def test_unknown_enum_value_comes_from_the_decoding_path() -> None:
    fast, _ = both_ways(TrackingStatus, replaced(TRACKING, leap_status=7), "tracking")
    assert fast.leap_status is LeapStatus.from_chronyd(7)
    assert not fast.leap_status.is_known


def test_missing_required_field_names_it() -> None:
    fields = [f for f in TRACKING if f[0] != "skew"]
    with pytest.raises(ChronyDataError, match="'skew'"):
        decode(TrackingStatus, record_from_fields(fields), "tracking")


def test_reference_id_stands_in_for_a_missing_address() -> None:
    # A reference clock's record: Source reads its second name.
    fields = [("reference ID", U, 11, 0x50505330), *SOURCE[1:]]
    fast, by_name = both_ways(Source, fields, "sources")
    assert fast.address == "PPS0" == by_name.address


@dataclasses.dataclass(frozen=True, slots=True)
class _Counted:
    count: int = dataclasses.field(metadata=source("count", convert=int))
    note: str | None = dataclasses.field(metadata=source("note", optional=True))


@dataclasses.dataclass(frozen=True, slots=True)
class _Checked:
    count: int = dataclasses.field(metadata=source("count"))

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError("a count cannot be negative")


@dataclasses.dataclass(frozen=True)
class _KeywordOnly:
    count: int = dataclasses.field(metadata=source("count"), kw_only=True)


def test_unconvertible_value_is_a_data_error_naming_the_field() -> None:
    with pytest.raises(ChronyDataError, match="'count'"):
        decode(_Counted, record_from_fields([("count", S, 0, "many")]), "test")


def test_absent_optional_attribute_is_none() -> None:
    got = decode(_Counted, record_from_fields([("count", U, 0, 3)]), "test")
    assert got == _Counted(3, None)


def test_post_init_still_runs() -> None:
    assert slot_builder(_Checked) is None
    assert decode(_Checked, record_from_fields([("count", INT, 0, 5)]), "test") == _Checked(5)
    with pytest.raises(ValueError, match="negative"):
        decode(_Checked, record_from_fields([("count", INT, 0, -1)]), "test")


def test_keyword_only_attributes_are_passed_by_name() -> None:
    assert slot_builder(_KeywordOnly) is None  # no slots: built by calling it
    got = decode(_KeywordOnly, record_from_fields([("count", U, 0, 5)]), "test")
    assert got == _KeywordOnly(count=5)


def test_models_are_filled_slot_by_slot() -> None:
    # The fast construction applies to the real models, and builds equal objects.
    for cls in (TrackingStatus, Source, SourceStats):
        assert slot_builder(cls) is not None
    fast, by_name = both_ways(Source, SOURCE, "sources")
    assert fast == by_name
    assert hash(fast) == hash(by_name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.poll = 3


@dataclasses.dataclass(frozen=True, slots=True)
class _Derived(_Counted):
    extra: int = dataclasses.field(default=0, metadata=source("extra", optional=True))


def test_a_subclassed_model_is_built_by_calling_it() -> None:
    # Its slots live on two classes: no plain twin can take its layout, so
    # the decoder calls the class (the result is the same object either way).
    assert slot_builder(_Derived) is None
    got = decode(_Derived, record_from_fields([("count", U, 0, 3), ("extra", U, 0, 4)]), "test")
    assert got == _Derived(3, None, 4)
    assert type(got) is _Derived


def test_a_slot_built_model_is_of_its_class_not_the_twin() -> None:
    builder = slot_builder(_Counted)
    assert builder is not None
    assert builder.names == ("count", "note")
    got = decode(_Counted, record_from_fields([("count", U, 0, 3)]), "test")
    assert type(got) is _Counted
    assert not isinstance(got, builder.twin)
    with pytest.raises(dataclasses.FrozenInstanceError):
        got.count = 4  # type: ignore[misc]


def _packed(fields: list[Field]) -> tuple[bytes, int]:
    """The bytes and result of pychrony_read_record for ``fields`` (the C packer's format)."""
    record = record_from_fields(fields)
    key = record.layout.key
    codes = "".join(
        records._SLOTS[records._KIND.get(t, records._NONE)][0] for t in record.layout.types
    )
    data = bytearray(record.data)
    struct.pack_into(f"={codes}", data, (len(key) + 7) & ~7, *record.slots)
    return bytes(data), len(key) << 16 | len(data)


_COUNTED = ModelDecoder(_Counted, "test", lambda: "a test")


def test_a_memo_reuses_a_layout_only_for_the_same_bytes() -> None:
    memo = records.LayoutMemo()
    a, a_len = _packed([("count", U, 0, 3), ("note", S, 0, "x")])
    got = records.decode_packed(a, a_len, _COUNTED, 0, memo)
    assert got == _Counted(3, "x")
    first = memo.layout
    assert first is not None
    again = records.decode_packed(a, a_len, _COUNTED, 0, memo)
    assert again == _Counted(3, "x")
    assert memo.layout is first  # reused
    # Same length of layout, other names: decoded by its own layout, not the memo's.
    b, b_len = _packed([("cuont", U, 0, 4), ("note", S, 0, "y")])
    assert b_len >> 16 == a_len >> 16
    with pytest.raises(ChronyDataError, match="count"):
        records.decode_packed(b, b_len, _COUNTED, 0, memo)
    assert memo.layout is not first
    assert records.decode_packed(a, a_len, _COUNTED, 0, memo) == _Counted(3, "x")
