"""Declaring typed models once and decoding every report through one routine.

A model is a frozen, slotted dataclass whose fields carry, in their metadata,
the libchrony field they come from, how to convert it, its unit and whether
it is a counter::

    @dataclass(frozen=True, slots=True)
    class Activity:
        online: int = field(metadata=source("online sources", unit=Unit.COUNT))

Everything that shows or exports a value (the command's tables, the
exporter's metric names, the documentation's field tables) reads the unit
here, never the docstring.

:func:`decode` turns one record (the core's raw fields) into a model instance
using a plan computed once per class. A record that carries its layout (the
core's ``RawRecord``) is decoded by a plan computed once per (class, layout):
which value feeds which attribute is then known without looking up a name.

A record with no fields at all is what chronyd sends for a source that has
none of the report's data (a reference clock's ntpdata and authdata). It
decodes to an instance with every attribute None when the model's annotations
allow None for every attribute (the annotations are the declaration); for any
other model it is a :class:`~pychrony.ChronyDataError`. So is any value a
conversion fails on: the message names the report, the record and the server.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from typing import Any, Generic, NamedTuple, Protocol, TypeVar, cast

from ..exceptions import ChronyDataError
from .units import Unit

__all__ = [
    "FieldSource",
    "ModelDecoder",
    "decode",
    "field_source",
    "field_unit",
    "plan",
    "source",
]

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
        unit: what the value measures (see :class:`~pychrony.models.units.Unit`).
        counter: whether the value only grows while chronyd runs (cumulative).
    """

    names: tuple[str, ...]
    convert: Callable[[Any], Any]
    optional: bool
    unit: Unit | None = None
    counter: bool = False


def _identity(value: Any) -> Any:
    return value


def source(
    *names: str,
    unit: Unit | None = None,
    counter: bool = False,
    convert: Callable[[Any], Any] = _identity,
    optional: bool = False,
) -> Mapping[str, FieldSource]:
    """Dataclass field metadata naming the libchrony field(s) an attribute reads.

    Args:
        names: libchrony field names to try, in order.
        unit: what the value measures; every field of the report models
            declares one (a test checks each against libchrony's own).
        counter: whether it is cumulative (only grows while chronyd runs).
        convert: turns the raw value into the attribute's type.
        optional: None instead of an error when no name is present.
    """
    if not names:
        raise ValueError("source() needs at least one libchrony field name")
    if counter and unit is not Unit.COUNT:
        raise ValueError(f"a counter counts things: {names[0]!r} is not declared a count")
    return {"chrony": FieldSource(tuple(names), convert, optional, unit, counter)}


def field_source(f: dataclasses.Field[Any]) -> FieldSource:
    """The declaration of one model field.

    Raises:
        TypeError: the field declares no libchrony source.
    """
    spec = f.metadata.get("chrony")
    if not isinstance(spec, FieldSource):
        raise TypeError(f"model field {f.name!r} does not declare its libchrony source")
    return spec


def field_unit(f: dataclasses.Field[Any]) -> Unit:
    """The unit one model field declares.

    Raises:
        TypeError: the field declares none.
    """
    unit = field_source(f).unit
    if unit is None:
        raise TypeError(f"model field {f.name!r} does not declare its unit")
    return unit


def _plan(cls: Any) -> tuple[tuple[str, FieldSource], ...]:
    """The (attribute, source) pairs of a model class, in declaration order."""
    steps = []
    for f in dataclasses.fields(cls):
        try:
            steps.append((f.name, field_source(f)))
        except TypeError as exc:
            raise TypeError(f"{cls.__name__}: {exc}") from None
    return tuple(steps)


def _allows_empty(cls: Any) -> bool:
    """Whether every attribute of model ``cls`` admits None, so a record with no fields is one."""
    hints = typing.get_type_hints(cls)
    return all(_admits_none(hints[f.name]) for f in dataclasses.fields(cls))


# Cached per model class. Typed as plain callables: the cache's own signature
# takes Hashable, which mypy denies a `type[Any]` (a catalogue entry's model).
plan: Callable[[Any], tuple[tuple[str, FieldSource], ...]] = functools.cache(_plan)
allows_empty: Callable[[Any], bool] = functools.cache(_allows_empty)


def _admits_none(hint: Any) -> bool:
    if hint is type(None):
        return True
    return typing.get_origin(hint) in (typing.Union, types.UnionType) and any(
        _admits_none(arg) for arg in typing.get_args(hint)
    )


class _Layout(Protocol):
    """A record's shape as the core describes it (see ``pychrony._core.records``)."""

    names: tuple[str, ...]
    cache: dict[Any, Any]

    def compile(
        self,
        target: Callable[..., Any],
        arguments: Sequence[tuple[int | None, Callable[[Any], Any] | None]],
        *,
        keywords: Sequence[str] | None = None,
        slots: SlotBuilder | None = None,
    ) -> Callable[[Any, Any], Any]: ...


def _compile_decoder(cls: Any, layout: _Layout) -> Callable[[Any, Any], Any] | None:
    """A function building ``cls`` from a record of ``layout``; None when one cannot.

    None when a required field is absent: the generic path then raises the
    error that names it.
    """
    empty = not layout.names
    if empty and not allows_empty(cls):
        return None
    position: dict[str, int] = {}
    for i, name in enumerate(layout.names):
        position.setdefault(name, i)
    arguments: list[tuple[int | None, Callable[[Any], Any] | None]] = []
    for _attr, spec in plan(cls):
        index = next((position[n] for n in spec.names if n in position), None)
        if index is None and not (spec.optional or empty):
            return None
        convert = spec.convert
        if convert is _identity:
            arguments.append((index, None))
        else:
            arguments.append((index, _converter(convert)))
    slots = slot_builder(cls)
    if slots is not None:
        return layout.compile(cls, arguments, slots=slots)
    positional = all(f.init and not f.kw_only for f in dataclasses.fields(cls))
    keywords = None if positional else [attr for attr, _ in plan(cls)]
    return layout.compile(cls, arguments, keywords=keywords)


class SlotBuilder:
    """How a decoder fills a model's slots without its ``__init__``.

    Attributes:
        twin: a plain class with the model's slots (same names, same order),
            so its instances may become the model's by ``__class__``
            assignment; its attributes are set as any plain object's.
        names: the attributes to fill, in the model's field order.
    """

    # A plain class, not a NamedTuple: one is built at import, and a named
    # tuple's class costs ten times as much to make.
    __slots__ = ("names", "twin")

    def __init__(self, twin: type, names: tuple[str, ...]) -> None:
        self.twin = twin
        self.names = names


def _slot_builder(cls: Any) -> SlotBuilder | None:
    """How to fill ``cls``'s slots directly, when building it needs nothing else.

    That is the case when its ``__init__`` is the one ``dataclass`` generated
    (it only stores each argument, even when frozen) and nothing runs after
    it: no ``__post_init__``, no ``InitVar``, every field initialised from an
    argument and stored in a slot of ``cls`` itself (a direct subclass of
    ``object``). A frozen model refuses attribute assignment, and its
    ``__init__`` pays ``object.__setattr__`` per field: a decoder instead
    fills an instance of the unfrozen twin and then makes it a ``cls``, an
    equal object in a fraction of the time. None otherwise: ``cls(...)`` is
    called.
    """
    init = getattr(cls.__init__, "__code__", None)
    fields = dataclasses.fields(cls)
    names = tuple(f.name for f in fields)
    if (
        init is None
        or init.co_filename != "<string>"  # written by hand, not generated
        or hasattr(cls, "__post_init__")
        # a non-frozen __init__ assigns through __setattr__, which may be custom
        or not (cls.__dataclass_params__.frozen or cls.__setattr__ is object.__setattr__)
        or init.co_argcount + init.co_kwonlyargcount != len(fields) + 1
        or not all(f.init for f in fields)
        or cls.__bases__ != (object,)
        or tuple(cls.__dict__.get("__slots__", ())) != names
        or not all(isinstance(cls.__dict__.get(n), types.MemberDescriptorType) for n in names)
    ):
        return None
    twin = type(f"_{cls.__name__}Slots", (), {"__slots__": names, "__module__": cls.__module__})
    try:
        # The interpreter decides whether the layouts match: try it once.
        trial = twin()
        for name in names:
            setattr(trial, name, None)
        trial.__class__ = cls
    except TypeError:
        return None
    return SlotBuilder(twin, names)


#: :func:`_slot_builder`, once per model class.
slot_builder: Callable[[Any], SlotBuilder | None] = functools.cache(_slot_builder)


@functools.cache
def _enum_lookup(enum_cls: type[enum.Enum]) -> Callable[[Any], Any]:
    """The decoding path's ``enum_cls(value)``: known members first, as ``Enum.__new__`` does.

    A value the enum has no member for becomes its ``UNKNOWN_<value>``
    pseudo-member when the enum offers one (``from_chronyd``), so a newer
    chronyd never breaks decoding while ``enum_cls(value)`` itself stays strict.
    """
    members = enum_cls._value2member_map_
    fallback: Callable[[Any], Any] = getattr(enum_cls, "from_chronyd", enum_cls)

    def convert(value: Any) -> Any:
        try:
            return members[value]
        except (KeyError, TypeError):
            return fallback(value)

    return convert


def _converter(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if isinstance(convert, type) and issubclass(convert, enum.Enum):
        return _enum_lookup(convert)
    return convert


def decode(
    cls: type[T],
    fields: Iterable[tuple[Any, ...]],
    report: str,
    *,
    index: int | None = None,
    server: str | Callable[[], str] | None = None,
) -> T:
    """Build a ``cls`` from one record's raw fields ``(name, type, content, value)``.

    Args:
        cls: the model to build.
        fields: the record (the core's ``RawRecord``, or any iterable of fields).
        report: the report's name, for messages.
        index: the record's position in the report, for messages.
        server: the server it came from, for messages, or a function giving
            it (called only for a message: a session's description is not free).

    Raises:
        ChronyDataError: a required field is missing, or a value cannot be
            converted whatever the conversion raised; the message names the
            report, the record and the server. A model's own checks (a
            ``__post_init__``) raise what the model chose.
    """
    # Every record the core reads carries its layout: a decoder compiled for
    # it picks the values by position. It is the path of every call, so it is
    # written out here rather than behind another function.
    layout: _Layout | None = getattr(fields, "layout", None)
    if layout is not None:
        decoder = layout.cache.get(cls, _MISSING)
        if decoder is _MISSING:
            decoder = layout.cache[cls] = _compile_decoder(cls, layout)
        if decoder is not None:
            try:
                built: T = decoder(fields.slots, fields.data)  # type: ignore[attr-defined]
                return built
            except Exception:
                pass  # the generic path below names the field that failed
    try:
        return _decode_by_name(cls, fields, report)
    except ChronyDataError as exc:
        where = server() if callable(server) else server
        raise ChronyDataError(
            f"{_where(report, index, where)}: {exc.message}", error_code=exc.error_code
        ) from exc


class ModelDecoder(Generic[T]):
    """Decodes one report's records to model ``cls`` (the core's ``Decoder``).

    The core builds each record through :meth:`compile`'s builder, kept per
    layout under the model class (the same one :func:`decode` uses), and
    falls back to :func:`decode` itself, which names what failed.

    Args:
        cls: the model.
        report: the report's name, for messages.
        server: a function giving the server's description, for messages.
    """

    __slots__ = ("key", "report", "server")

    def __init__(self, cls: type[T], report: str, server: Callable[[], str]) -> None:
        self.key = cls
        self.report = report
        self.server = server

    def compile(self, layout: _Layout) -> Callable[[Any, Any], T] | None:
        """The builder of ``cls`` from a record of ``layout``; None when a field is missing."""
        return _compile_decoder(self.key, layout)

    def __call__(self, record: Iterable[tuple[Any, ...]], index: int) -> T:
        return decode(self.key, record, self.report, index=index, server=self.server)


def _where(report: str, index: int | None, server: str | None) -> str:
    where = f"{report} report" if index is None else f"{report} report, record {index},"
    return where if server is None else f"{where} from {server}"


def _decode_by_name(cls: type[T], fields: Iterable[tuple[Any, ...]], report: str) -> T:
    values = {f[0]: f[3] for f in fields}
    empty = not values and allows_empty(cast(Hashable, cls))
    kwargs: dict[str, Any] = {}
    for attr, spec in plan(cast(Hashable, cls)):
        raw: Any = _MISSING
        for name in spec.names:
            raw = values.get(name, _MISSING)
            if raw is not _MISSING:
                break
        if raw is _MISSING:
            if spec.optional or empty:
                kwargs[attr] = None
                continue
            raise ChronyDataError(
                f"{report} record has no field {spec.names[0]!r} "
                f"(fields: {', '.join(values) or 'none'})"
            )
        try:
            kwargs[attr] = _converter(spec.convert)(raw)
        except Exception as exc:  # whatever the conversion raises, the value is unusable
            raise ChronyDataError(
                f"{report} field {spec.names[0]!r} has an unusable value {raw!r}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
    # The model's own checks (a __post_init__) raise what the model chose.
    return cls(**kwargs)
