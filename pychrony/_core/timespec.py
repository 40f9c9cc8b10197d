"""``TimeSpec``: a C ``struct timespec`` as a Python value.

Shared by every layer that hands out libchrony's timespec fields (the generic
layer's field values, the C-mirror layer's ``chrony_get_field_timespec``), so
they return the same class.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

__all__ = ["TimeSpec"]

_NS_PER_S = 1_000_000_000


@dataclass(frozen=True, slots=True, order=True)
class TimeSpec:
    """Seconds and nanoseconds since the Unix epoch, as libchrony returns them.

    Kept exact (two integers) rather than as a float, which would lose
    nanoseconds for present-day times; ``float(ts)`` gives seconds when
    precision does not matter.

    Attributes:
        tv_sec: whole seconds.
        tv_nsec: nanoseconds, 0 to 999 999 999.

    Example:
        >>> ts = TimeSpec(1700000000, 500_000_000)
        >>> float(ts)
        1700000000.5
        >>> ts.isoformat()
        '2023-11-14T22:13:20.500000000Z'
    """

    tv_sec: int = 0
    tv_nsec: int = 0

    def __float__(self) -> float:
        return self.tv_sec + self.tv_nsec / _NS_PER_S

    def to_datetime(self) -> datetime:
        """The time as an aware UTC :class:`~datetime.datetime` (microsecond precision).

        Raises:
            OverflowError: the time is outside the range ``datetime`` can hold.
            ValueError: likewise, on some platforms.
        """
        base = datetime.fromtimestamp(self.tv_sec, tz=timezone.utc)
        return base.replace(microsecond=self.tv_nsec // 1000)

    def isoformat(self) -> str:
        """ISO 8601 in UTC with all nine fractional digits, e.g. ``2025-01-01T00:00:00.000000001Z``.

        Falls back to ``<seconds>.<nanoseconds>`` for times ``datetime`` cannot hold.
        """
        try:
            base = datetime.fromtimestamp(self.tv_sec, tz=timezone.utc)
        except (OverflowError, ValueError, OSError):
            return f"{self.tv_sec}.{self.tv_nsec:09d}"
        return f"{base:%Y-%m-%dT%H:%M:%S}.{self.tv_nsec:09d}Z"
