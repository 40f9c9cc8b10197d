"""``SessionInfo``: what every connection class tells about its session."""

from __future__ import annotations

from .address import Transport
from .session import Session

__all__ = ["SessionInfo"]


class SessionInfo:
    """Read-only facts about the :class:`Session` a connection object holds.

    Shared by :class:`pychrony.ChronyConnection`,
    :class:`pychrony.AsyncChronyConnection` and :class:`pychrony.libchrony.Chrony`,
    which keep their session in ``_session``.
    """

    _session: Session

    @property
    def is_open(self) -> bool:
        """Whether the connection currently holds a socket."""
        return self._session.is_open

    @property
    def address(self) -> str | None:
        """The address in use (the candidate that connected), or None while closed."""
        return self._session.address

    @property
    def transport(self) -> Transport | None:
        """:class:`~pychrony.Transport` in use, or None while closed."""
        return self._session.transport

    @property
    def timeout(self) -> float:
        """Seconds to wait for the first reply."""
        return self._session.timeout

    @property
    def retries(self) -> int:
        """Resends after the first request."""
        return self._session.retries
