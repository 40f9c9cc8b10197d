"""Model instances as plain values: the one conversion JSON, CSV and tables share.

Field lists come from the report catalogue and ``dataclasses.fields`` of each
model, never from a list kept here, so a report added to the catalogue shows
up in every output format as it is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from enum import Enum, Flag
from typing import Any, TypeVar, cast

from ..models.catalog import ReportSpec
from ..models.sources import SourceMode

__all__ = [
    "Plain",
    "columns",
    "listed",
    "listed_auth",
    "plain",
    "record_dict",
    "records_of",
    "report_document",
]

Plain = Any  # a JSON-compatible value: None, bool, int, float, str, list, dict
R = TypeVar("R")


def plain(value: object) -> Plain:
    """One attribute as a JSON-compatible value: enums by name, NaN/inf as None.

    Flags become the list of their set members' names (``[]`` for none).
    """
    if isinstance(value, Flag):
        return [
            m.name
            for m in type(value)
            if m.name and m.value and m.value & (m.value - 1) == 0 and value & m == m
        ]
    if isinstance(value, Enum):
        return value.name
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return record_dict(value)
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def record_dict(record: object) -> dict[str, Plain]:
    """A model instance as ``{field name: plain value}`` in declaration order."""
    if not dataclasses.is_dataclass(record) or isinstance(record, type):
        raise TypeError(f"not a model instance: {record!r}")
    return {f.name: plain(getattr(record, f.name)) for f in dataclasses.fields(record)}


def columns(spec: ReportSpec[Any]) -> list[str]:
    """The field names of a report's model: its JSON keys and CSV header."""
    return [f.name for f in dataclasses.fields(spec.model)]


def records_of(spec: ReportSpec[Any], value: object) -> list[object]:
    """What a getter returned, as a list of records (empty when disabled)."""
    if value is None:
        return []
    if spec.many:
        return list(cast("list[object]", value))
    return [value]


def report_document(spec: ReportSpec[Any], value: object) -> Plain:
    """A getter's result as JSON: an object, a list of objects, or None when disabled."""
    if value is None:
        return None
    if spec.many:
        return [record_dict(r) for r in records_of(spec, value)]
    return record_dict(value)


def listed(records: Sequence[R], include_unresolved: bool = False) -> list[R]:
    """The records a person is shown: as chronyc, without placeholder sources.

    A record whose model has ``is_resolved()`` (sources, sourcestats,
    selectdata, ntpdata) is left out while its name is not resolved, unless
    ``include_unresolved`` (``--all``, like ``chronyc sources -a``).
    """
    if include_unresolved:
        return list(records)
    return [r for r in records if getattr(r, "is_resolved", _always)()]


def listed_auth(
    records: Sequence[R], sources: Sequence[Any] | None, include_unresolved: bool = False
) -> list[R]:
    """Authdata records a person is shown, as ``chronyc authdata`` shows them.

    An authdata record carries no address: libchrony gives the records in the
    order of the sources report, so record *i* is source *i*'s (``sources``,
    read on the same connection). chronyc skips reference clocks always and
    placeholder sources unless ``-a``; such a record is blanked here (every
    field None, as chronyd sends a reference clock's), so each record keeps
    its position, which is how it pairs with its source (the ``#`` column,
    the exporter's ``source_index``). Without ``sources``, or past their end
    (the list changed between the two reads), a record is kept as it is.
    """
    shown = list(records)
    for i, source in enumerate((sources or [])[: len(shown)]):
        refclock = getattr(source, "mode", None) is SourceMode.REFCLOCK
        if refclock or not (include_unresolved or source.is_resolved()):
            record = shown[i]
            if dataclasses.is_dataclass(record):
                blank = {f.name: None for f in dataclasses.fields(record)}
                shown[i] = cast(R, dataclasses.replace(record, **blank))  # type: ignore[type-var]
    return shown


def _always() -> bool:
    return True
