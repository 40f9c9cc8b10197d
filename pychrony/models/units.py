"""The vocabulary of units a model field declares, and what each one means.

Every field of every model names one :class:`Unit` in its metadata (see
``source()`` in ``pychrony/models/_declare.py``). This module is the one place that
says, for each unit:

* which libchrony field contents (``chrony_get_field_content``) it agrees
  with, so a test can check every declaration against a live chronyd;
* how a person reads it (:attr:`Unit.symbol`, and the CLI's formatting);
* what it becomes in Prometheus: a sample in a base unit with its suffix
  (:attr:`Unit.metric_suffix`, :meth:`Unit.to_base`), or a label
  (:attr:`Unit.is_label`) for identifiers and states.
"""

from collections.abc import Callable
from enum import Enum
from typing import NamedTuple

from .._core.constants import FieldContent

__all__ = ["NEVER", "Unit", "UnitMeaning"]

#: What chronyd sends in a whole-seconds interval that never started
#: (``last sample ago`` of a source never heard from): ``(uint32_t)-1``.
NEVER = 0xFFFFFFFF


class UnitMeaning(NamedTuple):
    """What one :class:`Unit` means.

    Attributes:
        symbol: how the unit is written beside a value for people (``""``
            for a plain number).
        description: the unit in words, for documentation.
        contents: the libchrony field contents a field of this unit may have.
        metric_suffix: the Prometheus base-unit suffix (``"seconds"``), or
            ``""`` for a dimensionless number.
        scale: multiplies a value into that base unit (bits -> bytes).
        log2: the value is a power of two of the base unit (polling intervals).
        is_label: exported as a label (an identifier or a state), never as a
            sample value.
    """

    symbol: str
    description: str
    contents: frozenset[FieldContent]
    metric_suffix: str = ""
    scale: float = 1.0
    log2: bool = False
    is_label: bool = False


def _meaning(
    symbol: str,
    description: str,
    *contents: FieldContent,
    suffix: str = "",
    scale: float = 1.0,
    log2: bool = False,
    label: bool = False,
) -> UnitMeaning:
    return UnitMeaning(symbol, description, frozenset(contents), suffix, scale, log2, label)


_C = FieldContent


class Unit(Enum):
    """The unit (or kind) of a model field's value.

    Attributes:
        OFFSET: a signed difference of times, in seconds (chronyc shows a sign).
        SECONDS: a duration or an error bound, in seconds.
        INTERVAL: whole seconds, as chronyc's ``5m``/``3h`` columns show them;
            4294967295 (:data:`NEVER`) means it never happened.
        LOG2_SECONDS: a power of two of seconds (-2 is 0.25 s).
        TIME: a point in time, seconds since the Unix epoch.
        PPM: a frequency error bound, in parts per million.
        OFFSET_PPM: a signed frequency offset, in parts per million.
        PPM_PER_SECOND: a rate of change of a frequency offset.
        COUNT: a number of things (a counter when the field says so).
        RATIO: a dimensionless ratio or score.
        REGISTER: a bit register (reachability), read in octal.
        BITS: a length in bits.
        BYTES: a length in bytes.
        BOOLEAN: yes or no.
        REFERENCE_ID: an NTP reference ID (four bytes, shown in hex).
        ADDRESS: an IP address (a reference clock's reference ID instead).
        PORT: a UDP port number.
        INDEX: an identifier number (a key ID).
        ENUM: one state out of several.
        FLAGS: a set of flags.
    """

    OFFSET = "offset"
    SECONDS = "seconds"
    INTERVAL = "interval"
    LOG2_SECONDS = "log2 seconds"
    TIME = "time"
    PPM = "ppm"
    OFFSET_PPM = "offset ppm"
    PPM_PER_SECOND = "ppm per second"
    COUNT = "count"
    RATIO = "ratio"
    REGISTER = "register"
    BITS = "bits"
    BYTES = "bytes"
    BOOLEAN = "boolean"
    REFERENCE_ID = "reference id"
    ADDRESS = "address"
    PORT = "port"
    INDEX = "index"
    ENUM = "enum"
    FLAGS = "flags"

    @property
    def meaning(self) -> UnitMeaning:
        """Everything this module says about the unit."""
        return _MEANINGS[self]

    @property
    def symbol(self) -> str:
        """How the unit is written beside a value (``"s"``, ``"ppm"``; ``""`` for none)."""
        return self.meaning.symbol

    @property
    def description(self) -> str:
        """The unit in words."""
        return self.meaning.description

    @property
    def metric_suffix(self) -> str:
        """The Prometheus base-unit suffix of a sample of this unit (``""`` for none)."""
        return self.meaning.metric_suffix

    @property
    def is_label(self) -> bool:
        """Whether a field of this unit is exported as a label rather than a sample."""
        return self.meaning.is_label

    def agrees_with(self, content: FieldContent) -> bool:
        """Whether libchrony's content of a field is consistent with this unit.

        NONE says nothing, so it contradicts no unit: libchrony leaves a
        field untyped when chronyd sent no value (an address before the first
        exchange) and leaves the sources report's flags untyped altogether.
        """
        return content is FieldContent.NONE or content in self.meaning.contents

    def to_base(self, value: float) -> float:
        """A value of this unit in its Prometheus base unit."""
        return _CONVERTERS[self](value)

    def base_converter(self) -> Callable[[float], float]:
        """:meth:`to_base` as one function of the value, for converting many values."""
        return _CONVERTERS[self]


_MEANINGS: dict[Unit, UnitMeaning] = {
    Unit.OFFSET: _meaning("s", "seconds (signed offset)", _C.OFFSET_SECONDS, suffix="seconds"),
    # libchrony tags the interval of selectdata's limits and smoothing's
    # remaining time INTERVAL_SECONDS: durations or bounds, not offsets.
    Unit.SECONDS: _meaning(
        "s", "seconds", _C.MEASURE_SECONDS, _C.INTERVAL_SECONDS, suffix="seconds"
    ),
    Unit.INTERVAL: _meaning("s", "whole seconds", _C.INTERVAL_SECONDS, suffix="seconds"),
    Unit.LOG2_SECONDS: _meaning(
        "log2 s", "log2 seconds", _C.INTERVAL_LOG2_SECONDS, suffix="seconds", log2=True
    ),
    Unit.TIME: _meaning("", "seconds since the epoch (UTC)", _C.TIME, suffix="seconds"),
    Unit.PPM: _meaning("ppm", "ppm", _C.MEASURE_PPM, suffix="ppm"),
    Unit.OFFSET_PPM: _meaning("ppm", "ppm (signed offset)", _C.OFFSET_PPM, suffix="ppm"),
    Unit.PPM_PER_SECOND: _meaning(
        "ppm/s", "ppm per second", _C.OFFSET_PPM_PER_SECOND, suffix="ppm_per_second"
    ),
    Unit.COUNT: _meaning("", "count", _C.COUNT),
    Unit.RATIO: _meaning("", "ratio", _C.RATIO),
    Unit.REGISTER: _meaning("", "bit register (octal)", _C.BITS),
    Unit.BITS: _meaning("bits", "bits", _C.LENGTH_BITS, suffix="bytes", scale=1 / 8),
    Unit.BYTES: _meaning("bytes", "bytes", _C.LENGTH_BYTES, suffix="bytes"),
    Unit.BOOLEAN: _meaning("", "yes or no", _C.BOOLEAN),
    Unit.REFERENCE_ID: _meaning("", "reference ID", _C.REFERENCE_ID, label=True),
    # A reference clock's record names the source by its reference ID.
    Unit.ADDRESS: _meaning("", "address", _C.ADDRESS, _C.REFERENCE_ID, label=True),
    Unit.PORT: _meaning("", "port", _C.PORT, label=True),
    Unit.INDEX: _meaning("", "identifier", _C.INDEX, label=True),
    Unit.ENUM: _meaning("", "state", _C.ENUM, label=True),
    Unit.FLAGS: _meaning("", "flags", _C.FLAGS, label=True),
}


def _from_log2(value: float) -> float:
    return float(2.0**value)


def _converter(meaning: UnitMeaning) -> Callable[[float], float]:
    # What to_base does for the unit, as the cheapest function that does it:
    # a scale of 1 is float() alone (float(v) * 1.0 is float(v), bit for bit).
    if meaning.log2:
        return _from_log2
    scale = meaning.scale
    if scale == 1.0:
        return float

    def scaled(value: float) -> float:
        return float(value) * scale

    return scaled


_CONVERTERS: dict[Unit, Callable[[float], float]] = {
    unit: _converter(meaning) for unit, meaning in _MEANINGS.items()
}
