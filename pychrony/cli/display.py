"""Values as a person reads them in a table, by the unit their field declares.

The rules follow how ``chronyc`` prints each kind of value (its client.c):
offsets and errors scaled to ns/us/ms/s with about four significant digits,
frequencies in ppm with three decimals, whole-second intervals as ``5m`` or
``3h``, reachability registers in octal, reference IDs in hex. Every value
of a table goes through :func:`human`; JSON and CSV keep the exact values.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from enum import Flag

from .._core.constants import FieldContent
from ..models._convert import ref_id_name
from ..models.units import NEVER, Unit
from .values import Plain, plain

__all__ = [
    "MISSING",
    "flags",
    "human",
    "interval",
    "ppm",
    "reference_id",
    "seconds",
    "timestamp",
    "unit_of_content",
]

#: What a table shows for a value chronyd did not send.
MISSING = "-"

# (limit, divisor, suffix, decimals): the first limit above |value| picks the
# scale; the limits keep four digits before the unit, as chronyc does.
_SECOND_SCALES = (
    (9999.5e-9, 1e-9, "ns", 0),
    (9999.5e-6, 1e-6, "us", 0),
    (9999.5e-3, 1e-3, "ms", 0),
    (999.5, 1.0, "s", 1),
    (99999.5, 1.0, "s", 0),
    (99999.5 * 60, 60.0, "m", 0),
    (99999.5 * 3600, 3600.0, "h", 0),
    (99999.5 * 86400, 86400.0, "d", 0),
)
_YEAR = 86400.0 * 365


def seconds(value: float, *, signed: bool = False) -> str:
    """Seconds scaled as chronyc prints them: ``3653ns``, ``+503ns``, ``-1.5s``, ``12m``.

    Args:
        value: seconds.
        signed: always show the sign (offsets); otherwise only a minus.
    """
    if not math.isfinite(value):
        return MISSING
    magnitude = abs(value)
    divisor, suffix, decimals = _YEAR, "y", 0
    for limit, scale, unit, places in _SECOND_SCALES:
        if magnitude < limit:
            divisor, suffix, decimals = scale, unit, places
            break
    sign = "+" if signed else ""
    text = f"{value / divisor:{sign}.{decimals}f}"
    if text.lstrip("+-").strip("0.") == "":
        text = f"{'+' if signed else ''}0"  # no "-0ns"
    return f"{text}{suffix}"


def interval(value: int) -> str:
    """Whole seconds as chronyc's ``LastRx`` column: ``45``, ``20m``, ``11h``, ``3d``; "never"."""
    if value >= NEVER:
        return "never"
    if value < 1200:
        return str(value)
    if value < 36000:
        return f"{value // 60}m"
    if value < 345600:
        return f"{value // 3600}h"
    days = value // 86400
    return f"{days}d" if days <= 999 else f"{days // 365}y"


def ppm(value: float, *, signed: bool = False) -> str:
    """Parts per million with three decimals, as chronyc prints frequencies."""
    if not math.isfinite(value):
        return MISSING
    sign = "+" if signed else ""
    decimals = 3 if abs(value) < 99999.5 else 0
    return f"{value:{sign}.{decimals}f}"


def reference_id(value: int) -> str:
    """A reference ID in hex beside its name: ``7F000001 (127.0.0.1)``."""
    return f"{value & 0xFFFFFFFF:08X} ({ref_id_name(value)})"


def timestamp(value: float) -> str:
    """Seconds since the epoch in ISO 8601, UTC, to the millisecond; 0 (never) as ``-``."""
    if not math.isfinite(value) or value <= 0:
        return MISSING
    moment = datetime.fromtimestamp(value, timezone.utc)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


# Longer than this, a set of flags is shown as its number.
_FLAGS_WIDTH = 40


def flags(value: Flag) -> str:
    """A set of flags by name (``INTERLEAVED,AUTHENTICATED``), ``-`` for none.

    A long set (all ten NTP tests passed) is its number and how many are set,
    so a listing stays within 80 columns; JSON and CSV name every one.
    """
    names = plain(value)
    if not names:
        return MISSING
    joined = ",".join(names)
    if len(joined) <= _FLAGS_WIDTH:
        return joined
    return f"0x{value.value:X} ({len(names)} flags)"


def _ratio(value: float) -> str:
    return f"{value:.2f}" if abs(value) < 99999.5 else f"{value:.0f}"


def human(value: Plain, unit: Unit | None, *, symbol: bool = False) -> str:
    """One plain value (see :mod:`pychrony.cli.values`) as a table cell.

    Args:
        value: the value.
        unit: the unit its field declares (None: shown as it is).
        symbol: append the unit's symbol where the text does not carry one
            (``ppm``, ``bytes``), for ``field  value`` listings.
    """
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ",".join(str(v) for v in value) or MISSING
    if isinstance(value, str) or unit is None:
        return str(value) or MISSING
    text = _by_unit(value, unit)
    if symbol and unit.symbol and unit in _BARE:
        text = f"{text} {unit.symbol}"
    return text


# How a field that declares no unit reads, from libchrony's content alone
# (``pychrony dump``): the unit that agrees with it, the more specific first.
_BY_CONTENT = {content: unit for unit in reversed(list(Unit)) for content in unit.meaning.contents}


def unit_of_content(content: FieldContent, value: object) -> Unit | None:
    """The unit to show a libchrony field of ``content`` in (None: as it is)."""
    if content is FieldContent.INTERVAL_SECONDS:
        return Unit.INTERVAL if isinstance(value, int) else Unit.SECONDS
    if content is FieldContent.ENUM or content is FieldContent.FLAGS:
        return None  # the raw number: dump shows what chronyd sent
    return _BY_CONTENT.get(content)


# Units whose text does not already say its unit.
_BARE = frozenset({Unit.PPM, Unit.OFFSET_PPM, Unit.PPM_PER_SECOND, Unit.BITS, Unit.BYTES})


def _by_unit(value: int | float, unit: Unit) -> str:
    if unit is Unit.OFFSET:
        return seconds(value, signed=True)
    if unit is Unit.SECONDS:
        return seconds(value)
    if unit is Unit.INTERVAL:
        return interval(int(value))
    if unit is Unit.TIME:
        return timestamp(value)
    if unit is Unit.PPM:
        return ppm(value)
    if unit is Unit.OFFSET_PPM:
        return ppm(value, signed=True)
    if unit is Unit.PPM_PER_SECOND:
        return f"{value:+.6f}"
    if unit is Unit.RATIO:
        return _ratio(value)
    if unit is Unit.REGISTER:
        return f"{int(value):03o}"
    if unit is Unit.REFERENCE_ID:
        return reference_id(int(value))
    if isinstance(value, float):
        return _ratio(value)
    return str(value)
