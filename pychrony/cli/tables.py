"""How each report looks as a table a person reads.

Every cell is formatted by the unit its model field declares (see
:mod:`pychrony.cli.display`). The per-source reports chronyc prints as a
table (sources, sourcestats, selectdata, authdata) get a compact layout that
fits 80 columns as chronyc's does; ``--wide`` shows every field instead, one
column each. ntpdata, which chronyc prints source by source, is a listing
per source unless ``--wide``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from enum import Flag
from typing import Any

from ..models import LeapStatus, SelectOptions
from ..models._declare import field_unit
from ..models.catalog import ReportSpec
from ..models.units import Unit
from . import display
from .display import flags, human, interval, ppm, seconds
from .values import plain

__all__ = [
    "Column",
    "compact_layout",
    "compact_rows",
    "field_units",
    "formatted_rows",
    "reads_as_listing",
]

# A long address or host name is cut here in the compact tables (">" marks
# the cut, as chronyc does), so a line stays within 80 columns; --wide shows
# it whole.
NAME_WIDTH = 22


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of a compact table.

    Attributes:
        header: the column's heading.
        cell: the text of the column for one record.
        right: right-aligned (numbers), as chronyc aligns them.
    """

    header: str
    cell: Callable[[Any], str]
    right: bool = False


def field_units(spec: ReportSpec[Any]) -> dict[str, Unit]:
    """Each field of a report's model -> the unit it declares."""
    return {f.name: field_unit(f) for f in dataclasses.fields(spec.model)}


def reads_as_listing(spec: ReportSpec[Any]) -> bool:
    """Whether a per-source report reads best as one listing per record (ntpdata)."""
    return spec.name == "ntpdata"


def formatted_rows(
    spec: ReportSpec[Any], records: Sequence[Any], *, symbol: bool
) -> list[dict[str, str]]:
    """Every field of every record, formatted by its unit."""
    units = field_units(spec)
    return [
        {name: _formatted(getattr(r, name), unit, symbol) for name, unit in units.items()}
        for r in records
    ]


def _formatted(value: Any, unit: Unit, symbol: bool) -> str:
    if isinstance(value, Flag):
        return flags(value)
    return human(plain(value), unit, symbol=symbol)


def _name(text: str) -> str:
    return text if len(text) <= NAME_WIDTH else text[: NAME_WIDTH - 1] + ">"


# chronyc's source-mode and source-state characters (client.c). The states
# map as chronyd means them: libchrony's UNSELECTED is combined ("+"),
# SELECTABLE is not combined ("-").
def _sample(s: Any) -> str:
    adjusted = seconds(s.latest_meas, signed=True).rjust(7)
    measured = seconds(s.orig_latest_meas, signed=True).rjust(7)
    return f"{adjusted}[{measured}] +/- {seconds(s.latest_meas_err).rjust(6)}"


def _source_name(r: Any) -> str:
    return _name(r.address or display.reference_id(r.reference_id).split()[0])


_SOURCES = (
    Column("address", lambda s: _name(s.address)),
    Column("poll", lambda s: str(s.poll), right=True),
    Column("stratum", lambda s: str(s.stratum), right=True),
    Column("MS", lambda s: s.mode.symbol + s.state.symbol),
    Column("reach", lambda s: f"{s.reachability:03o}", right=True),
    Column("last_rx", lambda s: interval(s.last_sample_ago), right=True),
    Column("last sample", _sample),
)

_SOURCESTATS = (
    Column("address", _source_name),
    Column("samples", lambda s: str(s.samples), right=True),
    Column("runs", lambda s: str(s.runs), right=True),
    Column("span", lambda s: interval(s.span), right=True),
    Column("resid_freq", lambda s: ppm(s.resid_freq, signed=True), right=True),
    Column("skew", lambda s: ppm(s.skew), right=True),
    Column("offset", lambda s: seconds(s.offset, signed=True), right=True),
    Column("std_dev", lambda s: seconds(s.std_dev), right=True),
)


def _options(flags: SelectOptions) -> str:
    # chronyc's COpts/EOpts: one letter per option (its name's initial), "-" where unset.
    return "".join(m.name[0] if m.name and flags & m else "-" for m in SelectOptions)


_LEAP_CHAR = {LeapStatus.NORMAL: "N", LeapStatus.INSERT: "+", LeapStatus.DELETE: "-"}


_SELECTDATA = (
    Column("S", lambda s: s.state.code),
    Column("address", _source_name),
    Column("auth", lambda s: "Y" if s.authentication else "N"),
    Column("copts", lambda s: _options(s.configured_options)),
    Column("eopts", lambda s: _options(s.effective_options)),
    Column("last", lambda s: interval(s.last_sample_ago), right=True),
    Column("score", lambda s: f"{s.score:.1f}", right=True),
    Column(
        "interval",
        lambda s: f"{seconds(s.low_limit, signed=True)} {seconds(s.high_limit, signed=True)}",
        right=True,
    ),
    Column("leap", lambda s: _LEAP_CHAR.get(s.leap_status, "?")),
)

_AUTHDATA = (
    Column("#", lambda a: "", right=True),  # filled with the record's index
    Column("mode", lambda a: a.mode.name),
    Column("key_id", lambda a: str(a.key_id), right=True),
    Column("key_type", lambda a: a.key_type.name),
    Column("key_length", lambda a: str(a.key_length), right=True),
    Column("last", lambda a: interval(a.last_key_establishment_ago), right=True),
    Column("attempts", lambda a: str(a.key_establishment_attempts), right=True),
    Column("nak", lambda a: "Y" if a.nak else "N"),
    Column("cookies", lambda a: str(a.cookies), right=True),
    Column("cookie_length", lambda a: str(a.cookie_length), right=True),
)

_COMPACT: dict[str, tuple[Column, ...]] = {
    "sources": _SOURCES,
    "sourcestats": _SOURCESTATS,
    "selectdata": _SELECTDATA,
    "authdata": _AUTHDATA,
}


def compact_layout(spec: ReportSpec[Any]) -> tuple[Column, ...] | None:
    """The compact columns of a report, None when it has none."""
    return _COMPACT.get(spec.name)


def _has_nothing(record: Any) -> bool:
    return all(getattr(record, f.name) is None for f in dataclasses.fields(record))


def compact_rows(layout: Sequence[Column], records: Sequence[Any]) -> list[dict[str, str]]:
    """The compact table's cells, keyed by header."""
    rows = []
    for i, record in enumerate(records):
        if _has_nothing(record):
            continue  # a reference clock's authdata: chronyd sent no fields
        row = {c.header: c.cell(record) for c in layout}
        if "#" in row:
            row["#"] = str(i)
        rows.append(row)
    return rows
