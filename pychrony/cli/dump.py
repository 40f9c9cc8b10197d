"""``pychrony dump``: every report chronyd serves, with libchrony's own field names.

Through the generic layer (:mod:`pychrony.libchrony`), so it shows fields the
typed models do not know yet (a newer chronyd's). Reports chronyd refuses
over the current transport or has disabled are left out.

* JSON: ``{report: object}`` for single-record reports, ``{report: [object,
  ...]}`` for per-source ones; keys are libchrony's field names, timestamps
  are seconds since the epoch.
* CSV: one row per field: ``report,record,field,value,unit``.
* Table: each record under a ``[report]`` or ``[report #index]`` heading,
  one ``field  value unit`` line per field.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ..connection import ChronyConnection
from ..libchrony import FieldValue, Record, Report, TimeSpec
from .display import human, unit_of_content
from .render import Block
from .values import Plain, plain

__all__ = ["DumpView"]


def _value(field: FieldValue) -> Plain:
    value = field.value
    if isinstance(value, TimeSpec):
        return float(value)
    return plain(value)


def _shown(field: FieldValue) -> str:
    """A field as a person reads it, by what libchrony says it holds."""
    value = _value(field)
    return human(value, unit_of_content(field.content, value), symbol=True)


def _records(report: Report | Record) -> list[Record]:
    return list(report) if isinstance(report, Report) else [report]


class DumpView:
    """Every report, generic fields."""

    columns: ClassVar[list[str]] = ["report", "record", "field", "value", "unit"]

    @property
    def calls(self) -> int:
        """One request per report, plus one to count each per-source report's records."""
        return 20

    def fetch(self, conn: ChronyConnection) -> dict[str, Report | Record]:
        """Every report the server serves."""
        return conn.get_all_reports()

    def document(self, value: dict[str, Report | Record]) -> Plain:
        """``{report: fields}`` (a list of them for per-source reports)."""
        doc: dict[str, Any] = {}
        for name, report in value.items():
            records = [{f.name: _value(f) for f in r} for r in _records(report)]
            doc[name] = records if isinstance(report, Report) else records[0]
        return doc

    def rows(self, value: dict[str, Report | Record]) -> list[dict[str, Plain]]:
        """One row per field."""
        return [
            {"report": name, "record": r.index, "field": f.name, "value": _value(f), "unit": f.unit}
            for name, report in value.items()
            for r in _records(report)
            for f in r
        ]

    def block(self, value: dict[str, Report | Record]) -> Block:
        """Each record's fields under a heading."""
        lines: list[str] = []
        for name, report in value.items():
            for r in _records(report):
                if lines:
                    lines.append("")
                lines.append(f"[{name} #{r.index}]" if isinstance(report, Report) else f"[{name}]")
                width = max((len(f.name) for f in r), default=0)
                lines += [f"  {f.name.ljust(width)}  {_shown(f)}" for f in r]
        return Block([], self.columns, False, text=lines)
