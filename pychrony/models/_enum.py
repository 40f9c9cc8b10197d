"""The enum bases every subject's enums share: decoding values chronyd adds later.

Unknown values from a newer chronyd never crash decoding: the decoding path
(:meth:`~_TolerantEnum.from_chronyd`) turns them into a pseudo-member named
``UNKNOWN_<value>`` that keeps the raw value. Calling an enum with a value it
has no member for raises :class:`ValueError`, as every :class:`~enum.Enum`
(and pychrony 2.x) does.
"""

from __future__ import annotations

import threading
from enum import Enum
from typing import Any, TypeVar

_E = TypeVar("_E", bound="_TolerantEnum")
_unknown: dict[tuple[type, int], Any] = {}
_unknown_lock = threading.Lock()


class _TolerantEnum(Enum):
    """An Enum whose decoding path represents values it does not know."""

    @classmethod
    def from_chronyd(cls: type[_E], value: int) -> _E:
        """The member for a value chronyd sent; ``UNKNOWN_<value>`` for one without a name.

        The pseudo-member is created once per value, so ``is`` comparisons
        hold between two records.

        Raises:
            TypeError: ``value`` is not an int.
        """
        member = cls._value2member_map_.get(value)
        if member is not None:
            return member  # type: ignore[return-value]
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{cls.__name__} values are ints, not {value!r}")
        key = (cls, value)
        with _unknown_lock:
            if key not in _unknown:
                pseudo = object.__new__(cls)
                pseudo._name_ = f"UNKNOWN_{value}"
                pseudo._value_ = value
                _unknown[key] = pseudo
            found: _E = _unknown[key]
        return found

    @property
    def is_known(self) -> bool:
        """False for a value this version of pychrony has no name for."""
        return self._name_ in type(self).__members__


class _CharCodeEnum(_TolerantEnum):
    """An enum whose values are ASCII codes chronyd prints as one character."""

    @property
    def code(self) -> str:
        """The character ``chronyc`` prints for this value (``"?"`` if unprintable)."""
        value = int(self.value)
        return chr(value) if 32 <= value < 127 else "?"
