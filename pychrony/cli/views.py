"""What each command asks chronyd and how its answer is shown.

A view fetches one server's answer through an open connection and presents it
three ways: a JSON document, CSV rows and a table block. Every report command
is a :class:`ReportView` made from its catalogue entry, so the commands and
their field lists follow :data:`pychrony.models.catalog.REPORTS`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Protocol

from .._core.hints import cli_message
from ..connection import ChronyConnection
from ..exceptions import ChronyDataError, ChronyPermissionError
from ..models.catalog import REPORTS, ReportSpec
from ..report_results import ReportResults, fetch_many
from .query import one_line
from .render import Block
from .tables import compact_layout, compact_rows, formatted_rows, reads_as_listing
from .values import (
    Plain,
    columns,
    listed,
    listed_auth,
    record_dict,
    records_of,
    report_document,
)

__all__ = ["ReportView", "ReportsView", "View"]


class View(Protocol):
    """A command's question and its three presentations."""

    @property
    def calls(self) -> int:
        """Requests :meth:`fetch` makes at most (bounds the wait for a silent server)."""

    @property
    def columns(self) -> list[str]:
        """CSV header and table columns."""

    def fetch(self, conn: ChronyConnection) -> Any:
        """Ask one server."""

    def document(self, value: Any) -> Plain:
        """The answer as JSON."""

    def rows(self, value: Any) -> list[dict[str, Plain]]:
        """The answer as CSV rows."""

    def block(self, value: Any) -> Block:
        """The answer as a table."""


class ReportView:
    """One report of the catalogue, through its typed getter.

    Args:
        spec: the report.
        wide: tables show every field, one column each, rather than the
            compact layout that fits 80 columns (see :mod:`pychrony.cli.tables`).
    """

    calls = 1

    def __init__(
        self, spec: ReportSpec[Any], *, wide: bool = False, include_unresolved: bool = False
    ) -> None:
        self.spec = spec
        self.wide = wide
        self.columns = columns(spec)
        self.include_unresolved = include_unresolved
        if spec.name == "authdata":
            self.calls = 2  # the sources too, to pair each record with its source

    def fetch(self, conn: ChronyConnection) -> Any:
        """Fetch the report; placeholder sources only with ``--all``."""
        value: Any = conn.fetch(self.spec)
        if self.spec.name == "authdata" and value is not None:
            # Its records carry no address: pair them with the sources.
            return listed_auth(value, conn.get_sources(), self.include_unresolved)
        if self.spec.many and value is not None:
            return listed(value, self.include_unresolved)
        return value

    def document(self, value: Any) -> Plain:
        """An object (a list of them for per-source reports), or None when disabled."""
        return report_document(self.spec, value)

    def rows(self, value: Any) -> list[dict[str, Plain]]:
        """One row per record."""
        return [record_dict(r) for r in records_of(self.spec, value)]

    def block(self, value: Any) -> Block:
        """A columnar table for per-source reports, a listing otherwise; values by unit."""
        spec = self.spec
        note = "disabled on this server" if value is None else ""
        if spec.many and value is not None and not value:
            note = "no records"
        records = records_of(spec, value)
        layout = None if self.wide else compact_layout(spec)
        if layout is not None:
            return Block(
                compact_rows(layout, records),
                [c.header for c in layout],
                True,
                note,
                right=frozenset(c.header for c in layout if c.right),
                gap=1,
            )
        as_listing = not spec.many or (reads_as_listing(spec) and not self.wide)
        rows = formatted_rows(spec, records, symbol=as_listing)
        return Block(rows, self.columns, not as_listing, note)


class ReportsView:
    """Which reports the server answers, probed one by one through the catalogue."""

    columns: ClassVar[list[str]] = ["report", "method", "available", "records", "detail"]

    def __init__(self, specs: Sequence[ReportSpec[Any]] = REPORTS) -> None:
        self.specs = tuple(specs)
        self.calls = len(self.specs)

    def fetch(self, conn: ChronyConnection) -> list[dict[str, Plain]]:
        """Ask for every report; a refusal or a disabled report is an answer too.

        Raises:
            ChronyConnectionError: the server is gone: no report is available.
        """
        results = fetch_many(conn, self.specs)
        return [_availability(spec, results) for spec in self.specs]

    def document(self, value: list[dict[str, Plain]]) -> Plain:
        """A list of ``{report, method, available, records, detail}``."""
        return value

    def rows(self, value: list[dict[str, Plain]]) -> list[dict[str, Plain]]:
        """One row per report."""
        return value

    def block(self, value: list[dict[str, Plain]]) -> Block:
        """A columnar table."""
        return Block(value, self.columns, True)


def _availability(spec: ReportSpec[Any], results: ReportResults) -> dict[str, Plain]:
    available, count, detail = False, None, ""
    error = results.errors.get(spec.name)
    if isinstance(error, ChronyPermissionError):
        detail = "refused: " + one_line(cli_message(error))
    elif isinstance(error, ChronyDataError):
        detail = one_line(cli_message(error))
    elif error is not None:  # other kinds would be library faults
        detail = one_line(error.message)
    elif results.reports[spec.name] is None:
        detail = "disabled"
    else:
        available = True
        count = len(records_of(spec, results.reports[spec.name]))
    return {
        "report": spec.name,
        "method": spec.method,
        "available": available,
        "records": count,
        "detail": detail,
    }
