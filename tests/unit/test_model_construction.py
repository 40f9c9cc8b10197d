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

from pychrony import ChronyDataError
from pychrony._core.constants import FieldType
from pychrony._core.records import record_from_fields
from pychrony.models._declare import _slot_setters, allows_empty, decode
from pychrony.models.catalog import REPORTS
from pychrony.testing import make

MODELS = [spec.model for spec in REPORTS]


def _slot_built(model: Any, plain: bool) -> tuple[Any, Any]:
    """(built by the slot constructor, built by calling the class) from the same values."""
    normal = make(model)
    values = [getattr(normal, f.name) for f in dataclasses.fields(model)]
    # A record whose slots hold the finished values; the constructor copies them.
    record = record_from_fields([(f"v{i}", FieldType.UINTEGER, 0, v) for i, v in enumerate(values)])
    setters = _slot_setters(model)
    assert setters is not None, f"{model.__name__} is not built slot by slot"
    arguments = [(i, None) for i in range(len(values))]
    layout = record.layout
    if plain:
        build = layout._plain(model, arguments, None, setters)
    else:
        build = layout._generate(model, arguments, None, setters)
    return build(record.slots, record.data), normal


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
        assert _slot_setters(model) is not None, model.__name__


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
