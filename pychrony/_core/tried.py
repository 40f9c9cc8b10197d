"""What opening a connection tried, for messages that name each address once.

A connection asked for chronyd's defaults, or for a host name with several
addresses, opens the first address that opens, and goes on to the next when
nothing answers there (refused), as chronyc does. When a request fails, the
message says what was tried before (and why it failed), the address in use,
and what was not tried (the call ended first: its budget ran out, or the
address in use answered), as chronyc's users expect:
``tried /var/run/chrony/chronyd.sock (no such socket), 127.0.0.1 (connection
refused), ::1 (connection refused)``.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass

from .errors import DESCRIPTOR_ERRNOS, UNREACHABLE_ERRNOS, describe_exhaustion

__all__ = [
    "UNREACHABLE_REASONS",
    "Attempts",
    "open_failure_reason",
    "reason_of",
]


def reason_of(os_errno: int) -> str:
    """An operating-system error in a few words (``connection refused``)."""
    if os_errno == errno.ENOENT:
        return "no such socket"
    if os_errno in DESCRIPTOR_ERRNOS:
        return describe_exhaustion(os_errno)
    return os.strerror(os_errno) if os_errno else "cannot open"


# The reasons of UNREACHABLE_ERRNOS, for failures known only by their reason.
UNREACHABLE_REASONS = frozenset(map(reason_of, UNREACHABLE_ERRNOS))


def open_failure_reason(address: str, os_errno: int) -> str:
    """Why ``address`` did not open, in a few words."""
    if address.startswith("/"):
        try:
            mode = os.stat(address).st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISSOCK(mode):
            # libchrony connects to whatever is there: a regular file "refuses".
            return "not a socket"
    if os_errno == errno.EINVAL and not address.startswith("/"):
        return "not an IP address (optionally with :port) nor an absolute socket path"
    return reason_of(os_errno)


@dataclass(frozen=True)
class Attempts:
    """How the address in use was reached.

    Attributes:
        address: the address in use.
        name: the host name it is an address of, or None.
        failed: ``(address, why)`` of each address tried before, in order.
        untried: the candidates after it, never tried.
    """

    address: str
    name: str | None = None
    failed: tuple[tuple[str, str], ...] = ()
    untried: tuple[str, ...] = ()

    @property
    def fell_through(self) -> bool:
        """Whether other addresses were tried before, or are left untried."""
        return bool(self.failed or self.untried)

    def _shown(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address

    def _untried_note(self) -> str:
        return f"{', '.join(self.untried)} not tried"

    def describe(self) -> str:
        """The address in use for ``... from ADDRESS: ...`` messages, with what came before."""
        if not self.fell_through:
            return self._shown()
        notes = [f"after {a}: {why}" for a, why in self.failed]
        if self.untried:
            notes.append(self._untried_note())
        return f"{self._shown()} ({'; '.join(notes)})"

    def listing(self, reason: str) -> str:
        """Every address tried with its reason, the one in use failing for ``reason``."""
        tried = [*(f"{a} ({why})" for a, why in self.failed), f"{self._shown()} ({reason})"]
        text = "tried " + ", ".join(tried)
        if self.untried:
            text += "; " + self._untried_note()
        return text
