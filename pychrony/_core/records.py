"""Reading the record libchrony holds into Python values, in one C call.

A record is read by ``pychrony_read_record`` (a helper compiled into the
extension, see build_ffi.py): one crossing into C packs the record into one
byte string: its *layout* (each field's name, type and content), one 8-byte
slot per value, and the strings. The layout of a report hardly ever changes,
so everything derived from it (its names, the ``struct`` that unpacks the
slots, the functions the typed models decode with) is computed once per
distinct layout and reused: per record, Python copies one buffer and unpacks
it in one ``struct`` call.
"""

from __future__ import annotations

import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol, TypeVar, overload

from .. import _native
from .constants import FieldType
from .timespec import as_chronyc_reads

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

if TYPE_CHECKING:
    # Protocols cost a class each at import; only the type checker needs them.
    from .._libchrony_cffi import FFI, Lib

    class _Slots(Protocol):
        """How to fill a class's slots without calling it (the models' ``SlotBuilder``)."""

        @property
        def twin(self) -> type: ...
        @property
        def names(self) -> Sequence[str]: ...

    class Decoder(Protocol[T_co]):
        """What a record becomes: a model, or the :class:`RawRecord` itself.

        The core hands each record it unpacks to a decoder, so a typed call
        builds its model straight from the unpacked slots (no intermediate
        record, no further call) through a builder compiled once per layout.
        """

        @property
        def key(self) -> object:
            """What the compiled builders are kept under in a layout's cache (a model class)."""

        def compile(self, layout: FieldLayout) -> Callable[[tuple[Any, ...], bytes], T_co] | None:
            """A builder of the value from ``(slots, record bytes)``; None: call the decoder."""

        def __call__(self, record: RawRecord, index: int) -> T_co:
            """The value of ``record``, the report's record ``index`` (when there is no builder)."""


__all__ = [
    "RAW",
    "DamagedRecordError",
    "FieldLayout",
    "LayoutMemo",
    "RawField",
    "RawRecord",
    "decode_all_packed",
    "decode_packed",
    "read_fields",
    "read_value",
    "record_from_fields",
]


class _StringsLock:
    """The lock over libchrony's shared string buffer, for Python and C alike.

    libchrony returns strings from one static buffer shared by every session
    in the process, and CFFI releases the GIL during calls: the fetch and
    copy of a string must be serialised. libchrony formats addresses into
    that buffer when asked a field's content too, so a whole record is read
    under it. The exchange helpers in C pack records with no GIL, under a C
    mutex (``pychrony_strings_lock``); this lock holds that mutex too while a
    Python thread holds it (outermost level only: it is reentrant, as
    read_value takes it again), so both kinds of reader exclude each other.
    Before the extension is loaded no C reader can run, and only the Python
    lock is taken.
    """

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._c_held = False

    def acquire(self, blocking: bool = True, timeout: float = -1) -> bool:
        """Take the lock (and the C mutex at the outermost level)."""
        if not self._lock.acquire(blocking, timeout):
            return False
        if self._depth == 0:
            loaded = _native.loaded()
            if loaded is not None:
                loaded[1].pychrony_strings_lock()  # GIL released while it waits
            self._c_held = loaded is not None
        self._depth += 1
        return True

    def release(self) -> None:
        """Release one level (and the C mutex with the last)."""
        self._depth -= 1
        if self._depth == 0 and self._c_held:
            self._c_held = False
            loaded = _native.loaded()
            assert loaded is not None  # held, so loaded when taken
            loaded[1].pychrony_strings_unlock()
        self._lock.release()

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


_STRING_LOCK = _StringsLock()

# The one-call reader's buffer; a record that does not fit is read field by
# field instead (libchrony's largest record needs about 1 KiB). Below 65536:
# the reader returns two lengths in one int.
_BUFFER_BYTES = 16384

# Distinct layouts kept; far more than libchrony's reports ever produce.
_MAX_LAYOUTS = 256

# What the reader's arrays hold for a field of each type.
_UINT, _INT, _FLOAT, _TIMESPEC, _STRING, _NONE = range(6)
_KIND = {
    int(FieldType.UINTEGER): _UINT,
    int(FieldType.INTEGER): _INT,
    int(FieldType.FLOAT): _FLOAT,
    int(FieldType.TIMESPEC): _TIMESPEC,
    int(FieldType.STRING): _STRING,
}
_NAMELESS = 0xFF  # the layout's type byte of a field libchrony gives no name


class RawField(NamedTuple):
    """One field of one record, as decoded from libchrony."""

    name: str
    type: int
    content: int
    value: Any


def _text_at(data: bytes, offset: int) -> str | None:
    """The string the reader copied at ``offset`` of ``data`` (-1: NULL)."""
    if offset < 0:
        return None
    return data[offset : data.index(b"\0", offset)].decode("utf-8", "replace")


class FieldLayout:
    """The names, types and contents of one shape of record, parsed once.

    Layouts are interned (one object per distinct shape), so identity is
    equality. A record arrives as the reader's bytes; :attr:`unpack` turns its
    slots into a tuple, and :meth:`compile` turns "which field goes where"
    into a function of that tuple, so a record's values are picked without a
    loop over its fields.

    Attributes:
        key: the layout's bytes, as the packer writes them.
        names: field names, in libchrony's order (nameless fields left out).
        types: each field's ``FieldType`` value.
        contents: each field's ``FieldContent`` value.
        unpack: unpacks a record's bytes into its slots.
        values: each field's Python value from ``(slots, record bytes)``.
        cache: derived objects consumers keep per layout (decoders per model
            class), so nothing is derived twice.
    """

    __slots__ = (
        "_readers",
        "_sources",
        "cache",
        "contents",
        "key",
        "names",
        "types",
        "unpack",
        "values",
    )

    def __init__(self, layout: bytes) -> None:
        self.key = layout
        names: list[str] = []
        types: list[int] = []
        contents: list[int] = []
        pos = 0
        while pos < len(layout):
            ftype, content = layout[pos], layout[pos + 1]
            pos += 2
            if ftype != _NAMELESS:
                end = layout.index(b"\0", pos)
                names.append(layout[pos:end].decode("ascii", "replace"))
                types.append(ftype)
                contents.append(content)
                pos = end + 1
        self.names = tuple(names)
        self.types = tuple(types)
        self.contents = tuple(contents)
        self.cache: dict[Any, Any] = {}
        codes = ""
        sources: list[str] = []
        readers = []
        for ftype in types:
            kind = _KIND.get(ftype, _NONE)
            code, source = _SLOTS[kind]
            sources.append(source.format(len(codes)))  # one code per slot
            readers.append(_reader_of(kind, len(codes)))
            codes += code
        self._sources = tuple(sources)
        self._readers = tuple(readers)
        # The slots start at the first multiple of 8 after the layout.
        start = (len(layout) + 7) & ~7
        self.unpack: Callable[[bytes], tuple[Any, ...]] = struct.Struct(
            f"={start}x{codes}"
        ).unpack_from
        self.values: Callable[[tuple[Any, ...], bytes], tuple[Any, ...]] = self.compile(
            tuple, [(i, None) for i in range(len(names))]
        )

    def compile(
        self,
        target: Callable[..., Any],
        arguments: Sequence[tuple[int | None, Callable[[Any], Any] | None]],
        *,
        keywords: Sequence[str] | None = None,
        slots: _Slots | None = None,
    ) -> Callable[[tuple[Any, ...], bytes], Any]:
        """A function of ``(slots, record bytes)`` building ``target`` from chosen values.

        Args:
            target: called with one argument per entry of ``arguments``
                (``tuple`` receives them as one tuple).
            arguments: per argument, the field's position in :attr:`names`
                (None: the argument is None) and a conversion to apply (None:
                the value as it is).
            keywords: pass the arguments under these names instead of by position.
            slots: instead of calling ``target``, make an instance of
                ``slots.twin`` (a plain class with ``target``'s slots), set
                each argument as the attribute ``slots.names`` gives it, and
                make the instance a ``target`` (for classes whose ``__init__``
                does nothing more).

        The function is generated Python (one expression per value, no loop),
        and its source holds nothing but slot indices and names of our own:
        nothing chronyd sends becomes part of it. Should generating it fail
        all the same, a plain function doing the same is returned, so no
        record ever depends on generated code compiling.

        Raises:
            ValueError: a keyword is not an identifier.
        """
        for name in [*(keywords or ()), *(slots.names if slots is not None else ())]:
            if not name.isidentifier():
                raise ValueError(f"not an attribute name: {name!r}")
        try:
            return self._generate(target, arguments, keywords, slots)
        except Exception:  # an optimisation only: never let it cost the record
            return self._plain(target, arguments, keywords, slots)

    def _generate(
        self,
        target: Callable[..., Any],
        arguments: Sequence[tuple[int | None, Callable[[Any], Any] | None]],
        keywords: Sequence[str] | None,
        slots: _Slots | None,
    ) -> Callable[[tuple[Any, ...], bytes], Any]:
        namespace: dict[str, Any] = {"_target": target, "_text_at": _text_at}
        exprs = []
        for n, (index, convert) in enumerate(arguments):
            expr = "None" if index is None else self._sources[index]
            if convert is not None and index is not None:
                namespace[f"_c{n}"] = convert
                expr = f"_c{n}({expr})"
            exprs.append(expr)
        if slots is not None:
            # Plain attribute stores on the twin, then one class change.
            namespace["_twin"] = slots.twin
            lines = ["o = _twin()"]
            lines += [f"o.{name} = {e}" for name, e in zip(slots.names, exprs, strict=True)]
            lines += ["o.__class__ = _target", "return o"]
        elif keywords is not None:
            pairs = ", ".join(f"{k}={e}" for k, e in zip(keywords, exprs, strict=True))
            lines = [f"return _target({pairs})"]
        elif target is tuple:
            # "(a,)" for one value, "()" for none: a record may have no fields.
            lines = [f"return ({''.join(e + ', ' for e in exprs)})"]
        else:
            lines = [f"return _target({', '.join(exprs)})"]
        exec("def _build(s, d):\n    " + "\n    ".join(lines) + "\n", namespace)
        built: Callable[[tuple[Any, ...], bytes], Any] = namespace["_build"]
        return built

    def _plain(
        self,
        target: Callable[..., Any],
        arguments: Sequence[tuple[int | None, Callable[[Any], Any] | None]],
        keywords: Sequence[str] | None,
        slots: _Slots | None,
    ) -> Callable[[tuple[Any, ...], bytes], Any]:
        """What :meth:`_generate` builds, as a loop over the arguments."""
        readers = self._readers
        picks = [
            (None if index is None else readers[index], None if index is None else convert)
            for index, convert in arguments
        ]

        def values(s: tuple[Any, ...], d: bytes) -> list[Any]:
            out = []
            for read, convert in picks:
                value = None if read is None else read(s, d)
                out.append(value if convert is None else convert(value))
            return out

        if slots is not None:
            twin, attributes = slots.twin, tuple(slots.names)

            def build(s: tuple[Any, ...], d: bytes) -> Any:
                o = twin()
                for name, value in zip(attributes, values(s, d), strict=True):
                    setattr(o, name, value)
                o.__class__ = target
                return o

        elif keywords is not None:
            names = tuple(keywords)

            def build(s: tuple[Any, ...], d: bytes) -> Any:
                return target(**dict(zip(names, values(s, d), strict=True)))

        elif target is tuple:

            def build(s: tuple[Any, ...], d: bytes) -> Any:
                return tuple(values(s, d))

        else:

            def build(s: tuple[Any, ...], d: bytes) -> Any:
                return target(*values(s, d))

        return build


def _reader_of(kind: int, start: int) -> Callable[[tuple[Any, ...], bytes], Any]:
    """A field's Python value from slots ``s`` (its first at ``start``) and bytes ``d``."""
    if kind == _TIMESPEC:
        return lambda s, d: (s[start], s[start + 1])
    if kind == _STRING:
        return lambda s, d: _text_at(d, s[start])
    if kind == _NONE:
        return lambda s, d: None
    return lambda s, d: s[start]


# Per kind of field: its struct code(s), and the Python source of its value
# from slots ``s`` (starting at slot {0}) and the record's bytes ``d``: the
# same values _reader_of reads.
_SLOTS = {
    _UINT: ("Q", "s[{0}]"),
    _INT: ("q", "s[{0}]"),
    _FLOAT: ("d", "s[{0}]"),
    _TIMESPEC: ("qq", "(s[{0}], s[{0} + 1])"),
    _STRING: ("q", "_text_at(d, s[{0}])"),
    _NONE: ("q", "None"),
}


class RawRecord(Sequence[RawField]):
    """One record's fields: a sequence of :class:`RawField`, in libchrony's order.

    Holds the record's unpacked slots and bytes as they came; the values and
    the :class:`RawField` tuple are built on first use. A decoder compiled for
    the record's :attr:`layout` reads the slots directly.
    """

    __slots__ = ("_fields", "_values", "data", "layout", "slots")

    def __init__(self, layout: FieldLayout, slots: tuple[Any, ...], data: bytes) -> None:
        self.layout = layout
        self.slots = slots
        self.data = data
        self._values: tuple[Any, ...] | None = None
        self._fields: tuple[RawField, ...] | None = None

    @property
    def values(self) -> tuple[Any, ...]:
        """Each field's value, in libchrony's order."""
        if self._values is None:
            self._values = self.layout.values(self.slots, self.data)
        return self._values

    @property
    def fields(self) -> tuple[RawField, ...]:
        """The fields as a tuple of :class:`RawField`."""
        if self._fields is None:
            lay = self.layout
            self._fields = tuple(map(RawField, lay.names, lay.types, lay.contents, self.values))
        return self._fields

    @overload
    def __getitem__(self, index: int) -> RawField: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[RawField, ...]: ...
    def __getitem__(self, index: int | slice) -> RawField | tuple[RawField, ...]:
        return self.fields[index]

    def __len__(self) -> int:
        return len(self.layout.names)

    def __iter__(self) -> Iterator[RawField]:
        return iter(self.fields)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RawRecord):
            return self.fields == other.fields
        if isinstance(other, tuple):
            return self.fields == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"RawRecord{self.fields!r}"


class _Reader:
    """The one-call reader and its buffer (guarded by ``_STRING_LOCK``)."""

    def __init__(self, ffi: FFI, lib: Lib) -> None:
        self.read = lib.pychrony_read_record
        self.unpack = ffi.unpack
        self.buffer = ffi.new("char[]", _BUFFER_BYTES)

    def __call__(self, session: Any) -> RawRecord | None:
        """Read the current record; None when it does not fit the buffer."""
        buffer = self.buffer
        with _STRING_LOCK:
            lengths = self.read(session, buffer, _BUFFER_BYTES)
            if lengths < 0:
                return None
            data: bytes = self.unpack(buffer, lengths & 0xFFFF)
        return decode_packed(data, lengths, RAW, 0)


# Every distinct layout seen, by its bytes.
_LAYOUTS: dict[bytes, FieldLayout] = {}

# The head of each record pychrony_report packs: its two lengths, as one int32.
_HEAD = struct.Struct("=i").unpack_from

_MISSING = object()


class _Raw:
    """The decoder whose value is the record itself."""

    key: object = "raw records"

    def compile(self, layout: FieldLayout) -> None:
        return None

    def __call__(self, record: RawRecord, index: int) -> RawRecord:
        return record


#: Decoding to :class:`RawRecord` (the generic layer and the C API's).
RAW: Decoder[RawRecord] = _Raw()


class DamagedRecordError(Exception):
    """The packed bytes of a record do not parse (its cause says why).

    Raised instead of whatever parsing raised, so a caller tells a damaged
    record (its own error to make) from an error of the decoder (passed on
    as it is: a model's own checks raise what the model chose).
    """


class LayoutMemo:
    """The layout, and its builder, of the last record one call decoded.

    A call asks for the same report again and again, and its next record has
    the same layout almost always: checked in place against the last one's
    bytes, it needs neither cutting out and hashing nor a builder lookup.
    Whatever the memo holds, a record is decoded by its own layout.
    """

    __slots__ = ("build", "layout")

    def __init__(self) -> None:
        self.layout: FieldLayout | None = None
        self.build: Callable[[tuple[Any, ...], bytes], Any] | None = None


def decode_packed(
    data: bytes, lengths: int, decoder: Decoder[T], index: int, memo: LayoutMemo | None = None
) -> T:
    """``decoder``'s value of the record ``pychrony_read_record`` packed into ``data``.

    Args:
        data: the packed record.
        lengths: the packer's result (the layout's length and the bytes used).
        decoder: what the record becomes.
        index: its position in the report, for the decoder's messages.
        memo: the last layout this call site decoded (updated).

    Raises:
        DamagedRecordError: ``data`` does not parse.
    """
    try:
        layout = memo.layout if memo is not None else None
        if layout is not None and lengths >> 16 == len(layout.key) and data.startswith(layout.key):
            build = memo.build  # type: ignore[union-attr]
        else:
            key = data[: lengths >> 16]
            layout = _LAYOUTS.get(key) or _layout_for(key)
            build = _builder(layout, decoder)
            if memo is not None:
                memo.layout, memo.build = layout, build
        slots = layout.unpack(data)
    except Exception as exc:
        raise DamagedRecordError(f"{type(exc).__name__}: {exc}") from exc
    if build is not None:
        try:
            return build(slots, data)  # type: ignore[no-any-return]
        except Exception:
            pass  # the decoder's own path says what failed
    return decoder(RawRecord(layout, slots, data), index)


def decode_all_packed(data: bytes, decoder: Decoder[T], into: list[T]) -> None:
    """Append ``decoder``'s value of each record ``pychrony_report`` packed into ``data``.

    Each record's index is its position in ``into``.

    Raises:
        DamagedRecordError: a record does not parse (those before it are in ``into``).
    """
    pos = 0
    end = len(data)
    layout: FieldLayout | None = None
    build: Callable[[tuple[Any, ...], bytes], T] | None = None
    key = b""
    append = into.append
    while pos < end:
        try:
            (lengths,) = _HEAD(data, pos)
            start = pos + 4
            pos = start + (lengths & 0xFFFF)
            record = data[start:pos]
            # The records of a report share their layout: compare with the
            # last one in place, and look a builder up only when it changes.
            if layout is None or lengths >> 16 != len(key) or not data.startswith(key, start):
                key = record[: lengths >> 16]
                layout = _LAYOUTS.get(key) or _layout_for(key)
                build = _builder(layout, decoder)
            slots = layout.unpack(record)
        except Exception as exc:
            raise DamagedRecordError(f"{type(exc).__name__}: {exc}") from exc
        if build is not None:
            try:
                append(build(slots, record))
                continue
            except Exception:
                pass  # the decoder's own path says what failed
        append(decoder(RawRecord(layout, slots, record), len(into)))


def _builder(
    layout: FieldLayout, decoder: Decoder[T]
) -> Callable[[tuple[Any, ...], bytes], T] | None:
    """``decoder``'s builder for records of ``layout``, compiled on first use and kept."""
    cache = layout.cache
    build = cache.get(decoder.key, _MISSING)
    if build is _MISSING:
        build = cache[decoder.key] = decoder.compile(layout)
    return build  # type: ignore[no-any-return]


def _layout_for(key: bytes) -> FieldLayout:
    layout = _LAYOUTS.get(key)
    if layout is None:
        if len(_LAYOUTS) >= _MAX_LAYOUTS:
            _LAYOUTS.clear()
        layout = _LAYOUTS[key] = FieldLayout(key)
    return layout


_reader: _Reader | None = None


def read_fields(session: Any) -> RawRecord:
    """Decode every field of the record libchrony holds for ``session``.

    One crossing into C for the whole record; a record too large for the
    reader's buffer is read field by field, with the same result.
    """
    global _reader
    if _reader is None:
        _reader = _Reader(*_native.load())
    record = _reader(session)
    return record if record is not None else _read_fields_one_by_one(session)


def _read_fields_one_by_one(session: Any) -> RawRecord:
    """What ``pychrony_read_record`` does, one libchrony call at a time."""
    ffi, lib = _native.load()
    fields: list[tuple[str | None, int, int, Any]] = []
    with _STRING_LOCK:
        for i in range(max(0, lib.chrony_get_record_number_fields(session))):
            name_p = lib.chrony_get_field_name(session, i)
            content = lib.chrony_get_field_content(session, i)
            if name_p == ffi.NULL:
                fields.append((None, 0, content, None))
                continue
            ftype = lib.chrony_get_field_type(session, i)
            name = ffi.string(name_p).decode("ascii", "replace")
            fields.append((name, ftype, content, read_value(ffi, lib, session, i, ftype)))
    return record_from_fields(fields)


def record_from_fields(fields: Sequence[tuple[str | None, int, int, Any]]) -> RawRecord:
    """The record the C reader would produce for ``(name, type, content, value)`` fields.

    A field whose name is None stands for one libchrony gives no name (left
    out of the record, as the reader does).
    """
    layout = bytearray()
    slots: list[Any] = []
    strings: list[tuple[int, str]] = []  # (slot, value) of strings, placed below
    for name, ftype, content, value in fields:
        if name is None:
            layout += bytes((_NAMELESS, content & 0xFF))
            continue
        layout += bytes((ftype & 0xFF, content & 0xFF)) + name.encode("ascii", "replace") + b"\0"
        kind = _KIND.get(ftype, _NONE)
        if kind == _TIMESPEC:
            slots += as_chronyc_reads(*value)  # as the C reader does
        elif kind == _STRING:
            if value is not None:
                strings.append((len(slots), value))
            slots.append(-1)
        elif kind == _NONE:
            slots.append(0)
        else:
            slots.append(value)
    # The same bytes the C reader produces: layout, then slots, then strings.
    data = bytearray(layout + bytes(-len(layout) % 8 + 8 * len(slots)))
    for slot, text in strings:
        slots[slot] = len(data)
        data += text.encode("utf-8", "surrogateescape") + b"\0"
    key = bytes(layout)
    return RawRecord(_LAYOUTS.get(key) or _layout_for(key), tuple(slots), bytes(data))


def read_value(ffi: FFI, lib: Lib, session: Any, index: int, ftype: int) -> Any:
    """Read field ``index`` of the current record as a Python value.

    Returns what chronyd meant: libchrony returns 16-bit signed fields without
    sign extension (a poll of -2 comes back as 65534), so those are corrected
    here. Timespecs come back as ``(seconds, nanoseconds)``, read as chronyc
    reads them (:func:`~pychrony._core.timespec.as_chronyc_reads`); missing strings
    (an address with no family) as None.
    """
    if ftype == FieldType.UINTEGER:
        return int(lib.chrony_get_field_uinteger(session, index))
    if ftype == FieldType.INTEGER:
        value = int(lib.chrony_get_field_integer(session, index))
        return value - 0x10000 if 0x8000 <= value <= 0xFFFF else value
    if ftype == FieldType.FLOAT:
        return float(lib.chrony_get_field_float(session, index))
    if ftype == FieldType.TIMESPEC:
        ts = lib.chrony_get_field_timespec(session, index)
        return as_chronyc_reads(int(ts.tv_sec), int(ts.tv_nsec))
    if ftype == FieldType.STRING:
        with _STRING_LOCK:
            ptr = lib.chrony_get_field_string(session, index)
            return None if ptr == ffi.NULL else ffi.string(ptr).decode("utf-8", "replace")
    return None
