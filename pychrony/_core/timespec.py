"""``TimeSpec``: a C ``struct timespec`` as a Python value.

Shared by every layer that hands out libchrony's timespec fields (the generic
layer's field values, the C-mirror layer's ``chrony_get_field_timespec``), so
they return the same class.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

__all__ = ["TimeSpec", "as_chronyc_reads"]

_NS_PER_S = 1_000_000_000

# chronyd sends seconds as two 32-bit words. One built with a 32-bit time_t
# has no high word to send and marks it with this value (candm.h's
# TV_NOHIGHSEC); libchrony passes it through, so the seconds would read as
# about 9.2e18.
_NO_HIGH_SECONDS = 0x7FFFFFFF


def as_chronyc_reads(tv_sec: int, tv_nsec: int) -> tuple[int, int]:
    """A timespec as libchrony returns it, read the way chronyc reads the wire.

    libchrony joins the two words of seconds as they came and returns the
    nanoseconds unchecked; chronyc (``UTI_TimespecNetworkToHost``) reads a
    high word of ``0x7fffffff`` as 0 and caps nanoseconds at 999 999 999.
    Every layer reads TIMESPEC fields through here, so they agree.

    Example:
        >>> as_chronyc_reads(0x7FFFFFFF_6553F100, 1_500_000_000)
        (1700000000, 999999999)
    """
    # Every record's timestamps come through here: the common case is two
    # comparisons, no call.
    if tv_sec >> 32 == _NO_HIGH_SECONDS:  # an int64: 0x7fffffff is its high word only so
        tv_sec &= 0xFFFFFFFF
    if not 0 <= tv_nsec < _NS_PER_S:
        tv_nsec = 0 if tv_nsec < 0 else _NS_PER_S - 1
    return tv_sec, tv_nsec


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
        # datetime loads here, not with pychrony: the models carry float seconds.
        from datetime import datetime, timezone

        base = datetime.fromtimestamp(self.tv_sec, tz=timezone.utc)
        return base.replace(microsecond=self.tv_nsec // 1000)

    def isoformat(self) -> str:
        """ISO 8601 in UTC with all nine fractional digits, e.g. ``2025-01-01T00:00:00.000000001Z``.

        Falls back to ``<seconds>.<nanoseconds>`` for times ``datetime`` cannot hold.
        """
        from datetime import datetime, timezone

        try:
            base = datetime.fromtimestamp(self.tv_sec, tz=timezone.utc)
        except (OverflowError, ValueError, OSError):
            return f"{self.tv_sec}.{self.tv_nsec:09d}"
        return f"{base:%Y-%m-%dT%H:%M:%S}.{self.tv_nsec:09d}Z"
