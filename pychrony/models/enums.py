"""Enumerations of the typed models.

Unknown values from a newer chronyd never crash decoding: they become a
pseudo-member named ``UNKNOWN_<value>`` that keeps the raw value.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from .._core.address import Transport

__all__ = ["LeapStatus", "SourceMode", "SourceState", "Transport"]

_unknown: dict[tuple[type, int], Any] = {}


class _TolerantEnum(Enum):
    """An Enum that represents values it does not know instead of failing."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            return None
        key = (cls, value)
        if key not in _unknown:
            member = object.__new__(cls)
            member._name_ = f"UNKNOWN_{value}"
            member._value_ = value
            _unknown[key] = member
        return _unknown[key]

    @property
    def is_known(self) -> bool:
        """False for a value this version of pychrony has no name for."""
        return self._name_ in type(self).__members__


class LeapStatus(_TolerantEnum):
    """Leap second status of the clock (libchrony field ``leap status``).

    Attributes:
        NORMAL: no leap second pending.
        INSERT: a second will be inserted at the end of the UTC day.
        DELETE: a second will be deleted at the end of the UTC day.
        UNSYNC: the clock is not synchronised.
    """

    NORMAL = 0
    INSERT = 1
    DELETE = 2
    UNSYNC = 3


class SourceState(_TolerantEnum):
    """Selection state of a source (the ``S`` column of ``chronyc sources``).

    Attributes:
        SELECTED: the source chronyd synchronises to (``*``).
        NONSELECTABLE: not usable for selection (``?``).
        FALSETICKER: disagrees with the majority (``x``).
        JITTERY: too variable to be trusted (``~``).
        UNSELECTED: acceptable but not combined (``-``).
        SELECTABLE: combined with the selected source (``+``).
    """

    SELECTED = 0
    NONSELECTABLE = 1
    FALSETICKER = 2
    JITTERY = 3
    UNSELECTED = 4
    SELECTABLE = 5


class SourceMode(_TolerantEnum):
    """How chronyd talks to a source (the ``M`` column of ``chronyc sources``).

    Attributes:
        CLIENT: an NTP server polled by chronyd (``^``).
        PEER: a symmetric NTP peer (``=``).
        REFCLOCK: a local reference clock (``#``).
    """

    CLIENT = 0
    PEER = 1
    REFCLOCK = 2
