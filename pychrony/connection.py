"""``ChronyConnection``: chronyd's reports as typed, frozen dataclasses."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import cast

from ._core.session import Session, Steps
from ._core.session_info import SessionInfo
from ._core.timing import DEFAULT_RETRIES, DEFAULT_TIMEOUT
from ._fetch import typed_steps
from .libchrony._generic import GenericReports
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
from .models.catalog import ReportSpec, spec_for

__all__ = ["ChronyConnection"]

_TRACKING = spec_for("tracking")
_SOURCES = spec_for("sources")
_SOURCESTATS = spec_for("sourcestats")
_SELECTDATA = spec_for("selectdata")
_ACTIVITY = spec_for("activity")
_AUTHDATA = spec_for("authdata")
_NTPDATA = spec_for("ntpdata")
_SERVERSTATS = spec_for("serverstats")
_RTCDATA = spec_for("rtcdata")
_SMOOTHING = spec_for("smoothing")


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
        self._typed: dict[str, tuple[Callable[[float], Steps[object]], str]] = {}

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

    def _fetch(self, spec: ReportSpec) -> object:
        """Fetch and decode one report as its catalogue entry describes."""
        # The steps of a report are built once per connection: every call
        # would otherwise pay for validating and wrapping the same request.
        known = self._typed.get(spec.name)
        if known is None:
            known = self._typed[spec.name] = (
                typed_steps(self._session, spec),
                f"{spec.name} report",
            )
        return self._session.run(*known)

    def get_tracking(self) -> TrackingStatus:
        """The system clock's synchronisation state (``chronyc tracking``).

        Raises:
            ChronyError: the subclass for what went wrong; a
                :class:`ChronyTimeoutError` when chronyd does not answer in time.
        """
        return cast(TrackingStatus, self._fetch(_TRACKING))

    def get_sources(self) -> list[Source]:
        """Every time source (``chronyc sources``)."""
        return cast("list[Source]", self._fetch(_SOURCES))

    def get_source_stats(self) -> list[SourceStats]:
        """Measurement statistics of every source (``chronyc sourcestats``)."""
        return cast("list[SourceStats]", self._fetch(_SOURCESTATS))

    def get_rtc_data(self) -> RTCData | None:
        """The real-time clock's tracking data, or None when chronyd has it disabled."""
        return cast("RTCData | None", self._fetch(_RTCDATA))

    def get_select_data(self) -> list[SelectData]:
        """How source selection sees every source (``chronyc selectdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return cast("list[SelectData]", self._fetch(_SELECTDATA))

    def get_activity(self) -> Activity:
        """How many sources are online and offline (``chronyc activity``)."""
        return cast(Activity, self._fetch(_ACTIVITY))

    def get_auth_data(self) -> list[AuthData]:
        """Authentication of every source, in the order of :meth:`get_sources`.

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return cast("list[AuthData]", self._fetch(_AUTHDATA))

    def get_ntp_data(self) -> list[NTPData]:
        """The last NTP exchange with every NTP source (``chronyc ntpdata``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return cast("list[NTPData]", self._fetch(_NTPDATA))

    def get_server_stats(self) -> ServerStats:
        """Counters of chronyd as a server (``chronyc serverstats``).

        Needs the Unix socket on chronyd before 4.7.

        Raises:
            ChronyPermissionError: over the UDP command port of chronyd < 4.7.
        """
        return cast(ServerStats, self._fetch(_SERVERSTATS))

    def get_smoothing(self) -> Smoothing | None:
        """Time smoothing of chronyd, or None when ``smoothtime`` is not configured."""
        return cast("Smoothing | None", self._fetch(_SMOOTHING))
