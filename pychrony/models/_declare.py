"""Declaring typed models once and decoding every report through one routine.

A model is a frozen, slotted dataclass whose fields carry, in their metadata,
the libchrony field they come from and how to convert it::

    @dataclass(frozen=True, slots=True)
    class Activity:
        online: int = field(metadata=source("online sources"))

:func:`decode` turns one record (the core's raw fields) into a model instance
using a plan computed once per class.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any, NamedTuple, TypeVar, cast

from ..exceptions import ChronyDataError

__all__ = ["FieldSource", "decode", "plan", "source"]

T = TypeVar("T")
_MISSING = object()


class FieldSource(NamedTuple):
    """Where a model attribute comes from.

    Attributes:
        names: libchrony field names to try, in order (older chronyd versions
            name or omit some fields).
        convert: turns the raw value into the attribute's type.
        optional: when no name is present, the attribute is None instead of
            the record being rejected.
    """

    names: tuple[str, ...]
    convert: Callable[[Any], Any]
    optional: bool


def _identity(value: Any) -> Any:
    return value


def source(
    *names: str, convert: Callable[[Any], Any] = _identity, optional: bool = False
) -> Mapping[str, FieldSource]:
    """Dataclass field metadata naming the libchrony field(s) an attribute reads."""
    if not names:
        raise ValueError("source() needs at least one libchrony field name")
    return {"chrony": FieldSource(tuple(names), convert, optional)}


@functools.cache
def plan(cls: Any) -> tuple[tuple[str, FieldSource], ...]:
    """The (attribute, source) pairs of a model class, in declaration order."""
    steps = []
    for f in dataclasses.fields(cls):
        spec = f.metadata.get("chrony")
        if spec is None:
            raise TypeError(f"{cls.__name__}.{f.name} does not declare its libchrony source")
        steps.append((f.name, spec))
    return tuple(steps)


def decode(cls: type[T], fields: Iterable[tuple[Any, ...]], report: str) -> T:
    """Build a ``cls`` from one record's raw fields ``(name, type, content, value)``.

    Raises:
        ChronyDataError: a required field is missing or cannot be converted.
    """
    values = {f[0]: f[3] for f in fields}
    kwargs: dict[str, Any] = {}
    for attr, spec in plan(cast(Hashable, cls)):
        raw: Any = _MISSING
        for name in spec.names:
            raw = values.get(name, _MISSING)
            if raw is not _MISSING:
                break
        if raw is _MISSING:
            if spec.optional:
                kwargs[attr] = None
                continue
            raise ChronyDataError(
                f"{report} record has no field {spec.names[0]!r} "
                f"(fields: {', '.join(values) or 'none'})"
            )
        try:
            kwargs[attr] = spec.convert(raw)
        except (TypeError, ValueError, OverflowError) as exc:
            raise ChronyDataError(
                f"{report} field {spec.names[0]!r} has an unusable value {raw!r}: {exc}"
            ) from exc
    return cls(**kwargs)
