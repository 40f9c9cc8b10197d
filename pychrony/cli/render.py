"""Rendering results as a table (people), JSON or CSV (scripts).

* JSON: one document. With one server it is the report itself: an object
  whose keys are the model's field names (a list of them for per-source
  reports, ``null`` when chronyd has the report disabled). With several
  servers it is an object keyed by server address; a server that failed is
  ``{"error": "..."}``.
* CSV: a header row of the model's field names, then one row per record;
  with several servers a leading ``server`` column names each row's server.
* Table: aligned columns for per-source reports, ``field  value`` lines for
  the others, under a ``== server ==`` heading when there are several servers.
  Views hand over cells already formatted by unit (see
  :mod:`pychrony.cli.display`); JSON and CSV get the exact values.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from .values import Plain

__all__ = ["Block", "cell", "render_csv", "render_json", "render_json_lines", "render_table"]

# The columns --watch adds to every logged record (no model field has these names).
STAMP_COLUMNS = ("time", "server")


class Block:
    """One server's part of a table: rows of plain values, or a note.

    Attributes:
        rows: one mapping per record.
        columns: the column order.
        many: whether the rows are per-source records (a columnar table)
            rather than a single record (``field  value`` lines).
        note: shown instead of rows (for instance "disabled on this server").
        text: free-form lines shown instead of rows (the status overview).
        right: columns aligned to the right (numbers, as chronyc aligns them).
        gap: spaces between columns (compact layouts use one, as chronyc).
    """

    def __init__(
        self,
        rows: list[dict[str, Plain]],
        columns: list[str],
        many: bool,
        note: str = "",
        text: list[str] | None = None,
        right: frozenset[str] = frozenset(),
        gap: int = 2,
    ) -> None:
        self.rows = rows
        self.columns = columns
        self.many = many
        self.note = note
        self.text = text
        self.right = right
        self.gap = gap


def cell(value: Plain) -> str:
    """A block's value as a table cell.

    Report values arrive as text already formatted by unit
    (:func:`pychrony.cli.display.human`); what else a block holds (the
    ``reports`` table) is text, a count, a yes/no, or nothing.
    """
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _columnar(
    rows: list[dict[str, Plain]],
    cols: list[str],
    right: frozenset[str] = frozenset(),
    gap: int = 2,
) -> list[str]:
    cells = [[cell(r.get(c)) for c in cols] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]

    def line(values: list[str]) -> str:
        padded = (
            v.rjust(w) if c in right else v.ljust(w)
            for v, w, c in zip(values, widths, cols, strict=True)
        )
        return (" " * gap).join(padded).rstrip()

    return [line(cols)] + [line(row) for row in cells]


def _listing(row: dict[str, Plain], cols: list[str]) -> list[str]:
    width = max((len(c) for c in cols), default=0)
    return [f"{c.ljust(width)}  {cell(row.get(c))}" for c in cols]


def render_table(blocks: Sequence[tuple[str, Block | None, str | None]]) -> str:
    """``(server label, block, error)`` triples as text; errors are left to stderr."""
    out: list[str] = []
    several = len(blocks) > 1
    for label, block, error in blocks:
        if several:
            if out:
                out.append("")
            out.append(f"== {label} ==")
        if error is not None or block is None:
            if several:
                out.append(f"(no answer: {error})")
            continue
        if block.text is not None:
            out += block.text
        elif block.note:
            out.append(f"({block.note})")
        elif block.many:
            out += _columnar(block.rows, block.columns, block.right, block.gap)
        else:
            for i, row in enumerate(block.rows):
                if i:
                    out.append("")
                out += _listing(row, block.columns)
    text = "\n".join(out)
    return text + "\n" if text.strip() else ""


def render_json(documents: Sequence[tuple[str, Plain, str | None]], *, compact: bool) -> str:
    """``(server label, document, error)`` triples as one JSON document."""
    doc: Any
    if len(documents) == 1:
        doc = documents[0][1]
    else:
        doc = {label: ({"error": err} if err is not None else d) for label, d, err in documents}
    if compact:
        return json.dumps(doc, allow_nan=False, separators=(",", ":")) + "\n"
    return json.dumps(doc, allow_nan=False, indent=2) + "\n"


def render_json_lines(documents: Sequence[tuple[str, Plain, str | None]], stamp: str) -> str:
    """A ``--watch`` round as JSON lines: one object per record, with its time and server.

    A per-source report gives one line per source; a server that failed one
    line with its ``error``; a disabled report one line with ``null`` data.
    """
    lines = []
    for label, doc, error in documents:
        tag = dict(zip(STAMP_COLUMNS, (stamp, label), strict=True))
        if error is not None:
            records: list[Any] = [{"error": error}]
        elif isinstance(doc, list):
            records = doc
        else:
            records = [doc]
        for record in records:
            item = {**tag, **record} if isinstance(record, dict) else {**tag, "data": record}
            lines.append(json.dumps(item, allow_nan=False, separators=(",", ":")))
    return "".join(line + "\n" for line in lines)


def render_csv(
    tables: Sequence[tuple[str, list[dict[str, Plain]]]],
    cols: list[str],
    *,
    header: bool,
    stamp: str | None = None,
) -> str:
    """``(server label, rows)`` pairs as CSV; a ``server`` column when several.

    With ``stamp`` (``--watch`` logging), every row ends with ``time`` and
    ``server`` columns, so appended rounds stay one readable table.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    several = len(tables) > 1 and stamp is None
    if header:
        trailer = list(STAMP_COLUMNS) if stamp is not None else []
        writer.writerow((["server"] if several else []) + cols + trailer)
    for label, rows in tables:
        for row in rows:
            values = [_csv_value(row.get(c)) for c in cols]
            trailer = [stamp, label] if stamp is not None else []
            writer.writerow(([label] if several else []) + values + trailer)
    return buf.getvalue()


def _csv_value(value: Plain) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return " ".join(_csv_value(v) for v in value)
    return str(value)
