"""Models built by the per-layout slot constructor are ordinary frozen dataclasses.

The decoders compiled per (model, layout) skip the dataclass ``__init__``
(one ``object.__setattr__`` per field) and fill the slots directly. Whatever
builds an instance, generated code or its plain fallback, the result must be
indistinguishable from one built by calling the class: equality, hash,
pickling, copying, ``dataclasses.replace`` and ``fields``, ``__match_args__``,
``repr``, frozenness.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from typing import Any

import pytest

from pychrony import ChronyDataError, NTPData
from pychrony._core import records
from pychrony._core.constants import FieldType
from pychrony._core.records import FieldLayout, record_from_fields
from pychrony.models._declare import allows_empty, decode, slot_builder
from pychrony.models.catalog import REPORTS
from pychrony.testing import make

from .samples import INT, F, S, T, U

MODELS = [spec.model for spec in REPORTS]


def _slot_built(model: Any, plain: bool) -> tuple[Any, Any]:
    """(built by the slot constructor, built by calling the class) from the same values."""
    normal = make(model)
    values = [getattr(normal, f.name) for f in dataclasses.fields(model)]
    # A record whose slots hold the finished values; the constructor copies them.
    record = record_from_fields([(f"v{i}", FieldType.UINTEGER, 0, v) for i, v in enumerate(values)])
    slots = slot_builder(model)
    assert slots is not None, f"{model.__name__} is not built slot by slot"
    arguments = [(i, None) for i in range(len(values))]
    layout = record.layout
    if plain:
        build = layout._plain(model, arguments, None, slots)
    else:
        build = layout._generate(model, arguments, None, slots)
    return build(record.slots, record.data), normal


LAYOUTS: list[list[tuple[str | None, int, int, Any]]] = [
    [],
    [("only", U, 0, 7)],
    [("a", S, 15, "x"), (None, 0, 0, None), ("t", T, 2, (5, 6)), ("n", FieldType.NONE, 0, None)],
    [("s", S, 15, None), ("i", INT, 3, -2), ("f", F, 5, 0.25)],
]


@pytest.mark.parametrize("plain", [False, True], ids=["generated", "plain"])
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_slot_built_model_is_an_ordinary_dataclass(model: Any, plain: bool) -> None:
    built, normal = _slot_built(model, plain)
    assert type(built) is model
    assert built == normal
    assert hash(built) == hash(normal)
    assert repr(built) == repr(normal)
    assert not hasattr(built, "__dict__")  # slotted
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.__setattr__(dataclasses.fields(model)[0].name, None)
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        again = pickle.loads(pickle.dumps(built, protocol=protocol))
        assert again == normal
        assert type(again) is model
    assert copy.copy(built) == normal
    assert copy.deepcopy(built) == normal
    assert [f.name for f in dataclasses.fields(built)] == list(model.__match_args__)
    assert dataclasses.astuple(built) == dataclasses.astuple(normal)
    first = dataclasses.fields(model)[0].name
    replaced = dataclasses.replace(built, **{first: None})
    assert getattr(replaced, first) is None
    assert replaced != built
    assert dataclasses.replace(replaced, **{first: getattr(normal, first)}) == normal


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_structural_pattern_matching_sees_the_fields(model: Any) -> None:
    built, normal = _slot_built(model, plain=False)
    first, second = (f.name for f in dataclasses.fields(model)[:2])
    match built:
        case model(a, b):
            assert (a, b) == (getattr(normal, first), getattr(normal, second))
        case _:
            pytest.fail(f"{model.__name__} did not match its own class pattern")


def test_the_real_decoders_use_the_slot_constructor_for_every_model() -> None:
    # The decoders compiled per layout take the fast route for every report's model.
    for model in MODELS:
        assert slot_builder(model) is not None, model.__name__


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_decoding_an_empty_record_builds_through_the_same_constructor(model: Any) -> None:
    record = record_from_fields([])
    if not allows_empty(model):
        with pytest.raises(ChronyDataError, match="fields: none"):
            decode(model, record, "test")
        return
    got = decode(model, record, "test")
    assert got == model(**{f.name: None for f in dataclasses.fields(model)})
    assert pickle.loads(pickle.dumps(got)) == got
    assert dataclasses.replace(got) == got


@pytest.mark.parametrize("fields", LAYOUTS)
def test_the_plain_builder_gives_what_the_generated_one_gives(fields: list[Any]) -> None:
    record = record_from_fields(fields)
    layout = record.layout
    every = [(i, None) for i in range(len(layout.names))]
    generated = layout._generate(tuple, every, None, None)
    plain = layout._plain(tuple, every, None, None)
    assert generated(record.slots, record.data) == plain(record.slots, record.data)
    assert record.values == plain(record.slots, record.data)


def test_a_builder_that_cannot_be_generated_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: Any) -> Any:
        raise SyntaxError("as if the generated source did not compile")

    monkeypatch.setattr(FieldLayout, "_generate", refuse)
    monkeypatch.setattr(records, "_LAYOUTS", {})
    record = record_from_fields([("remote address", S, 15, "192.0.2.1"), ("version", U, 0, 4)])
    assert record.values == ("192.0.2.1", 4)
    ntp = decode(NTPData, record_from_fields([]), "ntpdata")
    assert ntp.remote_address is None
