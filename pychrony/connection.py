"""``ChronyConnection``: chronyd's reports as typed, frozen dataclasses."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar, overload

from ._core.session import Session
from ._core.session_info import SessionInfo
from ._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ._fetch import StepsCache, cached_steps
from .libchrony._generic import GenericReports
from .models import catalog
from .models.catalog import ManyReport, OneReport, OptionalReport, ReportSpec

if TYPE_CHECKING:
    # Only the getters' annotations name the models; each loads with its report.
    from .models import (
        Activity,
        AuthData,
        NTPData,
        RTCData,
        SelectData,
        ServerStats,
        Smoothing,
        Source,
        SourceStats,
        TrackingStatus,
    )

__all__ = ["ChronyConnection"]

M = TypeVar("M")


class ChronyConnection(SessionInfo, GenericReports):
    """A connection to chronyd returning typed reports.

    Use it as a context manager; the same object may be entered again after
    its ``with`` block ends::

        with ChronyConnection() as conn:
            status = conn.get_tracking()

    Args:
        address: where chronyd listens. A path starting with ``/`` is its Unix
            socket; anything else is an IPv4/IPv6 address or a host name of
            its UDP command port, optionally with a port (``127.0.0.1:323``,
            ``[::1]:323``, ``localhost:323``). A name is resolved when the
            connection opens, within the call's budget, and each of its
            addresses is tried in the resolver's order.
            None uses ``$PYCHRONY_ADDRESS`` when set, else tries
            ``/var/run/chrony/chronyd.sock``, then ``127.0.0.1``, then ``::1``
            (chronyc's order) and keeps the first that opens.
        timeout: seconds to wait for a reply before resending (chronyc's
            ``timeout``).
        retries: how many times to resend, doubling the wait each time
            (chronyc's ``retries``). No call blocks longer than its budget,
            ``timeout`` doubled on each resend and summed (:doc:`/guide/timeouts`).

    Thread safety: one connection may be shared by any number of threads
    (pychrony 2.x's were not). Calls are serialised, one request in flight at
    a time, so a reply always reaches the call that asked for it. The budget
    above counts from the moment a call is made, including time spent waiting
    for other threads' calls: a call that cannot get the connection within its
    budget raises :class:`~pychrony.ChronyTimeoutError` saying it was busy.
    For many servers at once see :func:`pychrony.gather`; for asyncio,
    :class:`~pychrony.AsyncChronyConnection`.

    Raises:
        TypeError: an argument of the wrong type.
        ValueError: an empty address, or a non-positive timeout.
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        retries: int = DEFAULT_RETRIES,
    ) -> None:
        self._session = Session(address, timeout, retries)
        self._typed: StepsCache = {}

    # -- lifecycle -----------------------------------------------------------

    def open(self) -> ChronyConnection:
        """Connect now (``with`` does this for you).

        Raises:
            ChronyPermissionError: the Unix socket refused us.
            ChronyConnectionError: chronyd cannot be reached.
            ChronyLibraryError: libchrony is not installed.
        """
        self._session.open()
        return self

    def close(self) -> None:
        """Disconnect; idempotent. The connection may be opened again."""
        self._session.close()

    def __enter__(self) -> ChronyConnection:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = f"open on {self.address}" if self.is_open else "closed"
        return f"<ChronyConnection {state}>"

    # -- typed reports -------------------------------------------------------

    @overload
    def fetch(self, spec: ManyReport[M]) -> list[M]: ...
    @overload
    def fetch(self, spec: OptionalReport[M]) -> M | None: ...
    @overload
    def fetch(self, spec: OneReport[M]) -> M: ...
    @overload
    def fetch(self, spec: ReportSpec[Any]) -> object: ...
    def fetch(self, spec: ReportSpec[Any]) -> object:
        """Fetch and decode one report of the catalogue (:mod:`pychrony.models.catalog`).

        Each getter is this with its report: ``conn.fetch(catalog.TRACKING)``
        is ``conn.get_tracking()``. The result is typed by the entry:
        a model for a :class:`~pychrony.models.catalog.OneReport`, a list of
        models for a :class:`~pychrony.models.catalog.ManyReport`, a model or
        None for an :class:`~pychrony.models.catalog.OptionalReport`::

            from pychrony.models import catalog

            with ChronyConnection() as conn:
                for spec in (catalog.TRACKING, catalog.SOURCES):
                    print(spec.name, conn.fetch(spec))

        Args:
            spec: the report, one of :data:`~pychrony.models.catalog.REPORTS`.

        Raises:
            ChronyError: the subclass for what went wrong, as the getters raise.
        """
        known = self._typed.get(spec.name) or cached_steps(self._typed, self._session, spec)
        return self._session.run(*known)

    def get_tracking(self) -> TrackingStatus:
        """The system clock's synchronisation state (``chronyc tracking``).

        Raises:
            ChronyError: the subclass for what went wrong; a
                :class:`ChronyTimeoutError` when chronyd does not answer in time.
        """
        return self.fetch(catalog.TRACKING)

    def get_sources(self) -> list[Source]:
        """Every time source (``chronyc sources``)."""
        return self.fetch(catalog.SOURCES)

    def get_source_stats(self) -> list[SourceStats]:
        """Measurement statistics of every source (``chronyc sourcestats``)."""
        return self.fetch(catalog.SOURCESTATS)

    def get_rtc_data(self) -> RTCData | None:
        """The real-time clock's tracking data, or None when chronyd has it disabled."""
        return self.fetch(catalog.RTCDATA)

    def get_select_data(self) -> list[SelectData]:
        """How source selection sees every source (``chronyc selectdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return self.fetch(catalog.SELECTDATA)

    def get_activity(self) -> Activity:
        """How many sources are online and offline (``chronyc activity``)."""
        return self.fetch(catalog.ACTIVITY)

    def get_auth_data(self) -> list[AuthData]:
        """Authentication of every source, in the order of :meth:`get_sources`.

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return self.fetch(catalog.AUTHDATA)

    def get_ntp_data(self) -> list[NTPData]:
        """The last NTP exchange with every NTP source (``chronyc ntpdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return self.fetch(catalog.NTPDATA)

    def get_server_stats(self) -> ServerStats:
        """Counters of chronyd as a server (``chronyc serverstats``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return self.fetch(catalog.SERVERSTATS)

    def get_smoothing(self) -> Smoothing | None:
        """Time smoothing of chronyd, or None when ``smoothtime`` is not configured."""
        return self.fetch(catalog.SMOOTHING)
