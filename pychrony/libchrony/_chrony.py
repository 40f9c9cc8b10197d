"""``Chrony`` and ``connect()``: a generic-layer connection to chronyd."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any

from .._core.address import Transport
from .._core.session import Session
from ._errors import ConnectionError, translated
from ._generic import GenericReports
from ._records import Record, Report

__all__ = ["Chrony", "connect"]


class Chrony(GenericReports):
    """A connection to chronyd returning reports as :class:`Record` / :class:`Report`.

    Connects when created; :meth:`close` (or the end of a ``with`` block)
    disconnects for good: a closed ``Chrony`` refuses further use with a
    :class:`ConnectionError`. Between calls it reconnects by itself when
    chronyd restarts or a call timed out.

    Args:
        address: a Unix socket path (starting with ``/``), or an IPv4/IPv6
            address of chronyd's UDP command port with an optional port
            (``127.0.0.1:323``, ``[::1]:323``). None uses ``$PYCHRONY_ADDRESS``
            when set, else tries ``/var/run/chrony/chronyd.sock``, ``127.0.0.1``
            and ``::1`` in turn.
        timeout: seconds to wait for a reply before resending (chronyc's
            ``timeout``); None for pychrony's default (1 s).
        retries: resends, each doubling the wait (chronyc's ``retries``); None
            for pychrony's default (2).

    Raises:
        ConnectionError: chronyd cannot be reached (a
            :class:`ConnectionPermissionError` when its Unix socket refused us).
        pychrony.ChronyLibraryError: libchrony is not installed.
        TypeError: an argument of the wrong type.
        ValueError: an empty address, or a non-positive timeout.

    Example:
        >>> chrony = Chrony("/var/run/chrony/chronyd.sock")  # doctest: +SKIP
        >>> try:
        ...     print(chrony.get_tracking()["stratum"])
        ... finally:
        ...     chrony.close()
    """

    def __init__(
        self,
        address: str | None = None,
        *,
        timeout: float | None = None,
        retries: int | None = None,
    ) -> None:
        timing: dict[str, Any] = {}
        if timeout is not None:
            timing["timeout"] = timeout
        if retries is not None:
            timing["retries"] = retries
        self._closed = False
        self._session = Session(address, **timing)
        with translated(connecting=True):
            self._session.open()

    # -- lifecycle -----------------------------------------------------------

    def close(self) -> None:
        """Disconnect; idempotent. The object cannot be used afterwards."""
        self._closed = True
        self._session.close()

    def __enter__(self) -> Chrony:
        self._generic_session()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else f"connected to {self._session.describe()}"
        return f"<Chrony {state}>"

    def _generic_session(self) -> Session:
        if self._closed:
            raise ConnectionError(
                f"this Chrony connection to {self._session.describe()} is closed; create a new one"
            )
        return self._session

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def address(self) -> str | None:
        """The address in use, or None when closed (or between reconnects)."""
        return self._session.address

    @property
    def transport(self) -> Transport | None:
        """:class:`pychrony.Transport` in use, or None when closed."""
        return self._session.transport

    @property
    def timeout(self) -> float:
        """Seconds to wait for the first reply."""
        return self._session.timeout

    @property
    def retries(self) -> int:
        """Resends after the first request."""
        return self._session.retries

    # -- the port's conveniences ---------------------------------------------

    def get_tracking(self) -> Record:
        """The ``tracking`` report: the system clock's synchronisation state.

        Example:
            >>> chrony.get_tracking()["reference ID"].value  # doctest: +SKIP
            2130706433
        """
        return self.get_record("tracking")

    def get_sources(self) -> Report:
        """The ``sources`` report: one record per time source."""
        return self.get_report("sources")

    def get_sourcestats(self) -> Report:
        """The ``sourcestats`` report: measurement statistics per source."""
        return self.get_report("sourcestats")

    def get_serverstats(self) -> Record:
        """The ``serverstats`` report: chronyd's NTP and command server counters.

        Raises:
            AuthorizationError: over the UDP command port (chronyd 4.3-4.6).
        """
        return self.get_record("serverstats")

    def get_activity(self) -> Record:
        """The ``activity`` report: how many sources are online, offline, bursting."""
        return self.get_record("activity")

    def get_selectdata(self) -> Report:
        """The ``selectdata`` report: source selection state per source.

        Raises:
            AuthorizationError: over the UDP command port (chronyd 4.3-4.6).
        """
        return self.get_report("selectdata")

    def get_rtcdata(self) -> Record:
        """The ``rtcdata`` report: the real-time clock's tracking.

        Raises:
            ResponseError: with ``error_code`` 10 (``DISABLED``) when chronyd
                does not track the RTC (no ``rtcfile``), which is the common case.
        """
        return self.get_record("rtcdata")

    def get_smoothing(self) -> Record:
        """The ``smoothing`` report: the state of time smoothing.

        Raises:
            ResponseError: with ``error_code`` 10 (``DISABLED``) when chronyd
                runs without ``smoothtime``.
        """
        return self.get_record("smoothing")


@contextmanager
def connect(
    address: str | None = None,
    *,
    timeout: float | None = None,
    retries: int | None = None,
) -> Iterator[Chrony]:
    """Connect to chronyd for the duration of a ``with`` block.

    Args:
        address: as for :class:`Chrony`; None tries chronyd's usual addresses.
        timeout: as for :class:`Chrony`.
        retries: as for :class:`Chrony`.

    Yields:
        A connected :class:`Chrony`, closed when the block ends.

    Raises:
        ConnectionError: chronyd cannot be reached.

    Example:
        >>> with connect() as chrony:  # doctest: +SKIP
        ...     print(chrony.get_tracking()["stratum"].value)
    """
    chrony = Chrony(address, timeout=timeout, retries=retries)
    try:
        yield chrony
    finally:
        chrony.close()
