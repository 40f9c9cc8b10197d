"""Several reports from one server, each one's value or error kept apart.

The one routine and the one result type for "ask this server for these
reports and tell me, report by report, what arrived": ``pychrony reports``,
the exporter's scrape and :func:`pychrony.gather` all answer with a
:class:`ReportResults` (the fleet's :class:`~pychrony.ServerResult` is one,
with the server's address and the time it took)::

    from pychrony import ChronyConnection
    from pychrony.models import catalog
    from pychrony.report_results import fetch_many

    with ChronyConnection() as conn:
        results = fetch_many(conn, [catalog.TRACKING, catalog.SERVERSTATS])
    if results.ok:
        print(results.value(catalog.TRACKING).stratum)
    else:
        print("failed:", results.error)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, TypeVar, overload

from .connection import ChronyConnection
from .exceptions import ChronyConnectionError, ChronyError
from .models.catalog import ManyReport, OneReport, OptionalReport, ReportSpec

__all__ = ["Outcome", "ReportResults", "collect", "fetch_many"]

M = TypeVar("M")


class Outcome(NamedTuple):
    """One report's outcome, as :func:`collect` takes it.

    The report, what arrived (None when it failed) and the error it ended in
    (None when it arrived).
    """

    spec: ReportSpec[Any]
    value: object
    error: ChronyError | None


@dataclass(frozen=True, slots=True)
class ReportResults:
    """What one server answered, report by report.

    Attributes:
        reports: report name -> typed result (what the matching
            ``ChronyConnection.get_*`` getter returns), for each report that
            arrived, in the order asked.
        errors: report name -> the :class:`~pychrony.ChronyError` it ended in,
            for each report that did not.
    """

    reports: Mapping[str, object]
    errors: Mapping[str, ChronyError]

    @property
    def ok(self) -> bool:
        """Whether every report asked for arrived."""
        return not self.errors

    @property
    def error(self) -> ChronyError | None:
        """The first failure, in the order the reports were asked for, or None."""
        return next(iter(self.errors.values()), None)

    def __getitem__(self, report: str) -> object:
        """The result of ``report``; raises the error it ended in, if it failed.

        Raises:
            ChronyError: the report failed on this server.
            KeyError: the report was not asked for.
        """
        if report in self.errors:
            raise self.errors[report]
        return self.reports[report]

    @overload
    def value(self, spec: ManyReport[M]) -> list[M]: ...
    @overload
    def value(self, spec: OptionalReport[M]) -> M | None: ...
    @overload
    def value(self, spec: OneReport[M]) -> M: ...
    @overload
    def value(self, spec: ReportSpec[Any]) -> object: ...
    def value(self, spec: ReportSpec[Any]) -> object:
        """The result of report ``spec``, typed by its catalogue entry as ``fetch`` is.

        Raises:
            ChronyError: the report failed on this server.
            KeyError: the report was not asked for.
        """
        return self[spec.name]


def collect(
    outcomes: Iterable[tuple[ReportSpec[Any], object, ChronyError | None]],
) -> ReportResults:
    """The results of reports fetched one by one (or concurrently), in the order given.

    Args:
        outcomes: each report's :class:`Outcome` (or a plain 3-tuple).
    """
    reports: dict[str, object] = {}
    errors: dict[str, ChronyError] = {}
    for spec, value, error in outcomes:
        if error is None:
            reports[spec.name] = value
        else:
            errors[spec.name] = error
    return ReportResults(reports, errors)


def fetch_many(conn: ChronyConnection, specs: Iterable[ReportSpec[Any]]) -> ReportResults:
    """Fetch ``specs`` in turn on ``conn``, keeping each report's value or error.

    A report chronyd refuses, has no data for or sends garbled is that
    report's error; the others still arrive. Each report has its own budget.

    Raises:
        ChronyConnectionError: the server cannot be reached (a timeout
            included): the reports after it would each wait a budget for
            nothing, so the whole fetch ends there.
    """
    outcomes: list[Outcome] = []
    for spec in specs:
        try:
            outcomes.append(Outcome(spec, conn.fetch(spec), None))
        except ChronyConnectionError:
            raise
        except ChronyError as exc:
            outcomes.append(Outcome(spec, None, exc))
    return collect(outcomes)
