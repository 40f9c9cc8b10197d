"""``GenericReports``: any report by name, for every connection class.

A mixin over the core session, shared by :class:`pychrony.libchrony.Chrony`
and :class:`pychrony.ChronyConnection`, so the generic methods exist once.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .._core.constants import ErrorCode
from .._core.report_names import supported_reports
from .._core.session import Session
from ..models.catalog import spec_for
from ._errors import AuthorizationError, ResponseError, translated

if TYPE_CHECKING:
    from ._records import Record, Report

__all__ = ["SKIPPED_CODES", "GenericReports"]

SKIPPED_CODES = frozenset({ErrorCode.UNAUTHORIZED, ErrorCode.DISABLED, ErrorCode.OLD_SERVER})
"""Errors for which :meth:`GenericReports.get_all_reports` leaves a report out."""


def _single_record(report_name: str) -> bool:
    """Whether a report always has exactly one record (per the report catalogue).

    A report the catalogue does not know is treated as a list of records:
    that shape holds any number of them.
    """
    try:
        return not spec_for(report_name).many
    except KeyError:
        return False


class GenericReports:
    """Generic access to chronyd's reports for any object holding a core ``_session``.

    Every method raises the generic layer's exceptions (see
    :mod:`pychrony.libchrony`), each also the typed layer's matching class.
    """

    _session: Session

    def _generic_session(self) -> Session:
        """The session to use; subclasses refuse here when they are closed."""
        return self._session

    def get_available_reports(self) -> list[str]:
        """The report names libchrony supports, in libchrony's order.

        These are what libchrony can request; whether chronyd serves each one
        depends on the transport and its configuration (see
        :meth:`get_all_reports`).

        Example:
            >>> chrony.get_available_reports()  # doctest: +SKIP
            ['tracking', 'sources', 'sourcestats', 'selectdata', 'activity', ...]
        """
        self._generic_session()
        with translated():
            return list(supported_reports())

    def get_record_count(self, report_name: str) -> int:
        """How many records chronyd holds for ``report_name``.

        Raises:
            RequestError: unknown report name.
            ResponseError: chronyd could not answer (e.g. DISABLED).
            AuthorizationError: chronyd refused the report.
            ConnectionError: chronyd is unreachable; :class:`ConnectionTimeoutError`
                when it did not answer in time.
        """
        session = self._generic_session()
        with translated():
            return session.record_count(report_name)

    def get_record(self, report_name: str, record_index: int = 0) -> Record:
        """Record ``record_index`` of ``report_name``.

        Raises:
            RequestError: unknown report name, or an index libchrony knows is
                out of range (``INVALID_ARGUMENT``).
            ResponseError: chronyd could not answer, e.g. an index beyond the
                report's end (``UNEXPECTED_STATUS``) or a disabled report
                (``DISABLED``).
            AuthorizationError: chronyd refused the report.
            ConnectionError: chronyd is unreachable or did not answer in time.
            IndexError: a negative ``record_index``.
            TypeError: arguments of the wrong type.
        """
        from ._records import Record  # loads on first use, not with ChronyConnection

        session = self._generic_session()
        with translated():
            raw = session.record(report_name, record_index)
        return Record.from_raw(report_name, record_index, raw)

    def get_report(self, report_name: str) -> Report:
        """Every record of ``report_name``, fetched within one call's time budget.

        Raises:
            RequestError: unknown report name.
            ResponseError: chronyd could not answer.
            AuthorizationError: chronyd refused the report.
            ConnectionError: chronyd is unreachable or did not answer in time.
        """
        from ._records import Record, Report

        session = self._generic_session()
        with translated():
            raw = session.records(report_name)
        return Report(report_name, [Record.from_raw(report_name, i, r) for i, r in enumerate(raw)])

    def iter_records(self, report_name: str) -> Iterator[Record]:
        """Yield the records of ``report_name`` one request at a time.

        The count is read first; each record is then requested when the loop
        asks for it, with its own time budget. Records chronyd drops meanwhile
        (a source removed) end the iteration with a :class:`ResponseError`.

        Raises:
            The same as :meth:`get_record`.
        """
        from ._records import Record

        session = self._generic_session()
        with translated():
            count = session.record_count(report_name)
        for index in range(count):
            session = self._generic_session()
            with translated():
                raw = session.record(report_name, index)
            yield Record.from_raw(report_name, index, raw)

    def get_all_reports(self) -> dict[str, Report | Record]:
        """Every available report chronyd serves, by name.

        Single-record reports (tracking, activity, serverstats, rtcdata,
        smoothing) map to a :class:`Record`, the others to a :class:`Report`.
        Reports chronyd refuses (``UNAUTHORIZED``: selectdata, authdata,
        ntpdata and serverstats over the UDP command port), has disabled
        (``DISABLED``: rtcdata without an RTC file, smoothing without
        ``smoothtime``) or is too old for (``OLD_SERVER``) are **left out**
        rather than failing the whole call; fetch one by name to see why.

        Raises:
            ConnectionError: chronyd is unreachable or did not answer in time.
            ResponseError: a reply other than the skipped ones above was unusable.
        """
        reports: dict[str, Report | Record] = {}
        for name in self.get_available_reports():
            try:
                reports[name] = (
                    self.get_record(name) if _single_record(name) else self.get_report(name)
                )
            except (AuthorizationError, ResponseError) as exc:
                if exc.error_code not in SKIPPED_CODES:
                    raise
        return reports
