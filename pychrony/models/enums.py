"""Enumerations of the typed models, and what each value means to chronyc.

Unknown values from a newer chronyd never crash decoding: the decoding path
(:meth:`~_TolerantEnum.from_chronyd`) turns them into a pseudo-member named
``UNKNOWN_<value>`` that keeps the raw value. Calling an enum with a value it
has no member for raises :class:`ValueError`, as every :class:`~enum.Enum`
(and pychrony 2.x) does.
"""

from __future__ import annotations

import threading
from enum import Enum, IntFlag
from typing import Any, TypeVar

from .._core.address import Transport

__all__ = [
    "AuthMode",
    "KeyType",
    "LeapStatus",
    "NTPFlags",
    "NTPMode",
    "SelectOptions",
    "SelectState",
    "SmoothingFlags",
    "SourceMode",
    "SourceState",
    "TimestampSource",
    "Transport",
]

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

    @property
    def description(self) -> str:
        """The status in chronyc's words (``normal``, ``insert second``, ...).

        ``chronyc tracking``'s ``Leap status`` line; ``not synchronised`` for
        ``UNSYNC``.
        """
        return _LEAP_WORDS.get(int(self.value), f"unknown ({int(self.value)})")


_LEAP_WORDS: dict[int, str] = {
    LeapStatus.NORMAL.value: "normal",
    LeapStatus.INSERT.value: "insert second",
    LeapStatus.DELETE.value: "delete second",
    LeapStatus.UNSYNC.value: "not synchronised",
}


class SourceState(_TolerantEnum):
    """Selection state of a source (the ``S`` column of ``chronyc sources``).

    libchrony's names predate chronyc's wording and two of them read
    backwards; :attr:`symbol` and :attr:`description` give what chronyc shows.

    Attributes:
        SELECTED: the best source, selected for synchronisation (``*``).
        NONSELECTABLE: unusable: not selectable for synchronisation, e.g.
            unreachable, not synchronised or short of samples (``?``).
        FALSETICKER: a falseticker: disagrees with the majority (``x``).
        JITTERY: jittery: its time varies too much (``~``).
        UNSELECTED: combined: used for synchronisation together with the
            selected source (``+``; libchrony's name, despite what it suggests).
        SELECTABLE: not combined: selectable, but not currently used, e.g.
            for its distance (``-``).
    """

    SELECTED = 0
    NONSELECTABLE = 1
    FALSETICKER = 2
    JITTERY = 3
    UNSELECTED = 4
    SELECTABLE = 5

    @property
    def symbol(self) -> str:
        """The mark ``chronyc sources`` prints (``" "`` for a state it does not know)."""
        return _SOURCE_STATE_WORDS.get(int(self.value), (" ", ""))[0]

    @property
    def description(self) -> str:
        """The state in chronyc's words.

        One of ``selected``, ``combined``, ``not combined``, ``falseticker``,
        ``jittery`` or ``unusable``.
        """
        known = _SOURCE_STATE_WORDS.get(int(self.value))
        return known[1] if known else f"unknown ({int(self.value)})"

    @property
    def is_selected(self) -> bool:
        """Whether this is the best source, the one chronyd synchronises to (``*``)."""
        return self is SourceState.SELECTED

    @property
    def is_combined(self) -> bool:
        """Whether the source is used for synchronisation, selected or combined (``*``, ``+``)."""
        return self in (SourceState.SELECTED, SourceState.UNSELECTED)

    @property
    def is_selectable(self) -> bool:
        """Whether chronyd considers the source selectable (``*``, ``+``, ``-``)."""
        return self in (SourceState.SELECTED, SourceState.UNSELECTED, SourceState.SELECTABLE)


# One place for what each state means: chronyc's mark (client.c) and its words
# (chronyc's documentation and its `sources -v` legend).
_SOURCE_STATE_WORDS: dict[int, tuple[str, str]] = {
    SourceState.SELECTED.value: ("*", "selected"),
    SourceState.NONSELECTABLE.value: ("?", "unusable"),
    SourceState.FALSETICKER.value: ("x", "falseticker"),
    SourceState.JITTERY.value: ("~", "jittery"),
    SourceState.UNSELECTED.value: ("+", "combined"),
    SourceState.SELECTABLE.value: ("-", "not combined"),
}


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

    @property
    def symbol(self) -> str:
        """The mark ``chronyc sources`` prints (``" "`` for a mode it does not know)."""
        return _SOURCE_MODE_WORDS.get(int(self.value), (" ", ""))[0]

    @property
    def description(self) -> str:
        """The mode in chronyc's words (``server``, ``peer`` or ``reference clock``)."""
        known = _SOURCE_MODE_WORDS.get(int(self.value))
        return known[1] if known else f"unknown ({int(self.value)})"


_SOURCE_MODE_WORDS: dict[int, tuple[str, str]] = {
    SourceMode.CLIENT.value: ("^", "server"),
    SourceMode.PEER.value: ("=", "peer"),
    SourceMode.REFCLOCK.value: ("#", "reference clock"),
}


class _CharCodeEnum(_TolerantEnum):
    """An enum whose values are ASCII codes chronyd prints as one character."""

    @property
    def code(self) -> str:
        """The character ``chronyc`` prints for this value (``"?"`` if unprintable)."""
        value = int(self.value)
        return chr(value) if 32 <= value < 127 else "?"


class SelectState(_CharCodeEnum):
    """Why a source was or was not selected (first column of ``chronyc selectdata``).

    Values are the ASCII codes chronyd uses; :attr:`code` gives the character.

    Attributes:
        IGNORED: configured with ``noselect`` (``N``).
        NOT_SYNCHRONIZED: the source is not synchronised (``s``).
        MISSING_SAMPLES: too few samples yet (``M``).
        UNACCEPTABLE_STRATUM: stratum outside ``minstratum``/``maxstratum``
            (``r``; chronyd 4.9+, which libchrony 0.2 has no constant name for).
        UNACCEPTABLE_DISTANCE: root distance over ``maxdistance`` (``d``).
        LARGE_DISTANCE: distance much larger than the best source's (``D``).
        JITTERY: jitter too large (``~``).
        WAITING_FOR_OTHERS: waiting for other sources to get samples (``w``).
        MISSING_SELECTABLE_SOURCES: fewer selectable sources than ``minsources`` (``W``).
        STALE: no recent sample (``S``).
        ORPHAN: an orphan source (``O``).
        NOT_TRUSTED: disagrees with the trusted sources (``T``).
        NOT_PREFERRED: another source has ``prefer`` (``P``).
        WAITING_FOR_UPDATE: waiting for a new sample (``U``).
        FALSETICKER: disagrees with the majority (``x``).
        COMBINED: combined with the best source (``+``).
        BEST: the selected source (``*``).
    """

    IGNORED = ord("N")
    NOT_SYNCHRONIZED = ord("s")
    MISSING_SAMPLES = ord("M")
    UNACCEPTABLE_STRATUM = ord("r")
    UNACCEPTABLE_DISTANCE = ord("d")
    LARGE_DISTANCE = ord("D")
    JITTERY = ord("~")
    WAITING_FOR_OTHERS = ord("w")
    MISSING_SELECTABLE_SOURCES = ord("W")
    STALE = ord("S")
    ORPHAN = ord("O")
    NOT_TRUSTED = ord("T")
    NOT_PREFERRED = ord("P")
    WAITING_FOR_UPDATE = ord("U")
    FALSETICKER = ord("x")
    COMBINED = ord("+")
    BEST = ord("*")


class SelectOptions(IntFlag):
    """Selection options of a source (``COpts``/``EOpts`` of ``chronyc selectdata``).

    Attributes:
        NOSELECT: never selected (``N``).
        PREFER: preferred over other sources (``P``).
        TRUST: trusted even when it disagrees with others (``T``).
        REQUIRE: must be selectable for any selection to happen (``R``).
    """

    NOSELECT = 0x1
    PREFER = 0x2
    TRUST = 0x4
    REQUIRE = 0x8


class AuthMode(_TolerantEnum):
    """How chronyd authenticates a source (``Mode`` of ``chronyc authdata``).

    Attributes:
        NONE: no authentication (``-``).
        SYMMETRIC_KEY: a symmetric key from the key file (``SK``).
        NTS: Network Time Security (``NTS``).
    """

    NONE = 0
    SYMMETRIC_KEY = 1
    NTS = 2


class KeyType(_TolerantEnum):
    """Hash or cipher of a source's key (``KeyType`` of ``chronyc authdata``).

    ``NONE`` (0) means the source has no key.
    """

    NONE = 0
    MD5 = 1
    SHA1 = 2
    SHA256 = 3
    SHA384 = 4
    SHA512 = 5
    SHA3_224 = 6
    SHA3_256 = 7
    SHA3_384 = 8
    SHA3_512 = 9
    TIGER = 10
    WHIRLPOOL = 11
    AES128 = 13
    AES256 = 14
    AEAD_AES_SIV_CMAC_256 = 15
    AEAD_AES_128_GCM_SIV = 30


class NTPMode(_TolerantEnum):
    """NTP mode of the last packet from a source (``Mode`` of ``chronyc ntpdata``).

    Attributes:
        INVALID: no valid packet received yet (chronyc prints ``Invalid``).
        ACTIVE: symmetric active.
        PASSIVE: symmetric passive.
        SERVER: a server's reply to a client request.
    """

    INVALID = 0
    ACTIVE = 1
    PASSIVE = 2
    SERVER = 4


class TimestampSource(_CharCodeEnum):
    """Where a packet's timestamp was taken (``TX/RX timestamping`` of ``chronyc ntpdata``).

    Attributes:
        INVALID: no timestamp yet (chronyc prints ``Invalid``).
        DAEMON: by chronyd after the system call (``D``).
        KERNEL: by the kernel (``K``).
        HARDWARE: by the network card (``H``).
    """

    INVALID = 0
    DAEMON = ord("D")
    KERNEL = ord("K")
    HARDWARE = ord("H")


class NTPFlags(IntFlag):
    """Test results and modes of the last NTP packet (``chronyc ntpdata``).

    A set ``TEST_*`` bit means the packet passed that test of RFC 5905 / chrony
    (tests 1-3 check the packet, 5-7 its authentication, synchronisation and
    data, A-D its delay). Bit assignment follows libchrony's constant names.
    """

    TEST_D = 0x1
    TEST_B = 0x2
    TEST_C = 0x4
    TEST_A = 0x8
    TEST_7 = 0x10
    TEST_6 = 0x20
    TEST_5 = 0x40
    TEST_3 = 0x80
    TEST_2 = 0x100
    TEST_1 = 0x200
    INTERLEAVED = 0x4000
    AUTHENTICATED = 0x8000

    ALL_TESTS = 0x3FF


class SmoothingFlags(IntFlag):
    """State of chronyd's time smoothing (``chronyc smoothing``).

    Attributes:
        ACTIVE: smoothing is currently adjusting the served time.
        LEAP_ONLY: smoothing only leap seconds (``smoothtime ... leaponly``).
    """

    ACTIVE = 0x1
    LEAP_ONLY = 0x2
