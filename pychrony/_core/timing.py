"""The retry policy: chronyc's ``timeout`` and ``retries``, in one place.

Every layer (the typed and generic connections, the asyncio driver, fleets,
the command line, the exporter, the monitoring plugin and the test suite)
takes its defaults, its validation and its budget from here, so changing the
policy means changing this module only.

chronyc waits ``timeout`` seconds for a reply, then resends and doubles the
wait, at most ``retries`` times. One call therefore waits at most::

    timeout * (1 + 2 + 4 + ... + 2**retries) = timeout * (2 ** (retries + 1) - 1)

seconds, its *budget*; no call of pychrony takes longer.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = [
    "DEFAULT_RETRIES",
    "DEFAULT_TIMEOUT",
    "MAX_RETRIES",
    "RetryPolicy",
    "budget",
    "budget_factor",
    "validate_timing",
]

#: Seconds to wait for the first reply (chronyc's default ``timeout``).
DEFAULT_TIMEOUT = 1.0
#: Resends after the first request (chronyc's default ``retries``).
DEFAULT_RETRIES = 2
#: The most resends accepted: beyond this the budget outgrows any real wait.
MAX_RETRIES = 30


def validate_timing(timeout: object, retries: object) -> tuple[float, int]:
    """Check ``timeout`` and ``retries`` as chronyc would accept them.

    Returns:
        ``(timeout as float, retries)``.

    Raises:
        TypeError: wrong types.
        ValueError: non-positive or non-finite timeout, negative retries.
    """
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)):
        raise TypeError(f"timeout must be a number of seconds, not {type(timeout).__name__}")
    try:
        seconds = float(timeout)
    except OverflowError:  # an int beyond any float
        seconds = math.inf
    if not math.isfinite(seconds) or seconds <= 0:
        raise ValueError(f"timeout must be a positive, finite number of seconds, not {timeout!r}")
    if isinstance(retries, bool) or not isinstance(retries, int):
        raise TypeError(f"retries must be an int, not {type(retries).__name__}")
    if not 0 <= retries <= MAX_RETRIES:
        raise ValueError(f"retries must be between 0 and {MAX_RETRIES}, not {retries!r}")
    return seconds, retries


def budget_factor(retries: int) -> int:
    """How many ``timeout`` one call's budget holds: ``1 + 2 + 4 + ... + 2**retries``."""
    return int(2 ** (retries + 1) - 1)


def budget(timeout: float, retries: int) -> float:
    """The longest one call may take: ``timeout`` doubled on each of ``retries`` resends."""
    return float(timeout * budget_factor(retries))


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How long to wait for a reply and how often to resend.

    Build one with :meth:`of`, which validates; the constructor trusts its
    arguments.

    Attributes:
        timeout: seconds to wait for the first reply.
        retries: resends after the first request, each waiting twice as long.
    """

    timeout: float = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES

    @classmethod
    def of(
        cls, timeout: object = DEFAULT_TIMEOUT, retries: object = DEFAULT_RETRIES
    ) -> RetryPolicy:
        """A validated policy (see :func:`validate_timing` for what is refused)."""
        return cls(*validate_timing(timeout, retries))

    @classmethod
    def within(cls, seconds: float, retries: int, calls: int = 1) -> RetryPolicy:
        """The policy whose ``calls`` calls, each resending ``retries`` times, fit in ``seconds``.

        Its ``timeout`` is the longest first wait for which ``calls`` budgets
        add up to ``seconds`` at most (the monitoring plugin's deadline).
        """
        return cls(float(seconds / calls / budget_factor(retries)), retries)

    @property
    def budget(self) -> float:
        """Seconds one call may take at most (see :func:`budget`)."""
        return budget(self.timeout, self.retries)

    @property
    def attempts(self) -> int:
        """Requests one call may send: the first and every resend."""
        return self.retries + 1

    def waits(self) -> Iterator[float]:
        """The wait after each attempt, in order: ``timeout``, twice that, ...

        There are :attr:`attempts` of them and they add up to :attr:`budget`.
        """
        for attempt in range(self.attempts):
            yield self.timeout * 2**attempt

    def describe(self) -> str:
        """The policy for messages: ``timeout 1 s, retries 2``."""
        return f"timeout {self.timeout:g} s, retries {self.retries}"
