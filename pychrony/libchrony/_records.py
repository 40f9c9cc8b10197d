"""``FieldValue``, ``Record`` and ``Report``: any report, any field, as libchrony names them."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .._core.constants import FieldContent, FieldType
from .._core.session import RawField
from .._core.timespec import TimeSpec

__all__ = ["ChronyFieldContent", "ChronyFieldType", "FieldValue", "Record", "Report"]

ChronyFieldType = FieldType
"""libchrony's ``chrony_field_type`` (how a value is stored), under the port's name."""

ChronyFieldContent = FieldContent
"""libchrony's ``chrony_field_content`` (what a value means), under the port's name."""

_UNITS: dict[FieldContent, str] = {
    FieldContent.INTERVAL_LOG2_SECONDS: "log2(s)",
    FieldContent.INTERVAL_SECONDS: "s",
    FieldContent.OFFSET_SECONDS: "s",
    FieldContent.MEASURE_SECONDS: "s",
    FieldContent.OFFSET_PPM: "ppm",
    FieldContent.MEASURE_PPM: "ppm",
    FieldContent.OFFSET_PPM_PER_SECOND: "ppm/s",
    FieldContent.LENGTH_BITS: "bits",
    FieldContent.LENGTH_BYTES: "bytes",
}


def _enum_or(enum: type[FieldType] | type[FieldContent], value: int, default: Any) -> Any:
    # A newer libchrony may add types or contents; keep the record usable.
    try:
        return enum(value)
    except ValueError:
        return default


@dataclass(frozen=True, slots=True)
class FieldValue:
    """One field of a record: its libchrony name, value, type and meaning.

    ``value`` is an :class:`int` for UINTEGER and INTEGER fields (16-bit signed
    fields such as ``poll`` already sign-corrected, so -2 rather than 65534;
    enums, flags, booleans and reference IDs stay the integers chronyd sent),
    a :class:`float` for FLOAT fields, a :class:`~pychrony.libchrony.TimeSpec`
    for TIMESPEC fields (``float(value)`` gives seconds since the epoch), and
    a :class:`str` for STRING fields (None when chronyd sent no address).

    Attributes:
        name: libchrony's field name, e.g. ``"reference ID"``.
        value: the value, as above.
        type: how libchrony stores it (:class:`ChronyFieldType`).
        content: what it means (:class:`ChronyFieldContent`); gives :attr:`unit`.

    Example:
        >>> fv = FieldValue("skew", 0.25, ChronyFieldType.FLOAT, ChronyFieldContent.MEASURE_PPM)
        >>> fv.unit, str(fv)
        ('ppm', '0.25 ppm')
    """

    name: str
    value: Any
    type: ChronyFieldType
    content: ChronyFieldContent

    @classmethod
    def from_raw(cls, raw: RawField) -> FieldValue:
        """Build from the core's decoded field."""
        ftype = _enum_or(FieldType, raw.type, FieldType.NONE)
        value = raw.value
        if ftype is FieldType.TIMESPEC and isinstance(value, tuple):
            value = TimeSpec(*value)
        return cls(raw.name, value, ftype, _enum_or(FieldContent, raw.content, FieldContent.NONE))

    @property
    def unit(self) -> str | None:
        """The unit of :attr:`value`, or None for counts, names, enums and the like.

        ``"s"`` (seconds), ``"log2(s)"`` (a power-of-two interval such as a
        poll), ``"ppm"``, ``"ppm/s"``, ``"bits"`` or ``"bytes"``.
        """
        return _UNITS.get(self.content)

    def __str__(self) -> str:
        """The value as a person reads it, with its unit.

        Seconds and ppm as numbers with their unit (``"-1.04486492e-06 s"``), a
        log2 interval with its length (``"-2 log2(s) (0.25 s)"``), times in ISO
        8601 UTC, reference IDs in hex as chronyc prints them, the reachability
        register in octal, flags in hex, booleans as yes/no, and ``-`` for a
        missing value.
        """
        value, content = self.value, self.content
        if value is None:
            return "-"
        if isinstance(value, TimeSpec):
            return value.isoformat() if content is FieldContent.TIME else f"{float(value):.9f}"
        if isinstance(value, int):
            if content is FieldContent.BOOLEAN:
                return "yes" if value else "no"
            if content is FieldContent.REFERENCE_ID:
                return f"{value:08X}"
            if content is FieldContent.BITS:
                return f"{value:o}"
            if content is FieldContent.FLAGS:
                return f"0x{value:x}"
            if content is FieldContent.INTERVAL_LOG2_SECONDS and -64 <= value <= 64:
                return f"{value} log2(s) ({2.0**value:g} s)"
        text = f"{value:.9g}" if isinstance(value, float) else str(value)
        unit = self.unit
        return f"{text} {unit}" if unit else text


@dataclass(slots=True)
class Record:
    """One record of a report: its fields in libchrony's order.

    Index by field name (``record["stratum"]``) or position (``record[0]``);
    iterate for every :class:`FieldValue`.

    Attributes:
        report_name: the report it belongs to, e.g. ``"tracking"``.
        index: its position in the report (0 for single-record reports).
        fields: its fields.
    """

    report_name: str
    index: int
    fields: list[FieldValue] = field(default_factory=list)

    @classmethod
    def from_raw(cls, report_name: str, index: int, raw: Iterable[RawField]) -> Record:
        """Build from the core's decoded fields."""
        return cls(report_name, index, [FieldValue.from_raw(f) for f in raw])

    def __getitem__(self, key: int | str) -> FieldValue:
        """The field named ``key``, or at position ``key``.

        Raises:
            KeyError: no field of that name.
            IndexError: position out of range.
            TypeError: ``key`` is neither a str nor an int.
        """
        if isinstance(key, str):
            for fv in self.fields:
                if fv.name == key:
                    return fv
            names = ", ".join(repr(fv.name) for fv in self.fields)
            raise KeyError(
                f"{self._describe()} has no field {key!r}; its fields are: {names or 'none'}"
            )
        if isinstance(key, bool) or not isinstance(key, int):
            raise TypeError(
                f"record fields are indexed by name (str) or position (int), "
                f"not {type(key).__name__}"
            )
        try:
            return self.fields[key]
        except IndexError:
            raise IndexError(
                f"{self._describe()} has {len(self.fields)} fields; position {key} is out of range"
            ) from None

    def __iter__(self) -> Iterator[FieldValue]:
        return iter(self.fields)

    def __len__(self) -> int:
        return len(self.fields)

    def __contains__(self, key: object) -> bool:
        """Whether a field of that name (or that :class:`FieldValue`) is in the record."""
        if isinstance(key, str):
            return any(fv.name == key for fv in self.fields)
        return key in self.fields

    def get(self, name: str, default: Any = None) -> Any:
        """The value of field ``name``, or ``default`` when the record has no such field."""
        for fv in self.fields:
            if fv.name == name:
                return fv.value
        return default

    def as_dict(self) -> dict[str, Any]:
        """Field name to value, in libchrony's order."""
        return {fv.name: fv.value for fv in self.fields}

    def __str__(self) -> str:
        """One line: ``tracking[0]: reference ID=7F000003, stratum=9, ...`` (values as str())."""
        fields = ", ".join(f"{fv.name}={fv}" for fv in self.fields)
        return f"{self.report_name}[{self.index}]: {fields}"

    def _describe(self) -> str:
        return f"record {self.index} of the {self.report_name} report"


@dataclass(slots=True)
class Report:
    """Every record of one report, in chronyd's order.

    Attributes:
        name: the report's name, e.g. ``"sources"``.
        records: its records (one per source for per-source reports).
    """

    name: str
    records: list[Record] = field(default_factory=list)

    def __getitem__(self, index: int) -> Record:
        """Record ``index`` (negative counts from the end).

        Raises:
            IndexError: out of range.
            TypeError: ``index`` is not an int.
        """
        if isinstance(index, bool) or not isinstance(index, int):
            raise TypeError(f"report records are indexed by int, not {type(index).__name__}")
        try:
            return self.records[index]
        except IndexError:
            raise IndexError(
                f"the {self.name} report has {len(self.records)} records; "
                f"index {index} is out of range"
            ) from None

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)
